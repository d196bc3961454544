import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { RateLimiter } from "~/lib/api/rate-limiter-do.server";
import type { RateWindow } from "~/lib/api/rate-window";
import type { Env } from "~/lib/env";

const ns = (env as Env).RATE_LIMITER;

describe("RateLimiter Durable Object (ADR 0170)", () => {
  it("stores at most 61 buckets however many requests a high limit lets through", async () => {
    const stub = ns.get(ns.idFromName(`bulk-${crypto.randomUUID()}`));
    for (let i = 0; i < 400; i++) expect((await stub.hit(100_000_000, 60_000)).allowed).toBe(true);
    await runInDurableObject(stub, async (_instance: RateLimiter, state) => {
      const window = (await state.storage.get<RateWindow>("window"))!;
      expect(window.length).toBeLessThanOrEqual(61);
      expect(window.reduce((n, [, c]) => n + c, 0)).toBe(400);
      expect(await state.storage.get("hits")).toBeUndefined();
    });
  });

  it("keeps counting across an eviction, and takes over the old log of timestamps on a deploy", async () => {
    const stub = ns.get(ns.idFromName(`migrate-${crypto.randomUUID()}`));
    const now = Date.now();
    // what the limiter of ADR 0003 stored: the times of the requests it allowed
    await runInDurableObject(stub, async (_instance: RateLimiter, state) => {
      await state.storage.put("hits", [now - 50_000, now - 20_000, now - 1_000]);
    });
    const d = await stub.hit(4, 60_000);
    expect([d.allowed, d.remaining]).toEqual([true, 0]);
    expect((await stub.hit(4, 60_000)).allowed).toBe(false);
    await runInDurableObject(stub, async (instance: RateLimiter, state) => {
      expect(await state.storage.get("hits")).toBeUndefined();
      // an evicted object starts with no memory: the count comes back from storage
      (instance as unknown as { window: RateWindow | null }).window = null;
    });
    expect((await stub.hit(4, 60_000)).allowed).toBe(false);
  });
});
