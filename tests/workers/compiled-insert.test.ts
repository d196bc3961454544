import { env } from "cloudflare:test";
import { eq, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { batchStatements, createDb } from "~/lib/db/client";
import { compiledInsert } from "~/lib/db/compiled";
import { conversations, events, messages } from "~/lib/db/schema";
import { newId } from "~/lib/ids";
import { ACME } from "../helpers/seed";
import { countingD1 } from "./d1-counter";

// ADR 0171: an INSERT built once per isolate stores exactly what drizzle's insert().values() stores.
const insertConversation = compiledInsert(conversations);
const insertMessage = compiledInsert(messages);
const insertEvent = compiledInsert(events);

type ConversationInsert = typeof conversations.$inferInsert;
type Batch = [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]];
/** The column's $defaultFn, to spy on (drizzle's public type does not list it). */
const updatedAtColumn = conversations.updatedAt as unknown as { defaultFn: () => Date };

/** The stored row as D1 has it (driver values: JSON text, epoch ms, 0/1), without its id. */
async function storedConversation(id: string) {
  const row = await env.DB.prepare("select * from conversations where id = ?").bind(id).first<Record<string, unknown>>();
  if (!row) throw new Error(`no row ${id}`);
  const { id: _id, ...rest } = row;
  return rest;
}

const text = fc.string({ maxLength: 40 });
const when = fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms));
const conversationRow = fc.record(
  {
    channel: fc.constantFrom("api", "email", "whatsapp", "widget", "slack"),
    status: fc.constantFrom("open", "closed", "escalated"),
    contactEmail: fc.emailAddress(),
    contactPhone: fc.option(fc.constantFrom("+14155550100", "+442071838750"), { nil: null }),
    contactName: fc.option(text, { nil: null }),
    contactMarketingConsent: fc.boolean(),
    subject: fc.option(fc.oneof(text, fc.string({ unit: "binary", maxLength: 20 })), { nil: null }),
    createdAt: when,
    updatedAt: when,
    closedAt: fc.option(when, { nil: null }),
    escalatedAt: fc.option(when, { nil: null }),
    metadata: fc.dictionary(fc.stringMatching(/^[a-z_]{1,12}$/), text, { maxKeys: 4, noNullPrototype: true }),
  },
  // any subset of the columns that have a default may be left out
  { requiredKeys: ["channel", "contactEmail", "createdAt"] },
);

describe("compiledInsert", () => {
  afterEach(() => vi.restoreAllMocks());

  it("stores exactly what drizzle's insert stores, whatever the row (property)", async () => {
    const db = createDb(env.DB);
    await fc.assert(
      fc.asyncProperty(conversationRow, async (row) => {
        const now = new Date();
        // a row that leaves updatedAt out gets its $defaultFn's value: the same instant for both inserts
        vi.spyOn(updatedAtColumn, "defaultFn").mockImplementation(() => now);
        const viaDrizzle = { ...row, id: newId("conv", now), companyId: ACME.id } as ConversationInsert;
        const viaCompiled = { ...row, id: newId("conv", now), companyId: ACME.id } as ConversationInsert;
        await db.batch([db.insert(conversations).values(viaDrizzle), insertConversation(db, viaCompiled)]);
        expect(await storedConversation(viaCompiled.id)).toEqual(await storedConversation(viaDrizzle.id));
        await db.delete(conversations).where(inArray(conversations.id, [viaDrizzle.id, viaCompiled.id]));
      }),
      { numRuns: 60 },
    );
  });

  it("fills what the row leaves out as drizzle does: static defaults in the SQL, a $defaultFn on every call", async () => {
    const db = createDb(env.DB);
    const stamps = [new Date("2026-01-01T00:00:00Z"), new Date("2026-02-01T00:00:00Z")];
    let i = 0;
    vi.spyOn(updatedAtColumn, "defaultFn").mockImplementation(() => stamps[i++ % 2]!);
    const ids = [newId("conv", new Date()), newId("conv", new Date(Date.now() + 1))];
    await db.batch(
      ids.map((id) =>
        insertConversation(db, { id, companyId: ACME.id, channel: "api", contactEmail: "a@b.test", createdAt: new Date() }),
      ) as unknown as Batch,
    );
    const rows = await db.select().from(conversations).where(inArray(conversations.id, ids)).orderBy(conversations.id);
    // one value per row, each from its own call (a value taken once, when the SQL was built, would be on both)
    expect(new Set(rows.map((r) => r.updatedAt.getTime()))).toEqual(new Set(stamps.map((d) => d.getTime())));
    expect(rows.map((r) => [r.status, r.metadata, r.contactMarketingConsent, r.closedAt])).toEqual([
      ["open", {}, false, null],
      ["open", {}, false, null],
    ]);
  });

  it("an SQL default (the events' commit order) is part of the statement: each insert takes the next seq", async () => {
    const db = createDb(env.DB);
    const now = new Date();
    const ids = [0, 1, 2].map((n) => newId("evt", new Date(now.getTime() + n)));
    await db.batch(
      ids.map((id) =>
        insertEvent(db, {
          id,
          companyId: ACME.id,
          type: "conversation.created",
          payload: { n: id },
          performedBy: { kind: "api_key", id: "key_x", name: "x" } as never,
          createdAt: now,
        }),
      ) as unknown as Batch,
    );
    const rows = await db.select({ id: events.id, seq: events.seq, payload: events.payload }).from(events).where(inArray(events.id, ids));
    const seqs = ids.map((id) => rows.find((r) => r.id === id)!.seq!);
    expect(seqs[1]).toBe(seqs[0]! + 1);
    expect(seqs[2]).toBe(seqs[1]! + 1);
    expect(rows.find((r) => r.id === ids[0])!.payload).toEqual({ n: ids[0] });
  });

  it("builds the SQL once per set of columns, however many rows are written", async () => {
    const db = createDb(env.DB);
    const build = vi.spyOn(SQLiteAsyncDialect.prototype, "buildInsertQuery");
    const row = (n: number) => ({
      id: newId("msg", new Date(Date.now() + n)),
      companyId: ACME.id,
      conversationId: "conv_none",
      direction: "inbound" as const,
      authorKind: "contact" as const,
      body: `hello ${n}`,
      source: "api",
      externalId: `compiled-insert-${n}-${Math.random()}`,
      createdAt: new Date(),
    });
    await db.batch([insertMessage(db, row(0))]);
    const first = build.mock.calls.length;
    for (let n = 1; n <= 5; n++) await db.batch([insertMessage(db, row(n)), insertMessage(db, row(n + 100))]);
    expect(build.mock.calls.length).toBe(first);
    // another set of columns is another statement, compiled once too
    await db.batch([insertMessage(db, { ...row(7), authorName: "Ann" })]);
    await db.batch([insertMessage(db, { ...row(8), authorName: "Bob" })]);
    expect(build.mock.calls.length).toBeLessThanOrEqual(first + 1);
    const stored = await db
      .select({ body: messages.body, authorName: messages.authorName })
      .from(messages)
      .where(eq(messages.conversationId, "conv_none"));
    expect(stored.length).toBe(13);
    expect(
      stored
        .filter((m) => m.authorName)
        .map((m) => m.authorName)
        .sort(),
    ).toEqual(["Ann", "Bob"]);
  });

  it("rides in one round trip beside drizzle queries, in db.batch and in batchStatements, on the request's own binding", async () => {
    const a = countingD1(env.DB);
    const b = countingD1(env.DB);
    const db = createDb(a.db);
    const id = newId("conv", new Date());
    await db.batch([
      insertConversation(db, { id, companyId: ACME.id, channel: "api", contactEmail: "one@b.test", createdAt: new Date() }),
      db.update(conversations).set({ subject: "set in the same batch" }).where(eq(conversations.id, id)),
    ]);
    const id2 = newId("conv", new Date(Date.now() + 1));
    await batchStatements(db, [
      insertConversation(db, { id: id2, companyId: ACME.id, channel: "api", contactEmail: "two@b.test", createdAt: new Date() }),
      sql`update conversations set subject = 'raw' where id = ${id2}`,
    ]);
    expect([a.calls(), b.calls()]).toEqual([2, 0]);
    const rows = await createDb(env.DB)
      .select({ subject: conversations.subject })
      .from(conversations)
      .where(inArray(conversations.id, [id, id2]))
      .orderBy(conversations.id);
    expect(rows.map((r) => r.subject)).toEqual(["set in the same batch", "raw"]);
  });

  it("a failing statement rolls the whole batch back", async () => {
    const db = createDb(env.DB);
    const id = newId("conv", new Date());
    await expect(
      db.batch([
        insertConversation(db, { id, companyId: ACME.id, channel: "api", contactEmail: "x@b.test", createdAt: new Date() }),
        // the CHECK: a contact needs an email or a phone
        insertConversation(db, { id: `${id}b`, companyId: ACME.id, channel: "api", contactEmail: null, createdAt: new Date() }),
      ]),
    ).rejects.toThrow();
    expect(await env.DB.prepare("select count(*) as n from conversations where id = ?").bind(id).first("n")).toBe(0);
  });

  it("awaited on its own, it runs as a batch of one", async () => {
    const db = createDb(env.DB);
    const id = newId("conv", new Date());
    await insertConversation(db, { id, companyId: ACME.id, channel: "email", contactEmail: "alone@b.test", createdAt: new Date() });
    expect((await storedConversation(id)).contact_email).toBe("alone@b.test");
  });

  it("a key that is no column is an error, before anything runs", () => {
    const db = createDb(env.DB);
    expect(() => insertConversation(db, { id: "conv_x", nope: 1 } as unknown as ConversationInsert)).toThrow(/no column nope/);
  });
});
