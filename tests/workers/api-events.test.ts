import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "~/lib/db/client";
import type { EventType } from "~/lib/db/schema";
import type { DeliveriesMessage, Env, EventMessage, EventsMessage } from "~/lib/env";
import { consumeEvents, dispatchEvent } from "~/lib/events/consumer.server";
import { sweepOutbox } from "~/lib/events/outbox.server";
import { newId } from "~/lib/ids";
import { ACME, GLOBEX } from "../helpers/seed";
import { api, newKey } from "./api-client";

function fakeQueue<T>() {
  const sent: T[] = [];
  const queue = {
    send: async (body: T) => void sent.push(body),
    sendBatch: async (msgs: Iterable<{ body: T }>) => {
      for (const m of msgs) sent.push(m.body);
    },
  } as unknown as Queue<T>;
  return { queue, sent };
}

async function insertEvent(companyId: string, type: EventType, createdAt = Date.now()) {
  const id = newId("evt", new Date(createdAt));
  await env.DB.prepare(
    'INSERT INTO events (id, company_id, type, payload, performed_by, created_at, seq) VALUES (?, ?, ?, \'{}\', \'{"type":"system","id":null,"name":"test"}\', ?, (SELECT coalesce(max(seq), 0) + 1 FROM events))',
  )
    .bind(id, companyId, type, createdAt)
    .run();
  return id;
}

async function insertEndpoint(companyId: string, events: string[], status: "active" | "disabled" = "active") {
  const id = newId("we");
  await env.DB.prepare(
    "INSERT INTO webhook_endpoints (id, company_id, url, events, status, secret_enc, created_by, created_at, updated_at) VALUES (?, ?, 'https://hooks.example/x', ?, ?, 'enc', 'usr_john', ?, ?)",
  )
    .bind(id, companyId, JSON.stringify(events), status, Date.now(), Date.now())
    .run();
  return id;
}

const deliveriesOf = async (eventId: string) =>
  (
    await env.DB.prepare("SELECT id, target_kind, target_id, status, company_id FROM deliveries WHERE event_id = ? ORDER BY target_id")
      .bind(eventId)
      .all<{ id: string; target_kind: string; target_id: string; status: string; company_id: string }>()
  ).results;

describe("the events consumer (fan-out)", () => {
  it("creates exactly one delivery per subscribed active endpoint of the same company, and none for the others", async () => {
    const subscribed = [
      await insertEndpoint(ACME.id, ["conversation.created", "message.received"]),
      await insertEndpoint(ACME.id, ["conversation.created"]),
    ];
    await insertEndpoint(ACME.id, ["message.sent"]); // not subscribed to the type
    await insertEndpoint(ACME.id, ["conversation.created"], "disabled");
    await insertEndpoint(GLOBEX.id, ["conversation.created"]); // another company
    const eventId = await insertEvent(ACME.id, "conversation.created");
    const { queue, sent } = fakeQueue<DeliveriesMessage>();
    await dispatchEvent({ db: createDb(env.DB), deliveriesQueue: queue, now: new Date() }, eventId);
    const rows = await deliveriesOf(eventId);
    expect(rows.map((r) => r.target_id)).toEqual([...subscribed].sort());
    expect(rows.every((r) => r.target_kind === "webhook" && r.status === "pending" && r.company_id === ACME.id)).toBe(true);
    expect(sent.map((m) => m.deliveryId).sort()).toEqual(rows.map((r) => r.id).sort());
    // each message names the retry chain and the attempt it is for (docs/decisions/0030-engine-claims.md)
    expect(sent.every((m) => m.run === 0 && m.attempt === 1)).toBe(true);
    const ev = await env.DB.prepare("SELECT dispatched_at FROM events WHERE id = ?")
      .bind(eventId)
      .first<{ dispatched_at: number | null }>();
    expect(ev!.dispatched_at).not.toBeNull();
  });

  it("a redelivered event message creates no duplicate deliveries and enqueues nothing more", async () => {
    const endpoint = await insertEndpoint(ACME.id, ["escalation.triggered"]);
    const eventId = await insertEvent(ACME.id, "escalation.triggered");
    const fake = fakeQueue<DeliveriesMessage>();
    const testEnv = { ...(env as Env), DELIVERIES: fake.queue } as Env;
    for (let i = 0; i < 2; i++) {
      const batch = createMessageBatch<EventsMessage>("ih-events", [
        { id: `m${i}`, timestamp: new Date(), attempts: 1, body: { eventId } },
      ]);
      const ctx = createExecutionContext();
      await consumeEvents(batch, testEnv, ctx);
      const result = await getQueueResult(batch, ctx);
      expect(result.explicitAcks).toEqual([`m${i}`]);
      expect(result.retryMessages).toEqual([]);
    }
    const rows = await deliveriesOf(eventId);
    expect(rows.map((r) => r.target_id)).toEqual([endpoint]);
    expect(fake.sent).toEqual([{ deliveryId: rows[0]!.id, run: 0, attempt: 1 }]);
  });

  it("webhook.test events are never fanned out", async () => {
    await insertEndpoint(ACME.id, ["conversation.created"]);
    const eventId = await insertEvent(ACME.id, "webhook.test");
    const { queue, sent } = fakeQueue<DeliveriesMessage>();
    await dispatchEvent({ db: createDb(env.DB), deliveriesQueue: queue, now: new Date() }, eventId);
    expect(await deliveriesOf(eventId)).toEqual([]);
    expect(sent).toEqual([]);
  });

  it("integration subscribers from the registry get their own deliveries", async () => {
    const eventId = await insertEvent(GLOBEX.id, "escalation.triggered");
    const { queue, sent } = fakeQueue<DeliveriesMessage>();
    const slack = async () => [{ targetKind: "integration" as const, targetId: "slack" }];
    await dispatchEvent({ db: createDb(env.DB), deliveriesQueue: queue, now: new Date(), subscribers: [slack] }, eventId);
    const rows = await deliveriesOf(eventId);
    expect(rows.map((r) => [r.target_kind, r.target_id])).toEqual([["integration", "slack"]]);
    expect(sent).toHaveLength(1);
  });

  it("a failure retries that message only; the others are acked", async () => {
    const good = await insertEvent(ACME.id, "conversation.updated");
    const broken = { ...(env as Env), DELIVERIES: { sendBatch: async () => Promise.reject(new Error("queue down")) } } as unknown as Env;
    await insertEndpoint(ACME.id, ["conversation.closed"]);
    const bad = await insertEvent(ACME.id, "conversation.closed");
    const batch = createMessageBatch<EventsMessage>("ih-events", [
      { id: "ok", timestamp: new Date(), attempts: 1, body: { eventId: good } },
      { id: "fails", timestamp: new Date(), attempts: 1, body: { eventId: bad } },
    ]);
    const ctx = createExecutionContext();
    await consumeEvents(batch, broken, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["ok"]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["fails"]);
    const ev = await env.DB.prepare("SELECT dispatched_at FROM events WHERE id = ?").bind(bad).first<{ dispatched_at: number | null }>();
    expect(ev!.dispatched_at).toBeNull();
  });
});

describe("the outbox sweeper", () => {
  it("re-enqueues events still undispatched after a minute, and only those", async () => {
    const now = Date.now();
    const stale = await insertEvent(GLOBEX.id, "conversation.created", now - 120_000);
    const recent = await insertEvent(GLOBEX.id, "conversation.created", now - 10_000);
    const done = await insertEvent(GLOBEX.id, "conversation.created", now - 120_000);
    await env.DB.prepare("UPDATE events SET dispatched_at = ? WHERE id = ?").bind(now, done).run();
    const { queue, sent } = fakeQueue<EventMessage>();
    await sweepOutbox({ db: createDb(env.DB), queue, now: new Date(now) });
    const ids = sent.map((m) => m.eventId);
    expect(ids).toContain(stale);
    expect(ids).not.toContain(recent);
    expect(ids).not.toContain(done);
  });
});

describe("GET /v1/events", () => {
  it("lists the company's events newest first, filtered by type and since, with a cursor", async () => {
    const key = await newKey(GLOBEX.id);
    const t = Date.now() + 60_000; // after everything else in this file
    const a = await insertEvent(GLOBEX.id, "message.received", t);
    const b = await insertEvent(GLOBEX.id, "message.sent", t + 1);
    const c = await insertEvent(GLOBEX.id, "message.received", t + 2);
    await insertEvent(ACME.id, "message.received", t + 3);
    const since = new Date(t).toISOString();
    const first = (await (await api(`/events?since=${since}&limit=2`, { key: key.secret })).json()) as any;
    expect(first.data.map((e: any) => e.id)).toEqual([c, b]);
    expect(first.data[0]).toMatchObject({ type: "message.received", company_id: GLOBEX.id, data: {}, performed_by: { type: "system" } });
    const second = (await (await api(`/events?since=${since}&limit=2&cursor=${first.next_cursor}`, { key: key.secret })).json()) as any;
    expect(second).toEqual({ data: [expect.objectContaining({ id: a })], next_cursor: null });
    const typed = (await (await api(`/events?since=${since}&type=message.received`, { key: key.secret })).json()) as any;
    expect(typed.data.map((e: any) => e.id)).toEqual([c, a]);
    const bad = await api("/events?since=yesterday&type=nope", { key: key.secret });
    expect(bad.status).toBe(400);
    expect(Object.keys(((await bad.json()) as any).errors).sort()).toEqual(["since", "type"]);
  });
});
