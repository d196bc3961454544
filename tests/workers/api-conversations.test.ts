import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addMessage, createConversation } from "~/lib/conversations/conversations.server";
import { createDb } from "~/lib/db/client";
import { performedBy } from "~/lib/events/performed-by";
import { ACME, GLOBEX } from "../helpers/seed";
import { api, count, createConversationViaApi, newKey, validConversation } from "./api-client";

type Ev = { type: string; payload: string; performed_by: string; company_id: string };

/** Events written after the marker (rowid order is insertion order). */
async function eventsSince(marker: number): Promise<Ev[]> {
  return (
    await env.DB.prepare("SELECT type, payload, performed_by, company_id FROM events WHERE rowid > ? ORDER BY rowid").bind(marker).all<Ev>()
  ).results;
}
async function lastEventId() {
  const row = await env.DB.prepare("SELECT COALESCE(MAX(rowid), 0) AS n FROM events").first<{ n: number }>();
  return row!.n;
}

const seedKey = { type: "api_key", id: "key_seed_test", name: "Default key" };

describe("POST /v1/conversations", () => {
  it("creates the conversation and its first message, 201 with Location, and emits created + received by the key", async () => {
    const before = await lastEventId();
    const res = await api("/conversations", { method: "POST", body: validConversation });
    expect(res.status).toBe(201);
    const body = (await res.json()) as any;
    expect(res.headers.get("Location")).toBe(`/v1/conversations/${body.id}`);
    expect(body).toMatchObject({
      channel: "api",
      status: "open",
      contact: { email: "pat@example.com", phone: null, name: "Pat" },
      subject: "Order #42",
    });
    expect(body.messages).toHaveLength(1);
    expect(body.messages[0]).toMatchObject({ author: "contact", direction: "inbound", body: "Where is my order?" });
    const evs = await eventsSince(before);
    expect(evs.map((e) => e.type).sort()).toEqual(["conversation.created", "message.received"]);
    for (const e of evs) {
      expect(JSON.parse(e.performed_by)).toEqual(seedKey);
      expect(e.company_id).toBe(ACME.id);
    }
    const created = JSON.parse(evs.find((e) => e.type === "conversation.created")!.payload);
    const { messages: _messages, ...conversation } = body;
    expect(created).toEqual(conversation);
    const received = JSON.parse(evs.find((e) => e.type === "message.received")!.payload);
    expect(received.id).toBe(body.messages[0].id);
    expect(received.conversation.id).toBe(body.id);
    // the event log lists them newest first, in the order they happened
    const log = (await (await api("/events?limit=2")).json()) as any;
    expect(log.data.map((e: any) => e.type)).toEqual(["message.received", "conversation.created"]);
  });

  it("a bad body is a 400 problem with field errors and nothing is written", async () => {
    const before = { c: await count("conversations"), m: await count("messages"), e: await count("events") };
    const res = await api("/conversations", {
      method: "POST",
      body: { contact: { email: "not-an-email" }, message: { body: "   " }, subject: "x".repeat(501) },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("Content-Type")).toBe("application/problem+json");
    const problem = (await res.json()) as { errors: Record<string, string[]> };
    expect(Object.keys(problem.errors).sort()).toEqual(["contact.email", "message.body", "subject"]);
    expect(problem.errors["contact.email"]).toEqual(["Enter a valid email address"]);
    expect({ c: await count("conversations"), m: await count("messages"), e: await count("events") }).toEqual(before);
  });

  it("malformed JSON, an empty body, a non-JSON content type and an oversized body are refused", async () => {
    const bad = await api("/conversations", { method: "POST", raw: '{"contact": ' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).detail).toMatch(/not valid JSON/);
    const empty = await api("/conversations", { method: "POST", raw: "" });
    expect(empty.status).toBe(400);
    const form = await api("/conversations", {
      method: "POST",
      raw: "a=b",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    const huge = await api("/conversations", { method: "POST", body: { ...validConversation, message: { body: "x".repeat(70_000) } } });
    expect(huge.status).toBe(413);
    expect(huge.headers.get("Content-Type")).toBe("application/problem+json");
  });
});

describe("GET /v1/conversations", () => {
  it("pages newest first with next_cursor, filters by status and caps limit at 100", async () => {
    const key = await newKey(GLOBEX.id); // a company with no conversations yet
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createConversationViaApi(key.secret)).id);
    const first = (await (await api("/conversations?limit=2", { key: key.secret })).json()) as any;
    expect(first.data.map((c: any) => c.id)).toEqual([ids[4], ids[3]]);
    expect(first.next_cursor).toBe(ids[3]);
    const second = (await (await api(`/conversations?limit=2&cursor=${first.next_cursor}`, { key: key.secret })).json()) as any;
    expect(second.data.map((c: any) => c.id)).toEqual([ids[2], ids[1]]);
    const last = (await (await api(`/conversations?limit=2&cursor=${second.next_cursor}`, { key: key.secret })).json()) as any;
    expect(last).toEqual({ data: [expect.objectContaining({ id: ids[0] })], next_cursor: null });
    await api(`/conversations/${ids[0]}`, { method: "PATCH", key: key.secret, body: { status: "closed" } });
    const closed = (await (await api("/conversations?status=closed", { key: key.secret })).json()) as any;
    expect(closed.data.map((c: any) => c.id)).toEqual([ids[0]]);
    const tooMany = await api("/conversations?limit=101", { key: key.secret });
    expect(tooMany.status).toBe(400);
    expect(Object.keys(((await tooMany.json()) as any).errors)).toEqual(["limit"]);
    expect((await api("/conversations?status=weird", { key: key.secret })).status).toBe(400);
    expect((await api("/conversations?cursor=' OR 1=1 --", { key: key.secret })).status).toBe(400);
  });

  it("never lists another company's conversations", async () => {
    await createConversationViaApi();
    const key = await newKey(GLOBEX.id);
    const page = (await (await api("/conversations?limit=100", { key: key.secret })).json()) as any;
    for (const c of page.data) {
      const row = await env.DB.prepare("SELECT company_id FROM conversations WHERE id = ?").bind(c.id).first<{ company_id: string }>();
      expect(row!.company_id).toBe(GLOBEX.id);
    }
  });
});

describe("a single conversation", () => {
  it("GET returns it with its messages; unknown and other company's ids are 404", async () => {
    const conv = await createConversationViaApi();
    const res = await api(`/conversations/${conv.id}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.id).toBe(conv.id);
    expect(body.messages).toHaveLength(1);
    expect((await api("/conversations/conv_doesnotexist")).status).toBe(404);
    const globex = await newKey(GLOBEX.id);
    for (const [method, path, payload] of [
      ["GET", `/conversations/${conv.id}`, undefined],
      ["PATCH", `/conversations/${conv.id}`, { status: "closed" }],
      ["POST", `/conversations/${conv.id}/messages`, { body: "hi", author: "agent" }],
      ["POST", `/conversations/${conv.id}/escalate`, undefined],
    ] as const) {
      const r = await api(path, { method, key: globex.secret, body: payload });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.headers.get("Content-Type")).toBe("application/problem+json");
    }
    const row = await env.DB.prepare("SELECT status FROM conversations WHERE id = ?").bind(conv.id).first<{ status: string }>();
    expect(row!.status).toBe("open");
    expect(await count("messages", "conversation_id = ?", conv.id)).toBe(1);
  });

  it("PATCH to closed emits conversation.updated and conversation.closed; reopening emits only updated; the same status emits nothing", async () => {
    const conv = await createConversationViaApi();
    let before = await lastEventId();
    const closed = await api(`/conversations/${conv.id}`, { method: "PATCH", body: { status: "closed" } });
    expect(closed.status).toBe(200);
    const body = (await closed.json()) as any;
    expect(body.status).toBe("closed");
    expect(body.closed_at).not.toBeNull();
    let evs = await eventsSince(before);
    expect(evs.map((e) => e.type).sort()).toEqual(["conversation.closed", "conversation.updated"]);
    expect(evs.every((e) => JSON.parse(e.payload).status === "closed" && JSON.parse(e.performed_by).type === "api_key")).toBe(true);
    before = await lastEventId();
    expect((await api(`/conversations/${conv.id}`, { method: "PATCH", body: { status: "closed" } })).status).toBe(200);
    expect(await eventsSince(before)).toEqual([]);
    const reopened = await api(`/conversations/${conv.id}`, { method: "PATCH", body: { status: "open" } });
    expect(((await reopened.json()) as any).closed_at).toBeNull();
    evs = await eventsSince(before);
    expect(evs.map((e) => e.type)).toEqual(["conversation.updated"]);
  });

  it("PATCH with a bad status is a 400 naming the field, and nothing changes", async () => {
    const conv = await createConversationViaApi();
    const before = await lastEventId();
    const res = await api(`/conversations/${conv.id}`, { method: "PATCH", body: { status: "deleted" } });
    expect(res.status).toBe(400);
    expect(Object.keys(((await res.json()) as any).errors)).toEqual(["status"]);
    expect(await eventsSince(before)).toEqual([]);
  });

  it("a contact's message emits message.received, an agent's or the AI's message.sent", async () => {
    const conv = await createConversationViaApi();
    for (const [author, type, direction] of [
      ["contact", "message.received", "inbound"],
      ["agent", "message.sent", "outbound"],
      ["ai", "message.sent", "outbound"],
    ] as const) {
      const before = await lastEventId();
      const res = await api(`/conversations/${conv.id}/messages`, { method: "POST", body: { body: `from ${author}`, author } });
      expect(res.status).toBe(201);
      const msg = (await res.json()) as any;
      expect(msg).toMatchObject({ conversation_id: conv.id, author, direction, body: `from ${author}` });
      const evs = await eventsSince(before);
      expect(evs.map((e) => e.type)).toEqual([type]);
      expect(JSON.parse(evs[0]!.payload).id).toBe(msg.id);
      expect(JSON.parse(evs[0]!.performed_by)).toEqual(seedKey);
    }
    const bad = await api(`/conversations/${conv.id}/messages`, { method: "POST", body: { body: "x", author: "robot" } });
    expect(bad.status).toBe(400);
    expect(Object.keys(((await bad.json()) as any).errors)).toEqual(["author"]);
  });

  it("escalate sets escalated and emits escalation.triggered once; a closed conversation is a 409", async () => {
    const conv = await createConversationViaApi();
    let before = await lastEventId();
    const res = await api(`/conversations/${conv.id}/escalate`, { method: "POST", body: { reason: "Angry customer" } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).status).toBe("escalated");
    const evs = await eventsSince(before);
    expect(evs.map((e) => e.type)).toEqual(["escalation.triggered"]);
    expect(JSON.parse(evs[0]!.payload)).toMatchObject({ id: conv.id, status: "escalated", reason: "Angry customer" });
    before = await lastEventId();
    expect((await api(`/conversations/${conv.id}/escalate`, { method: "POST" })).status).toBe(200);
    expect(await eventsSince(before)).toEqual([]);
    await api(`/conversations/${conv.id}`, { method: "PATCH", body: { status: "closed" } });
    expect((await api(`/conversations/${conv.id}/escalate`, { method: "POST" })).status).toBe(409);
  });
});

describe("the outbox is atomic", () => {
  it("a batch that fails on a constraint writes neither the conversation nor its events", async () => {
    const db = createDb(env.DB);
    const ctx = { db, companyId: ACME.id, performedBy: performedBy.contact({ email: "dup@example.com" }), now: new Date() };
    await createConversation(ctx, {
      channel: "email",
      contact: { email: "dup@example.com" },
      message: { body: "first", author: "contact", source: "email", externalId: "<same@mail>" },
    });
    const before = { c: await count("conversations"), m: await count("messages"), e: await count("events") };
    await expect(
      createConversation(ctx, {
        channel: "email",
        contact: { email: "dup@example.com" },
        message: { body: "again", author: "contact", source: "email", externalId: "<same@mail>" },
      }),
    ).rejects.toThrow();
    expect({ c: await count("conversations"), m: await count("messages"), e: await count("events") }).toEqual(before);
  });

  it("a failing message insert leaves no message.* event and no updated_at change", async () => {
    const db = createDb(env.DB);
    const ctx = {
      db,
      companyId: ACME.id,
      performedBy: performedBy.agent({ id: "usr_john", name: "John Carter" }),
      now: new Date(Date.now() + 5000),
    };
    const conv = await createConversationViaApi();
    await addMessage(ctx, { conversationId: conv.id, body: "one", author: "agent", source: "slack", externalId: "1700000000.0001" });
    const before = { m: await count("messages"), e: await count("events") };
    await expect(
      addMessage(
        { ...ctx, now: new Date(Date.now() + 9000) },
        { conversationId: conv.id, body: "dup", author: "agent", source: "slack", externalId: "1700000000.0001" },
      ),
    ).rejects.toThrow();
    expect({ m: await count("messages"), e: await count("events") }).toEqual(before);
    const row = await env.DB.prepare("SELECT updated_at FROM conversations WHERE id = ?").bind(conv.id).first<{ updated_at: number }>();
    expect(row!.updated_at).toBe(ctx.now.getTime());
    const ev = await env.DB.prepare("SELECT performed_by FROM events WHERE type = 'message.sent' ORDER BY id DESC LIMIT 1").first<{
      performed_by: string;
    }>();
    expect(JSON.parse(ev!.performed_by)).toEqual({ type: "agent", id: "usr_john", name: "John Carter" });
  });
});
