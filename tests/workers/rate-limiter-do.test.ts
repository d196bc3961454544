import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { FLUSH_MS, type RateLimiter, WRITE_THROUGH_MAX_LIMIT } from "~/lib/api/rate-limiter-do.server";
import type { RateWindow } from "~/lib/api/rate-window";
import type { Env } from "~/lib/env";

const ns = (env as Env).RATE_LIMITER;

describe("RateLimiter Durable Object (ADR 0170)", () => {
  it("stores at most 61 buckets however many requests a high limit lets through", async () => {
    const stub = ns.get(ns.idFromName(`bulk-${crypto.randomUUID()}`));
    for (let i = 0; i < 400; i++) expect((await stub.hit(100_000_000, 60_000)).allowed).toBe(true);
    await new Promise((r) => setTimeout(r, FLUSH_MS + 500)); // a high limit is written behind (ADR 0171)
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

  it("an old log that is already full is stored as a window before it is deleted, though the hit is refused", async () => {
    const stub = ns.get(ns.idFromName(`migrate-full-${crypto.randomUUID()}`));
    const now = Date.now();
    await runInDurableObject(stub, async (_instance: RateLimiter, state) => {
      await state.storage.put("hits", [now - 30_000, now - 20_000, now - 10_000]);
    });
    expect((await stub.hit(3, 60_000)).allowed).toBe(false); // refused: counts nothing, writes nothing itself
    await runInDurableObject(stub, async (instance: RateLimiter, state) => {
      expect(await state.storage.get("hits")).toBeUndefined();
      expect(((await state.storage.get<RateWindow>("window")) ?? []).reduce((n, [, c]) => n + c, 0)).toBe(3);
      (instance as unknown as { window: RateWindow | null }).window = null;
    });
    expect((await stub.hit(3, 60_000)).allowed).toBe(false);
  });

  it("parallel hits on a written-behind limit are counted exactly: never one past it", async () => {
    const stub = ns.get(ns.idFromName(`parallel-${crypto.randomUUID()}`));
    const limit = WRITE_THROUGH_MAX_LIMIT + 1;
    const decisions = await Promise.all(Array.from({ length: limit + 19 }, () => stub.hit(limit, 60_000)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(limit);
    expect(decisions.filter((d) => !d.allowed)).toHaveLength(19);
    expect(
      decisions
        .filter((d) => d.allowed)
        .map((d) => d.remaining)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: limit }, (_, i) => i));
    await new Promise((r) => setTimeout(r, FLUSH_MS + 500));
    await runInDurableObject(stub, async (_i: RateLimiter, state) => {
      expect(((await state.storage.get<RateWindow>("window")) ?? []).reduce((n, [, c]) => n + c, 0)).toBe(limit);
    });
  });

  it("writes a small budget on every counted hit, a large one at most once a second (ADR 0171)", async () => {
    const stored = async (stub: DurableObjectStub<RateLimiter>) =>
      runInDurableObject(stub, async (_i: RateLimiter, state) =>
        ((await state.storage.get<RateWindow>("window")) ?? []).reduce((n, [, c]) => n + c, 0),
      );
    // a budget (sign-in, replays): every unit is in storage before the answer
    const small = ns.get(ns.idFromName(`small-${crypto.randomUUID()}`));
    for (let i = 1; i <= 3; i++) {
      await small.hit(WRITE_THROUGH_MAX_LIMIT, 60_000);
      expect(await stored(small)).toBe(i);
    }
    // an API key's limit: counted in memory at once (refusals exact), in storage within FLUSH_MS
    const large = ns.get(ns.idFromName(`large-${crypto.randomUUID()}`));
    const writes = { n: 0 };
    await runInDurableObject(large, async (_i: RateLimiter, state) => {
      const put = state.storage.put.bind(state.storage);
      state.storage.put = ((...args: Parameters<typeof put>) => (writes.n++, put(...args))) as typeof put;
    });
    const limit = WRITE_THROUGH_MAX_LIMIT + 1;
    for (let i = 0; i < limit; i++) expect((await large.hit(limit, 60_000)).allowed).toBe(true);
    expect((await large.hit(limit, 60_000)).allowed).toBe(false);
    expect(writes.n).toBe(0);
    await new Promise((r) => setTimeout(r, FLUSH_MS + 500));
    expect(writes.n).toBe(1);
    expect(await stored(large)).toBe(limit);
    // a new instance (eviction) takes the flushed count: still full
    await runInDurableObject(large, async (instance: RateLimiter) => {
      (instance as unknown as { window: RateWindow | null }).window = null;
    });
    expect((await large.hit(limit, 60_000)).allowed).toBe(false);
  });
});
