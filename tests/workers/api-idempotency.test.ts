import { createExecutionContext, createScheduledController, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { parseIdempotencyKey, purgeExpiredIdempotencyKeys, requestFingerprint, settleIdempotencyKey } from "~/lib/api/idempotency.server";
import { runScheduled } from "~/lib/cron.server";
import { createDb, type Db } from "~/lib/db/client";
import type { Env } from "~/lib/env";
import { keyringFromEnv } from "~/lib/security/encryption";
import { ACME, GLOBEX } from "../helpers/seed";
import { API, api, count, newKey, validConversation } from "./api-client";

const keyed = (key: string, init: Parameters<typeof api>[1] = {}) => ({ ...init, headers: { ...init.headers, "Idempotency-Key": key } });
const create = (key: string, body: unknown = validConversation, apiKey?: string) =>
  api("/conversations", keyed(key, { method: "POST", body, ...(apiKey ? { key: apiKey } : {}) }));

async function row(companyId: string, key: string) {
  return env.DB.prepare("SELECT * FROM idempotency_keys WHERE company_id = ? AND key = ?")
    .bind(companyId, key)
    .first<{ status: string; response_status: number | null; response_enc: string | null; fingerprint: string; expires_at: number }>();
}

describe("Idempotency-Key on /v1 (ADR 0173)", () => {
  it("a retried create gets the first answer again, marked as replayed, and creates nothing more", async () => {
    const before = { c: await count("conversations"), e: await count("events") };
    const first = await create("retry-1");
    expect(first.status).toBe(201);
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();
    const body = await first.text();
    const created = { c: await count("conversations"), e: await count("events") };
    expect(created.c).toBe(before.c + 1);

    for (const header of ["retry-1", '"retry-1"']) {
      const again = await create(header);
      expect(again.status).toBe(201);
      expect(again.headers.get("Idempotent-Replayed")).toBe("true");
      expect(again.headers.get("Location")).toBe(first.headers.get("Location"));
      expect(again.headers.get("Content-Type")).toBe("application/json");
      // the new request's own rate-limit headers, not the stored ones
      expect(again.headers.get("RateLimit-Remaining")).not.toBeNull();
      expect(await again.text()).toBe(body);
    }
    expect({ c: await count("conversations"), e: await count("events") }).toEqual(created);
    expect(await row(ACME.id, "retry-1")).toMatchObject({ status: "done", response_status: 201 });
  });

  it("the same key for another request is a 422 and runs nothing: another body, path or method", async () => {
    const first = await create("mine");
    const { id } = (await first.json()) as { id: string };
    const before = { c: await count("conversations"), m: await count("messages") };
    const otherBody = await create("mine", { ...validConversation, subject: "Another" });
    expect(otherBody.status).toBe(422);
    expect(((await otherBody.json()) as { errors: Record<string, string[]> }).errors).toHaveProperty("Idempotency-Key");
    const otherPath = await api(`/conversations/${id}/messages`, keyed("mine", { method: "POST", body: validConversation }));
    expect(otherPath.status).toBe(422);
    const otherMethod = await api(`/conversations/${id}`, keyed("mine", { method: "PATCH", body: { status: "closed" } }));
    expect(otherMethod.status).toBe(422);
    expect({ c: await count("conversations"), m: await count("messages") }).toEqual(before);
    expect(((await (await api(`/conversations/${id}`)).json()) as { status: string }).status).toBe("open");
  });

  it("an error keeps nothing: the corrected request runs under the same key", async () => {
    const bad = await create("fix-me", { ...validConversation, contact: { email: "not-an-email" } });
    expect(bad.status).toBe(400);
    expect(await row(ACME.id, "fix-me")).toBeNull();
    const good = await create("fix-me");
    expect(good.status).toBe(201);
    expect(good.headers.get("Idempotent-Replayed")).toBeNull();
    // a 404 (no such conversation) is an error too
    const missing = await api(
      "/conversations/cnv_missing/messages",
      keyed("k404", { method: "POST", body: { body: "hi", author: "agent" } }),
    );
    expect(missing.status).toBe(404);
    expect(await row(ACME.id, "k404")).toBeNull();
  });

  it("while the first request runs, a retry gets a 409 with Retry-After; a claim whose lease ended is taken over", async () => {
    const bytes = new TextEncoder().encode(JSON.stringify(validConversation));
    const fingerprint = await requestFingerprint("POST", "/v1/conversations", bytes);
    const now = Date.now();
    const insert = (key: string, lockedUntil: number) =>
      env.DB.prepare(
        "INSERT INTO idempotency_keys (company_id, key, fingerprint, api_key_id, status, created_at, locked_until, expires_at) VALUES (?, ?, ?, 'key_seed_test', 'running', ?, ?, ?)",
      )
        .bind(ACME.id, key, fingerprint, now - 1000, lockedUntil, now + 86_400_000)
        .run();
    await insert("busy", now + 60_000);
    const before = await count("conversations");
    const busy = await create("busy");
    expect(busy.status).toBe(409);
    expect(busy.headers.get("Retry-After")).toBe("1");
    expect(await count("conversations")).toBe(before);

    await insert("stale", now - 1);
    const taken = await create("stale");
    expect(taken.status).toBe(201);
    expect(await row(ACME.id, "stale")).toMatchObject({ status: "done", response_status: 201 });
    // a stale claim of another request is not taken over
    await insert("stale-other", now - 1);
    expect((await create("stale-other", { ...validConversation, subject: "x" })).status).toBe(422);
  });

  it("racing retries of one request create one conversation", async () => {
    const before = await count("conversations");
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        SELF.fetch(`${API}/conversations`, {
          method: "POST",
          headers: {
            Authorization: "Bearer sk_live_testtesttesttesttesttesttesttesttestte1234",
            "Content-Type": "application/json",
            "Idempotency-Key": "race",
          },
          body: JSON.stringify(validConversation),
        }),
      ),
    );
    const statuses = answers.map((r) => `${r.status}${r.headers.get("Idempotent-Replayed") ? " replayed" : ""}`);
    expect(statuses.filter((s) => s === "201")).toHaveLength(1);
    for (const s of statuses) expect(["201", "201 replayed", "409"]).toContain(s);
    expect(await count("conversations")).toBe(before + 1);
  });

  it("a key without the route's scope gets a 403, not another key's kept answer", async () => {
    const body = { url: "https://receiver.invalid/scoped", events: ["conversation.created"] };
    expect((await api("/webhooks", keyed("scoped", { method: "POST", body }))).status).toBe(201);
    const reader = await newKey(ACME.id, ["webhooks:read"]);
    const res = await api("/webhooks", keyed("scoped", { method: "POST", body, key: reader.secret }));
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain("whsec_");
  });

  it("keys belong to a company: Globex's identical key is its own", async () => {
    const globex = await newKey(GLOBEX.id);
    expect((await create("shared")).status).toBe(201);
    const theirs = await create("shared", validConversation, globex.secret);
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get("Idempotent-Replayed")).toBeNull();
    expect(await count("conversations", "company_id = ?", GLOBEX.id)).toBe(1);
  });

  it("a kept answer is sealed at rest: a new endpoint's signing secret is replayed but never stored in the clear", async () => {
    const body = { url: "https://receiver.invalid/hook", events: ["conversation.created"] };
    const first = await api("/webhooks", keyed("hook-1", { method: "POST", body }));
    expect(first.status).toBe(201);
    const { secret } = (await first.json()) as { secret: string };
    expect(secret).toMatch(/^whsec_/);
    const stored = await row(ACME.id, "hook-1");
    expect(stored?.response_enc).toMatch(/^v1\./);
    expect(stored?.response_enc).not.toContain(secret);
    expect(stored?.response_enc).not.toContain(secret.slice("whsec_".length));
    const again = await api("/webhooks", keyed("hook-1", { method: "POST", body }));
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    const replayed = (await again.json()) as { secret: string };
    expect(replayed.secret).toBe(secret);
    // the replayed secret is the endpoint's: it verifies a signature made with it
    const wh = new Webhook(replayed.secret);
    const payload = '{"x":1}';
    const msgId = "msg_1";
    const ts = new Date();
    const sig = wh.sign(msgId, ts, payload);
    expect(() =>
      wh.verify(payload, { "webhook-id": msgId, "webhook-timestamp": String(Math.floor(ts.getTime() / 1000)), "webhook-signature": sig }),
    ).not.toThrow();
    expect(await count("webhook_endpoints", "company_id = ? AND url = ?", ACME.id, body.url)).toBe(1);
  });

  it("a malformed key is a 400 naming the header, and nothing runs; GET and DELETE ignore the header", async () => {
    const before = await count("conversations");
    for (const bad of ["", "x".repeat(256), "tab\there", "a\u007fb", '"'])
      expect((await create(bad)).status, JSON.stringify(bad)).toBe(400);
    expect(await count("conversations")).toBe(before);
    // a keyed body is held to the same cap and type as any other, and a refusal keeps nothing
    const big = await api("/conversations", keyed("too-big", { method: "POST", raw: JSON.stringify({ x: "y".repeat(70 * 1024) }) }));
    expect(big.status).toBe(413);
    const text = await api("/conversations", keyed("as-text", { method: "POST", raw: "{}", headers: { "Content-Type": "text/plain" } }));
    expect(text.status).toBe(415);
    expect(await count("idempotency_keys", "key IN ('too-big', 'as-text')")).toBe(0);
    const list = await api("/conversations", keyed("ignored"));
    expect(list.status).toBe(200);
    expect(await row(ACME.id, "ignored")).toBeNull();
  });

  it("after 24 hours a key is free again, and the cron purges expired keys in bounded batches", async () => {
    expect((await create("old")).status).toBe(201);
    await env.DB.prepare("UPDATE idempotency_keys SET expires_at = ? WHERE key = 'old'")
      .bind(Date.now() - 1)
      .run();
    const again = await create("old");
    expect(again.status).toBe(201);
    expect(again.headers.get("Idempotent-Replayed")).toBeNull();

    const now = Date.now();
    for (let i = 0; i < 5; i++)
      await env.DB.prepare(
        "INSERT INTO idempotency_keys (company_id, key, fingerprint, api_key_id, status, created_at, locked_until, expires_at) VALUES (?, ?, 'f', 'k', 'done', ?, ?, ?)",
      )
        .bind(ACME.id, `exp-${i}`, now - 2 * 86_400_000, now - 2 * 86_400_000, now - 86_400_000 + i)
        .run();
    const db = createDb(env.DB);
    expect(await purgeExpiredIdempotencyKeys({ db, now: new Date(now), batchSize: 2, maxBatches: 1 })).toBe(2);
    // oldest first
    const left = (await env.DB.prepare("SELECT key FROM idempotency_keys WHERE key LIKE 'exp-%' ORDER BY key").all<{ key: string }>())
      .results;
    expect(left.map((r) => r.key)).toEqual(["exp-2", "exp-3", "exp-4"]);
    const ctx = createExecutionContext();
    await runScheduled(createScheduledController({ scheduledTime: new Date(now), cron: "* * * * *" }), env as unknown as Env, ctx).catch(
      () => {},
    );
    await waitOnExecutionContext(ctx);
    expect(await count("idempotency_keys", "key LIKE 'exp-%'")).toBe(0);
    // the young key stays
    expect(await row(ACME.id, "old")).toMatchObject({ status: "done" });
  });
});

describe("settleIdempotencyKey", () => {
  it("sends the route's answer whole even when keeping it fails, and logs no key or body", async () => {
    const failing = { run: async () => Promise.reject(new Error("D1_ERROR: secret-body-text")) } as unknown as Db;
    const errors: unknown[][] = [];
    const original = console.error;
    console.error = (...a: unknown[]) => void errors.push(a);
    try {
      const ring = await keyringFromEnv(env);
      const sent = await settleIdempotencyKey({
        db: failing,
        ring,
        companyId: ACME.id,
        key: "k-secret",
        fingerprint: "f",
        response: new Response('{"id":"cnv_1","body":"secret-body-text"}', {
          status: 201,
          headers: { Location: "/v1/conversations/cnv_1" },
        }),
      });
      expect(sent.status).toBe(201);
      expect(sent.headers.get("Location")).toBe("/v1/conversations/cnv_1");
      expect(await sent.text()).toBe('{"id":"cnv_1","body":"secret-body-text"}');
      const failed = await settleIdempotencyKey({
        db: failing,
        ring,
        companyId: ACME.id,
        key: "k-secret",
        fingerprint: "f",
        response: new Response("{}", { status: 400 }),
      });
      expect(failed.status).toBe(400);
    } finally {
      console.error = original;
    }
    expect(errors).toHaveLength(2);
    expect(JSON.stringify(errors)).not.toMatch(/k-secret|secret-body-text/);
  });
});

describe("parseIdempotencyKey", () => {
  it("takes a bare or quoted value of visible ASCII, 1–255 characters", () => {
    expect(parseIdempotencyKey("8e03978e-40d5-43e8-bc93-6894a57f9324")).toEqual({ ok: true, key: "8e03978e-40d5-43e8-bc93-6894a57f9324" });
    expect(parseIdempotencyKey('"abc"')).toEqual({ ok: true, key: "abc" });
    expect(parseIdempotencyKey(" order 42 ")).toEqual({ ok: true, key: "order 42" });
    expect(parseIdempotencyKey("x".repeat(255)).ok).toBe(true);
    for (const bad of ["", '""', "x".repeat(256), "a\u0000b", "ключ", 'a"b', "a\\b"]) expect(parseIdempotencyKey(bad).ok, bad).toBe(false);
  });
});
