import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ACME } from "../helpers/seed";
import { api, createConversationViaApi, newKey } from "./api-client";

const hostileString = fc.oneof(
  fc.string({ maxLength: 50 }),
  fc.string({ unit: "grapheme", maxLength: 50 }),
  fc.constantFrom(
    "'; DROP TABLE conversations; --",
    '" OR 1=1 --',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\u0000\u202e\ud83d\ude00",
    "sk_live_",
    "__proto__",
    "x".repeat(25_000),
    "a@b.co",
    "closed",
    "open",
    "agent",
  ),
);
const key = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom("__proto__", "constructor", "prototype", "contact", "message", "body", "status", "author", "email", "subject", "reason"),
);
const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", maxDepth: 4 },
    hostileString,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(key, tie("value"), { maxKeys: 6 }),
    fc.record({ contact: fc.dictionary(key, tie("value"), { maxKeys: 3 }), message: fc.dictionary(key, tie("value"), { maxKeys: 3 }) }),
  ),
})).value;
/** Bodies that are not even JSON, sent raw. */
const rawBody = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom("{", "[1,", '{"__proto__": {"polluted": true}}', "null", '""', '{"a":1}garbage', "\uFEFF{}"),
);

async function neverA500(path: string, method: string) {
  const secret = (await newKey(ACME.id, ["conversations:read", "conversations:write"], `fuzz ${path}`)).secret;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        hostileJson.map((b) => ({ json: b })),
        rawBody.map((r) => ({ raw: r })),
      ),
      async (input) => {
        const res =
          "json" in input
            ? await api(path, { method, key: secret, body: input.json ?? null })
            : await api(path, { method, key: secret, raw: input.raw });
        expect(res.status, `${method} ${path} ${JSON.stringify(input).slice(0, 200)}`).toBeLessThan(500);
        expect([200, 201, 400, 404, 409, 413].includes(res.status)).toBe(true);
        if (res.status >= 400) expect(res.headers.get("Content-Type")).toBe("application/problem+json");
        await res.arrayBuffer();
      },
    ),
    { numRuns: 100 },
  );
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

describe("hostile request bodies", () => {
  it("POST /v1/conversations never answers 500", async () => {
    await neverA500("/conversations", "POST");
  }, 60_000);

  it("PATCH /v1/conversations/:id never answers 500", async () => {
    const conv = await createConversationViaApi();
    await neverA500(`/conversations/${conv.id}`, "PATCH");
  }, 60_000);

  it("POST /v1/conversations/:id/messages never answers 500", async () => {
    const conv = await createConversationViaApi();
    await neverA500(`/conversations/${conv.id}/messages`, "POST");
  }, 60_000);

  it("POST /v1/conversations/:id/escalate never answers 500", async () => {
    const conv = await createConversationViaApi();
    await neverA500(`/conversations/${conv.id}/escalate`, "POST");
  }, 60_000);
});
