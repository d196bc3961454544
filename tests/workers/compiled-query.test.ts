import { env } from "cloudflare:test";
import { and, asc, eq, lt, sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { batchingD1 } from "~/lib/db/batcher";
import { createDb } from "~/lib/db/client";
import { compiledQuery } from "~/lib/db/compiled";
import { apiKeys, webhookEndpoints } from "~/lib/db/schema";
import { ACME, GLOBEX } from "../helpers/seed";
import { countingD1 } from "./d1-counter";

// ADR 0163: a read's SQL built once per isolate, run with each request's values on that request's binding.
describe("compiledQuery", () => {
  const build = vi.fn((db: ReturnType<typeof createDb>) =>
    db
      .select({ id: apiKeys.id, name: apiKeys.name, scopes: apiKeys.scopes, createdAt: apiKeys.createdAt, companyId: apiKeys.companyId })
      .from(apiKeys)
      .where(and(eq(apiKeys.companyId, sql.placeholder("companyId")), lt(apiKeys.createdAt, sql.placeholder("before"))))
      .orderBy(asc(apiKeys.name), asc(apiKeys.id)),
  );
  const keysBefore = compiledQuery<{ companyId: string; before: number }>()(build);

  it("answers what the same drizzle query built per call answers, rows mapped alike (Dates, JSON columns)", async () => {
    const db = createDb(env.DB);
    const before = new Date(Date.now() + 60_000);
    const expected = await db
      .select({ id: apiKeys.id, name: apiKeys.name, scopes: apiKeys.scopes, createdAt: apiKeys.createdAt, companyId: apiKeys.companyId })
      .from(apiKeys)
      .where(and(eq(apiKeys.companyId, ACME.id), lt(apiKeys.createdAt, before)))
      .orderBy(asc(apiKeys.name), asc(apiKeys.id));
    const rows = await keysBefore(db, { companyId: ACME.id, before: before.getTime() });
    expect(expected.length).toBeGreaterThan(0);
    expect(rows).toEqual(expected);
    expect(rows[0]!.createdAt).toBeInstanceOf(Date);
    expect(Array.isArray(rows[0]!.scopes)).toBe(true);
    // another company's values: its own rows, none of Acme's
    const globex = await keysBefore(db, { companyId: GLOBEX.id, before: before.getTime() });
    expect(globex.every((k) => k.companyId === GLOBEX.id)).toBe(true);
  });

  it("builds the SQL once, however many requests run it", async () => {
    const calls = build.mock.calls.length;
    for (let i = 0; i < 5; i++) await keysBefore(createDb(env.DB), { companyId: ACME.id, before: Date.now() + 60_000 });
    expect(build.mock.calls.length).toBe(calls);
    expect(calls).toBe(1);
  });

  it("runs on the binding of the request that calls it, never on another request's", async () => {
    const a = countingD1(env.DB);
    const b = countingD1(env.DB);
    await keysBefore(createDb(a.db), { companyId: ACME.id, before: Date.now() + 60_000 });
    expect([a.calls(), b.calls()]).toEqual([1, 0]);
    await keysBefore(createDb(b.db), { companyId: ACME.id, before: Date.now() + 60_000 });
    await keysBefore(createDb(b.db), { companyId: GLOBEX.id, before: Date.now() + 60_000 });
    expect([a.calls(), b.calls()]).toEqual([1, 2]);
  });

  it("joins the request's coalescing batch: two compiled reads and a drizzle read are one round trip", async () => {
    const endpoints = compiledQuery<{ companyId: string }>()((db) =>
      db
        .select({ id: webhookEndpoints.id })
        .from(webhookEndpoints)
        .where(eq(webhookEndpoints.companyId, sql.placeholder("companyId"))),
    );
    const counter = countingD1(env.DB);
    const db = createDb(batchingD1(counter.db));
    const [keys, eps, more] = await Promise.all([
      keysBefore(db, { companyId: ACME.id, before: Date.now() + 60_000 }),
      endpoints(db, { companyId: ACME.id }),
      db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.companyId, ACME.id)),
    ]);
    expect(counter.calls()).toBe(1);
    expect(keys.length).toBe(more.length);
    expect(Array.isArray(eps)).toBe(true);
  });

  it("a missing value is an error, and nothing runs on the binding it was compiled on", async () => {
    const counter = countingD1(env.DB);
    await expect(
      keysBefore(createDb(counter.db), { companyId: ACME.id } as unknown as { companyId: string; before: number }),
    ).rejects.toThrow(/No value for placeholder "before"/);
  });
});
