import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createConversation, setConversationStatus } from "~/lib/conversations/conversations.server";
import { deliveries, events } from "~/lib/db/schema";
import { deliveryDeps } from "~/lib/deps.server";
import type { DeliveriesMessage, Env } from "~/lib/env";
import { eventInsert, listEvents } from "~/lib/events/emit.server";
import { replayDeadLetters } from "~/lib/queues/dead-letters.server";
import { handleQueueBatch } from "~/lib/queues.server";
import { consumeDeliveries } from "~/lib/webhooks/consumer.server";
import { resendDelivery, sendTestEvent } from "~/lib/webhooks/deliveries.server";
import { sweepStuckDeliveries, TEST_UNFINISHED } from "~/lib/webhooks/sweeper.server";
import { api } from "./api-client";
import { fakeBatch } from "./hardening/inventory";
import {
  consumerOverrides,
  db,
  deliveryRow,
  endpointDeps,
  makeDelivery,
  makeEndpoint,
  schedulingQueue,
  scriptedFetch,
} from "./webhook-fixtures";

/**
 * Queues say what they carry and keep what they cannot deliver (docs/decisions/0060-queues-and-dead-letters.md),
 * and the smaller promises of issue 19. Each race runs its pair at once.
 */

async function runBatch(queue: string, bodies: { id: string; body: unknown; attempts?: number }[]) {
  const batch = createMessageBatch(
    queue,
    bodies.map((b) => ({ id: b.id, timestamp: new Date(), attempts: b.attempts ?? 1, body: b.body })),
  );
  const ctx = createExecutionContext();
  await handleQueueBatch(batch, env as Env, ctx);
  return getQueueResult(batch, ctx);
}

const deadLetter = (id: string) => env.DB.prepare("SELECT * FROM dead_letters WHERE id = ?").bind(id).first<Record<string, any>>();

describe("queues route by exact name and tagged message", () => {
  it("a queue whose name merely contains 'events' is not the events queue: its messages are retried, nothing is fanned out", async () => {
    const { eventId } = await makeDelivery((await makeEndpoint()).endpoint.id);
    await env.DB.prepare("UPDATE events SET dispatched_at = NULL WHERE id = ?").bind(eventId).run();
    const result = await runBatch("ih-events-archive", [{ id: "x1", body: { kind: "event", eventId } }]);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["x1"]);
    const row = await db().select().from(events).where(eq(events.id, eventId)).get();
    expect(row!.dispatchAttempts).toBe(0);
  });

  it("an EVENTS message nobody can read is kept as a dead letter at once, not retried or dropped", async () => {
    const result = await runBatch("ih-events", [
      { id: "junk-1", body: { slackEventId: "Ev123" } },
      { id: "junk-2", body: { kind: "inbound", provider: "nobody", id: "x" } },
    ]);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks.sort()).toEqual(["junk-1", "junk-2"]);
    expect(await deadLetter("junk-1")).toMatchObject({ queue: "ih-events", kind: "unreadable", body: '{"slackEventId":"Ev123"}' });
    expect(await deadLetter("junk-2")).toMatchObject({ queue: "ih-events", kind: "inbound", ref: "nobody:x" });
  });
});

describe("dead letters are kept, listed and replayed", () => {
  it("the same dead letter in two DLQ batches at once is stored once; two cron runs at once replay it once", async () => {
    const { endpoint } = await makeEndpoint();
    const { deliveryId } = await makeDelivery(endpoint.id);
    const body: DeliveriesMessage = { deliveryId, run: 0, attempt: 1 };
    const [a, b] = await Promise.all([
      runBatch("ih-deliveries-dlq", [{ id: "dead-1", body, attempts: 21 }]),
      runBatch("ih-deliveries-dlq", [{ id: "dead-1", body, attempts: 21 }]),
    ]);
    expect([...a.explicitAcks, ...b.explicitAcks]).toEqual(["dead-1", "dead-1"]);
    const count = await env.DB.prepare("SELECT count(*) AS n FROM dead_letters WHERE id = 'dead-1'").first<{ n: number }>();
    expect(count!.n).toBe(1);
    expect(await deadLetter("dead-1")).toMatchObject({
      queue: "ih-deliveries",
      kind: "delivery",
      ref: deliveryId,
      attempts: 21,
      replayed_at: null,
    });

    // Not replayed until an operator asks (scripts/dlq.mjs sets replay_requested_at).
    const q = schedulingQueue();
    const queues = { "ih-deliveries": q.queue as Queue<unknown> };
    expect(await replayDeadLetters({ db: db(), queues, now: new Date() })).toBe(0);
    await env.DB.prepare("UPDATE dead_letters SET replay_requested_at = ? WHERE id = 'dead-1'").bind(Date.now()).run();
    const now = new Date();
    await Promise.all([replayDeadLetters({ db: db(), queues, now }), replayDeadLetters({ db: db(), queues, now })]);
    expect(q.sent.map((m) => m.body)).toEqual([body]);
    expect((await deadLetter("dead-1"))!.replayed_at).toBe(now.getTime());

    // The replayed message is an ordinary one: it sends the attempt it names.
    const http = scriptedFetch([new Response("ok")]);
    await consumeDeliveries(
      fakeBatch("ih-deliveries", [q.sent[0]!.body]) as never,
      env,
      {} as ExecutionContext,
      consumerOverrides(http.fetch),
    );
    expect(http.sent).toHaveLength(1);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "succeeded", attempts: 1 });
  });

  it("a replay whose send fails gives its claim back for the next run", async () => {
    await env.DB.prepare(
      "INSERT INTO dead_letters (id, queue, kind, ref, body, attempts, received_at, replay_requested_at) VALUES ('dead-2', 'ih-events', 'event', 'evt_x', '{\"kind\":\"event\",\"eventId\":\"evt_x\"}', 11, ?, ?)",
    )
      .bind(Date.now(), Date.now())
      .run();
    const failing = {
      send: async () => {
        throw new Error("queue down");
      },
    } as unknown as Queue<unknown>;
    expect(await replayDeadLetters({ db: db(), queues: { "ih-events": failing }, now: new Date() })).toBe(0);
    expect((await deadLetter("dead-2"))!.replayed_at).toBeNull();
    const sent: unknown[] = [];
    const ok = { send: async (m: unknown) => void sent.push(m) } as unknown as Queue<unknown>;
    expect(await replayDeadLetters({ db: db(), queues: { "ih-events": ok }, now: new Date() })).toBe(1);
    expect(sent).toEqual([{ kind: "event", eventId: "evt_x" }]);
  });
});

describe("a webhook.test delivery is one attempt", () => {
  it("Resent, and its message handled by two consumers at once against a failing receiver: one POST, failed, no retry scheduled", async () => {
    const { endpoint } = await makeEndpoint();
    const deps = {
      ...(await endpointDeps()),
      attempt: await deliveryDeps(env, consumerOverrides(scriptedFetch([new Response("", { status: 500 })]).fetch)),
    };
    const test = await sendTestEvent(deps, endpoint.id);
    if (!test.ok) throw new Error("test refused");
    const resent = schedulingQueue();
    expect((await resendDelivery({ ...(await endpointDeps()), queue: resent.queue }, test.value.deliveryId)).ok).toBe(true);
    const message = resent.sent[0]!.body;
    const http = scriptedFetch([() => new Promise<Response>((r) => setTimeout(() => r(new Response("", { status: 500 })), 30))]);
    const next = schedulingQueue();
    await Promise.all(
      [0, 1].map(() =>
        consumeDeliveries(
          fakeBatch("ih-deliveries", [message]) as never,
          env,
          {} as ExecutionContext,
          consumerOverrides(http.fetch, { queue: next.queue }),
        ),
      ),
    );
    expect(http.sent).toHaveLength(1);
    expect(next.sent).toEqual([]);
    expect(await deliveryRow(test.value.deliveryId)).toMatchObject({ status: "failed", attempts: 1, nextAttemptAt: null });
  });

  it("one left pending by a Test that died is ended by the sweeper, once, even with two cron runs at once", async () => {
    const { endpoint } = await makeEndpoint();
    await env.DB.prepare("UPDATE deliveries SET status = 'succeeded' WHERE status = 'pending'").run();
    const deps = {
      ...(await endpointDeps()),
      attempt: await deliveryDeps(env, consumerOverrides(scriptedFetch([new Response("ok")]).fetch)),
    };
    const test = await sendTestEvent(deps, endpoint.id);
    if (!test.ok) throw new Error("test refused");
    await db()
      .update(deliveries)
      .set({ status: "pending", leaseUntil: null, nextAttemptAt: new Date(Date.now() - 3600_000) })
      .where(eq(deliveries.id, test.value.deliveryId));
    const q = schedulingQueue();
    const now = new Date();
    await Promise.all([sweepStuckDeliveries({ db: db(), queue: q.queue, now }), sweepStuckDeliveries({ db: db(), queue: q.queue, now })]);
    expect(q.sent).toEqual([]);
    expect(await deliveryRow(test.value.deliveryId)).toMatchObject({ status: "failed", lastError: TEST_UNFINISHED });
    const attempts = await env.DB.prepare("SELECT error FROM delivery_attempts WHERE delivery_id = ? ORDER BY n")
      .bind(test.value.deliveryId)
      .all<{ error: string | null }>();
    expect(attempts.results.map((a) => a.error)).toEqual([null, TEST_UNFINISHED]);
  });
});

describe("a removed REST hook", () => {
  const hookDeliveries = (id: string) =>
    env.DB.prepare("SELECT count(*) AS n FROM deliveries WHERE target_id = ?")
      .bind(id)
      .first<{ n: number }>()
      .then((r) => r!.n);

  it("two attempts answered 410 at once remove the Zapier hook once, with its pending deliveries; /v1/hooks/:id then answers 410", async () => {
    const { endpoint } = await makeEndpoint({ source: "rest_hook", url: "https://hooks.zapier.com/hooks/standard/1/a" });
    const [one, two, three] = [await makeDelivery(endpoint.id), await makeDelivery(endpoint.id), await makeDelivery(endpoint.id)];
    const http = scriptedFetch([() => new Promise<Response>((r) => setTimeout(() => r(new Response("", { status: 410 })), 30))]);
    await Promise.all(
      [one, two].map((d) =>
        consumeDeliveries(
          fakeBatch("ih-deliveries", [{ deliveryId: d.deliveryId, run: 0, attempt: 1 }]) as never,
          env,
          {} as ExecutionContext,
          consumerOverrides(http.fetch),
        ),
      ),
    );
    expect(await hookDeliveries(endpoint.id)).toBe(0);
    // The third, still queued, finds nothing to send.
    const later = scriptedFetch([new Response("ok")]);
    await consumeDeliveries(
      fakeBatch("ih-deliveries", [{ deliveryId: three.deliveryId, run: 0, attempt: 1 }]) as never,
      env,
      {} as ExecutionContext,
      consumerOverrides(later.fetch),
    );
    expect(later.sent).toHaveLength(0);
    const audits = await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE target = ? AND action = 'webhook_endpoint.deleted'")
      .bind(endpoint.id)
      .first<{ n: number }>();
    expect(audits!.n).toBe(1);
    expect((await api(`/hooks/${endpoint.id}`)).status).toBe(410);
  });

  it("deleted through DELETE /v1/webhooks/:id (racing DELETE /v1/hooks/:id) answers 410 at /v1/hooks/:id, not 404", async () => {
    const sub = await api("/hooks", {
      method: "POST",
      body: { target_url: "https://hooks.zapier.com/hooks/standard/2/b", event: "conversation.created" },
    });
    const { id } = (await sub.json()) as { id: string };
    const [viaWebhooks, viaHooks] = await Promise.all([
      api(`/webhooks/${id}`, { method: "DELETE" }),
      api(`/hooks/${id}`, { method: "DELETE" }),
    ]);
    expect([viaWebhooks.status, viaHooks.status]).toContain(204);
    expect((await api(`/hooks/${id}`)).status).toBe(410);
    expect((await api(`/hooks/${id}`, { method: "DELETE" })).status).toBe(410);

    const only = await api("/hooks", {
      method: "POST",
      body: { target_url: "https://hooks.zapier.com/hooks/standard/3/c", event: "conversation.created" },
    });
    const { id: other } = (await only.json()) as { id: string };
    expect((await api(`/webhooks/${other}`, { method: "DELETE" })).status).toBe(204);
    expect((await api(`/hooks/${other}`)).status).toBe(410);
  });
});

describe("/v1/events is in commit order", () => {
  const ctx = (now: Date) => ({ db: db(), companyId: "co_globex", performedBy: { type: "system" as const, id: null, name: null }, now });
  const system = { type: "system" as const, id: null, name: null };

  it("an event committed late is listed above the events a poller has already seen", async () => {
    const t = Date.now() + 3600_000; // after everything else in this file
    const seen = eventInsert(db(), {
      companyId: "co_globex",
      type: "message.sent",
      payload: {},
      performedBy: system,
      now: new Date(t + 5000),
    });
    await seen.statement;
    const firstPoll = await listEvents({ db: db(), companyId: "co_globex", limit: 10 });
    expect(firstPoll.data[0]!.id).toBe(seen.id);
    // A change stamped earlier (its request began first) commits only now.
    const late = eventInsert(db(), {
      companyId: "co_globex",
      type: "message.received",
      payload: {},
      performedBy: system,
      now: new Date(t),
    });
    await late.statement;
    const secondPoll = await listEvents({ db: db(), companyId: "co_globex", limit: 10 });
    const ids = secondPoll.data.map((e) => e.id);
    // The poller reads from the top until it meets an id it has seen: the late event comes first.
    expect(ids.slice(0, ids.indexOf(seen.id))).toEqual([late.id]);
  });

  it("two changes committed at once, stamped with the same instant: each change's events are listed together, in order", async () => {
    const now = new Date(Date.now() + 7200_000);
    const open = async (email: string) =>
      (await createConversation(ctx(now), { channel: "api", contact: { email }, message: { body: "hi", author: "contact" } })).conversation
        .id;
    const [x, y] = [await open("x@example.com"), await open("y@example.com")];
    await Promise.all([
      setConversationStatus(ctx(now), { id: x, status: "closed" }),
      setConversationStatus(ctx(now), { id: y, status: "closed" }),
    ]);
    const page = await listEvents({ db: db(), companyId: "co_globex", limit: 4 });
    const listed = page.data.map((e) => `${(e.data as { id: string }).id}:${e.type}`);
    // Newest first: one change's closed then updated, then the other's.
    const [first, second] = listed[0]!.startsWith(x) ? [x, y] : [y, x];
    expect(listed).toEqual([
      `${first}:conversation.closed`,
      `${first}:conversation.updated`,
      `${second}:conversation.closed`,
      `${second}:conversation.updated`,
    ]);
    // And the cursor pages on in the same order.
    const next = await listEvents({ db: db(), companyId: "co_globex", limit: 2, cursor: page.data[1]!.id });
    expect(next.data.map((e) => e.id)).toEqual(page.data.slice(2, 4).map((e) => e.id));
  });
});
