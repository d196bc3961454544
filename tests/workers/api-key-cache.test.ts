import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { keyStillValidGuard } from "~/lib/api-keys/key-cache.server";
import { GuardFailedError, guardedD1 } from "~/lib/db/guarded-d1";
import { sha256Hex } from "~/lib/security/crypto";
import { apiScopes } from "~/lib/vocabulary";
import { ACME } from "../helpers/seed";
import { api, count, newKey, validConversation } from "./api-client";

// ADR 0045: a key this isolate has seen is checked inside the route's first D1 batch, so the
// check costs no round trip of its own, and a revocation still takes effect on the next request.
async function revoke(id: string, at = Date.now()) {
  await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?").bind(at, id).run();
}

describe("API keys known to the isolate", () => {
  it("a revoked key is refused on its very next read, though this isolate had it cached", async () => {
    const key = await newKey(ACME.id);
    expect((await api("/me", { key: key.secret })).status).toBe(200);
    expect((await api("/conversations", { key: key.secret })).status).toBe(200);
    await revoke(key.id);
    const logged = vi.spyOn(console, "error");
    try {
      const res = await api("/conversations", { key: key.secret });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { detail: string }).detail).toBe("The API key has been revoked.");
      // A revocation found mid-request is an answer, not a failure: nothing is logged as an error.
      expect(logged.mock.calls.flat().join(" ")).not.toContain("failed");
    } finally {
      logged.mockRestore();
    }
  });

  it("a revoked key's write is refused and nothing of it is saved", async () => {
    const key = await newKey(ACME.id);
    expect((await api("/me", { key: key.secret })).status).toBe(200);
    await revoke(key.id);
    const before = await count("conversations");
    const res = await api("/conversations", { method: "POST", body: validConversation, key: key.secret });
    expect(res.status).toBe(401);
    expect(await count("conversations")).toBe(before);
  });

  it("a route that reads nothing from D1 still checks a cached key", async () => {
    const key = await newKey(ACME.id);
    expect((await api("/me", { key: key.secret })).status).toBe(200);
    await revoke(key.id);
    expect((await api("/me", { key: key.secret })).status).toBe(401);
  });

  it("a key given other scopes while cached is judged by the scopes it has now, on reads and writes", async () => {
    const key = await newKey(ACME.id);
    expect((await api("/conversations", { key: key.secret })).status).toBe(200);
    await env.DB.prepare("UPDATE api_keys SET scopes = ? WHERE id = ?").bind('["conversations:write"]', key.id).run();
    expect((await api("/conversations", { key: key.secret })).status).toBe(403);
    expect((await api("/conversations", { method: "POST", body: validConversation, key: key.secret })).status).toBe(201);
    await env.DB.prepare("UPDATE api_keys SET scopes = ? WHERE id = ?").bind('["conversations:read"]', key.id).run();
    const before = await count("conversations");
    expect((await api("/conversations", { method: "POST", body: validConversation, key: key.secret })).status).toBe(403);
    expect(await count("conversations")).toBe(before);
  });

  it("an expired key is refused though cached", async () => {
    const key = await newKey(ACME.id);
    expect((await api("/me", { key: key.secret })).status).toBe(200);
    await env.DB.prepare("UPDATE api_keys SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1000, key.id)
      .run();
    const res = await api("/conversations", { key: key.secret });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toBe("The API key has expired.");
  });
});

describe("guardedD1", () => {
  async function guardFor(revokedAt: number | null) {
    const key = await newKey(ACME.id);
    if (revokedAt !== null) await revoke(key.id, revokedAt);
    return guardedD1(
      env.DB,
      keyStillValidGuard(env.DB, { id: key.id, hash: await sha256Hex(key.secret), scopes: [...apiScopes], kind: "custom" }, new Date()),
    );
  }

  it("answers first/all/raw from the guarded batch exactly as D1 answers them directly", async () => {
    const sql = "SELECT id, name, slug FROM companies WHERE id = ?";
    const calls = {
      first: (d: D1Database) => d.prepare(sql).bind(ACME.id).first(),
      firstColumn: (d: D1Database) => d.prepare(sql).bind(ACME.id).first("slug"),
      all: async (d: D1Database) => (await d.prepare(sql).bind(ACME.id).all()).results,
      raw: (d: D1Database) => d.prepare(sql).bind(ACME.id).raw(),
    };
    for (const call of Object.values(calls)) {
      const g = await guardFor(null);
      expect(await call(g.db)).toEqual(await call(env.DB));
      expect(await g.settle()).toBe(true);
    }
  });

  it("a failing guard makes a read throw and a write batch roll back", async () => {
    const read = await guardFor(Date.now() - 1);
    await expect(read.db.prepare("SELECT 1").all()).rejects.toBeInstanceOf(GuardFailedError);
    expect(await read.settle()).toBe(false);

    const write = await guardFor(Date.now() - 1);
    const before = await count("audit_log");
    const insert = write.db
      .prepare("INSERT INTO audit_log (id, company_id, actor, action, target, at) VALUES ('aud_guard', ?, '{}', 'x', 'y', 0)")
      .bind(ACME.id);
    await expect(write.db.batch([insert])).rejects.toBeInstanceOf(GuardFailedError);
    expect(await count("audit_log")).toBe(before);
    expect(await write.settle()).toBe(false);
  });

  it("with no database call the guard runs on its own at settle()", async () => {
    expect(await (await guardFor(null)).settle()).toBe(true);
    expect(await (await guardFor(Date.now() - 1)).settle()).toBe(false);
  });
});
