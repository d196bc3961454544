import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { handleApiRequest } from "~/lib/api/handler.server";
import { authenticateApiKey } from "~/lib/api-keys/authenticate.server";
import { regenerateApiKey, revokeApiKey } from "~/lib/api-keys/keys.server";
import { createDb } from "~/lib/db/client";
import type { Env } from "~/lib/env";
import { ACME } from "../helpers/seed";
import { API, api, count, newKey } from "./api-client";

const system = { type: "system" as const, id: null, label: "test" };

async function expectProblem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get("Content-Type")).toBe("application/problem+json");
  const body = (await res.json()) as { status: number; title: string; type: string };
  expect(body.status).toBe(status);
  expect(body.title).toBeTruthy();
  expect(body.type).toBe("about:blank");
  return body;
}

describe("API authentication", () => {
  it("a request without a key is a 401 problem with a Bearer challenge", async () => {
    const res = await api("/me", { key: null });
    await expectProblem(res, 401);
    expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
  });

  it("an unknown key, a malformed key and a non-Bearer scheme are 401", async () => {
    await expectProblem(await api("/me", { key: `sk_live_${"x".repeat(43)}` }), 401);
    await expectProblem(await api("/me", { key: "not-a-key" }), 401);
    const basic = await api("/me", { key: null, headers: { Authorization: "Basic Zm9vOmJhcg==" } });
    await expectProblem(basic, 401);
  });

  it("a revoked key is a 401 that says so", async () => {
    const key = await newKey(ACME.id);
    expect((await api("/me", { key: key.secret })).status).toBe(200);
    expect(await revokeApiKey({ db: createDb(env.DB), companyId: ACME.id, actor: system, now: new Date(), keyId: key.id })).toBe(true);
    const body = await expectProblem(await api("/me", { key: key.secret }), 401);
    expect(JSON.stringify(body)).toContain("revoked");
  });

  it("an expired key is a 401 that says so", async () => {
    const key = await newKey(ACME.id);
    await env.DB.prepare("UPDATE api_keys SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1000, key.id)
      .run();
    const body = await expectProblem(await api("/me", { key: key.secret }), 401);
    expect(JSON.stringify(body)).toContain("expired");
  });

  it("GET /v1/me describes the key's company and the key, never the secret", async () => {
    const key = await newKey(ACME.id, ["conversations:read"], "Zapier test");
    const res = await api("/me", { key: key.secret });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(key.secret);
    const body = JSON.parse(text);
    expect(body.company).toEqual({ id: "co_acme", name: "Acme Corporation", slug: "acme" });
    expect(body.api_key).toMatchObject({
      id: key.id,
      name: "Zapier test",
      scopes: ["conversations:read"],
      last4: key.secret.slice(-4),
      expires_at: null,
    });
  });

  it("a key without the needed scope is a 403 and nothing is written", async () => {
    const readOnly = await newKey(ACME.id, ["conversations:read"]);
    const before = await count("conversations");
    const res = await api("/conversations", {
      method: "POST",
      key: readOnly.secret,
      body: { contact: { email: "a@b.co" }, message: { body: "hi" } },
    });
    const body = await expectProblem(res, 403);
    expect(JSON.stringify(body)).toContain("conversations:write");
    expect(await count("conversations")).toBe(before);
    const writeOnly = await newKey(ACME.id, ["conversations:write"]);
    await expectProblem(await api("/conversations", { key: writeOnly.secret }), 403);
    await expectProblem(await api("/events", { key: writeOnly.secret }), 403);
  });

  it("last_used_at is recorded after a successful call", async () => {
    const key = await newKey(ACME.id);
    const ctx = createExecutionContext();
    const res = await handleApiRequest(new Request(`${API}/me`, { headers: { Authorization: `Bearer ${key.secret}` } }), env as Env, ctx);
    expect(res.status).toBe(200);
    await waitOnExecutionContext(ctx);
    const row = await env.DB.prepare("SELECT last_used_at FROM api_keys WHERE id = ?").bind(key.id).first<{ last_used_at: number }>();
    expect(row!.last_used_at).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe("regenerating a key", () => {
  it("with a 24 h overlap the old key works until then and fails after; the new key works at once", async () => {
    const db = createDb(env.DB);
    const old = await newKey(ACME.id);
    const t0 = new Date();
    const fresh = await regenerateApiKey({ db, companyId: ACME.id, actor: system, now: t0, keyId: old.id, overlap: "24h" });
    expect(fresh).not.toBeNull();
    const at = (ms: number) => new Date(t0.getTime() + ms);
    expect((await authenticateApiKey({ db, token: old.secret, now: at(23 * 3600_000) })).ok).toBe(true);
    expect(await authenticateApiKey({ db, token: old.secret, now: at(24 * 3600_000 + 1) })).toEqual({ ok: false, reason: "expired" });
    expect((await authenticateApiKey({ db, token: fresh!.secret, now: at(24 * 3600_000 + 1) })).ok).toBe(true);
    // the same through the router with the clock injected
    const call = (token: string, now: Date) =>
      handleApiRequest(
        new Request(`${API}/me`, { headers: { Authorization: `Bearer ${token}` } }),
        env as Env,
        createExecutionContext(),
        undefined,
        now,
      );
    expect((await call(old.secret, at(3600_000))).status).toBe(200);
    expect((await call(old.secret, at(25 * 3600_000))).status).toBe(401);
    const row = await env.DB.prepare("SELECT replaced_by, expires_at FROM api_keys WHERE id = ?")
      .bind(old.id)
      .first<{ replaced_by: string; expires_at: number }>();
    expect(row).toEqual({ replaced_by: fresh!.id, expires_at: t0.getTime() + 24 * 3600_000 });
  });

  it("with no overlap the old key stops at once", async () => {
    const db = createDb(env.DB);
    const old = await newKey(ACME.id);
    const fresh = await regenerateApiKey({ db, companyId: ACME.id, actor: system, now: new Date(), keyId: old.id, overlap: "now" });
    expect((await api("/me", { key: old.secret })).status).toBe(401);
    expect((await api("/me", { key: fresh!.secret })).status).toBe(200);
  });

  it("no full key ever reaches D1 or the audit log", async () => {
    const db = createDb(env.DB);
    const old = await newKey(ACME.id);
    const fresh = await regenerateApiKey({ db, companyId: ACME.id, actor: system, now: new Date(), keyId: old.id, overlap: "1h" });
    await revokeApiKey({ db, companyId: ACME.id, actor: system, now: new Date(), keyId: fresh!.id });
    const dump = JSON.stringify([
      (await env.DB.prepare("SELECT * FROM api_keys").all()).results,
      (await env.DB.prepare("SELECT * FROM audit_log").all()).results,
    ]);
    for (const secret of [old.secret, fresh!.secret]) {
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(secret.slice(8, 30));
    }
    const actions = (
      await env.DB.prepare("SELECT action FROM audit_log WHERE target IN (?, ?)").bind(old.id, fresh!.id).all<{ action: string }>()
    ).results.map((r) => r.action);
    expect(actions.sort()).toEqual(["api_key.created", "api_key.regenerated", "api_key.revoked"]);
  });
});

describe("API protocol", () => {
  it("an unknown path is a 404 problem and a wrong method on a known path is a 405 with Allow", async () => {
    await expectProblem(await api("/nope"), 404);
    const res = await api("/me", { method: "DELETE" });
    await expectProblem(res, 405);
    expect(res.headers.get("Allow")).toBe("GET");
  });

  it("no response carries a permissive CORS header, not even a preflight", async () => {
    const pre = await api("/conversations", {
      method: "OPTIONS",
      key: null,
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" },
    });
    expect(pre.headers.get("Access-Control-Allow-Origin")).toBeNull();
    const ok = await api("/me", { headers: { Origin: "https://evil.example" } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  it("every authenticated response carries the RateLimit headers", async () => {
    const res = await api("/me");
    expect(Number(res.headers.get("RateLimit-Limit"))).toBe(600);
    expect(Number(res.headers.get("RateLimit-Remaining"))).toBeLessThan(600);
    expect(Number(res.headers.get("RateLimit-Reset"))).toBeGreaterThan(0);
  });

  it("over the per-key limit the API answers 429 with Retry-After and RateLimit headers, other keys unaffected", async () => {
    const tiny = { ...(env as Env), API_RATE_LIMIT_PER_MINUTE: "3" } as Env;
    const key = await newKey(ACME.id);
    const other = await newKey(ACME.id);
    const call = (secret: string) =>
      handleApiRequest(new Request(`${API}/me`, { headers: { Authorization: `Bearer ${secret}` } }), tiny, createExecutionContext());
    const statuses = [];
    const remaining = [];
    for (let i = 0; i < 3; i++) {
      const r = await call(key.secret);
      statuses.push(r.status);
      remaining.push(r.headers.get("RateLimit-Remaining"));
    }
    expect(statuses).toEqual([200, 200, 200]);
    expect(remaining).toEqual(["2", "1", "0"]);
    const limited = await call(key.secret);
    await expectProblem(limited, 429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    // the 60 s window plus at most one of its 1 s buckets (ADR 0170)
    expect(Number(limited.headers.get("Retry-After"))).toBeLessThanOrEqual(61);
    expect(limited.headers.get("RateLimit-Limit")).toBe("3");
    expect(limited.headers.get("RateLimit-Remaining")).toBe("0");
    expect((await call(other.secret)).status).toBe(200);
  });

  it("concurrent requests are counted exactly", async () => {
    const tiny = { ...(env as Env), API_RATE_LIMIT_PER_MINUTE: "5" } as Env;
    const key = await newKey(ACME.id);
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        handleApiRequest(new Request(`${API}/me`, { headers: { Authorization: `Bearer ${key.secret}` } }), tiny, createExecutionContext()),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429)).toHaveLength(7);
  });

  it("the OpenAPI document is public JSON", async () => {
    const res = await api("/openapi.json", { key: null });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toContain("/v1/conversations/{id}");
    expect((doc as unknown as { servers: { url: string }[] }).servers[0]!.url).toBe("http://localhost");
  });
});
