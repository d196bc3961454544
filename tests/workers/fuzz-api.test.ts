import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ACME } from "../helpers/seed";
import { api, newKey } from "./api-client";
import { type AcmeFixtures, createAcmeFixtures } from "./hardening/fixtures";
import { bodyFor, hostileJson } from "./hardening/hostile";
import { captureQueues, dumpD1, v1Fill, v1Routes } from "./hardening/inventory";

/**
 * Every /v1 write in the route table, fuzzed with bodies shaped like its schema (hostile leaves,
 * `__proto__` keys, arrays where strings belong) and with raw non-JSON: never a 5xx, a refusal
 * leaves D1 unchanged, and errors are problem+json (never HTML that could echo input).
 */
const RUNS = 30;
/** Refined bodies (a contact needs an email or a phone; a replay needs delivery_id or from, not both): more draws to get past them. */
const MORE_RUNS = new Set(["/v1/conversations", "/v1/webhooks/:id/replays"]);
const writes = v1Routes.filter((r) => r.method === "POST" || r.method === "PATCH");
const rawBody = fc.oneof(
  fc.string({ maxLength: 100 }),
  fc.constantFrom("{", "[1,", '{"__proto__":{"polluted":true}}', "null", '""', '{"a":1}garbage', "\uFEFF{}", "\u0000"),
);

let fx: AcmeFixtures;
beforeAll(async () => {
  captureQueues();
  fx = await createAcmeFixtures();
});

describe("fuzzing every /v1 write", () => {
  it("the route table has writes to fuzz", () => {
    expect(writes.length).toBeGreaterThan(5);
  });

  it.each(writes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    "%s: never a 5xx, no partial write on a refusal",
    // RUNS bounds the work; the timeout only ends a hang (120 runs of the replays route took over 60 s on a loaded CI run)
    { timeout: 300_000 },
    async (_name, route) => {
      const key = (await newKey(ACME.id, undefined, `fuzz ${route.operationId}`)).secret;
      const path = v1Fill(route.path, fx.v1Ids).replace(/^\/v1/, "");
      const input = fc.oneof(
        { weight: 4, arbitrary: bodyFor(route.body).map((json) => ({ json })) },
        { weight: 1, arbitrary: hostileJson.map((json) => ({ json })) },
        { weight: 1, arbitrary: rawBody.map((raw) => ({ raw })) },
      );
      const statuses = new Set<number>();
      await fc.assert(
        fc.asyncProperty(input, async (sent) => {
          const before = await dumpD1({ ignoreColumns: ["last_used_at"] });
          const res =
            "json" in sent
              ? await api(path, { method: route.method, key, body: sent.json ?? null })
              : await api(path, { method: route.method, key, raw: sent.raw });
          const text = await res.text();
          const where = `${route.method} ${path} ${JSON.stringify(sent).slice(0, 300)} → ${res.status} ${text.slice(0, 200)}`;
          statuses.add(res.status);
          expect(res.status, where).toBeLessThan(500);
          expect(res.headers.get("Content-Type") ?? "", where).toMatch(/^application\/(problem\+)?json|^$/);
          if (res.status >= 400) expect(await dumpD1({ ignoreColumns: ["last_used_at"] }), `partial write: ${where}`).toEqual(before);
          expect(Object.hasOwn(Object.prototype, "polluted")).toBe(false);
        }),
        // Seeded per route: the same inputs on every run, so whether schema-shaped bodies get past a
        // refined schema (a contact needs an email or a phone) does not depend on the draw.
        {
          numRuns: MORE_RUNS.has(route.path) ? 4 * RUNS : RUNS,
          seed: [...route.path].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) | 0, 7),
        },
      );
      // Schema-shaped bodies must get past validation at least sometimes, or the fuzzer only tests the validator.
      expect(
        [...statuses].some((s) => s !== 400 && s !== 415),
        `${route.method} ${route.path}: ${[...statuses]}`,
      ).toBe(true);
    },
  );
});
