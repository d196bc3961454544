import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  ConversationConflictError,
  createConversation,
  escalateConversation,
  setConversationStatus,
} from "~/lib/conversations/conversations.server";
import { deliveries, events, webhookEndpoints } from "~/lib/db/schema";
import { deliveryDeps } from "~/lib/deps.server";
import type { DeliveriesMessage, EventMessage } from "~/lib/env";
import { dispatchEvent, MAX_DISPATCH_ATTEMPTS } from "~/lib/events/consumer.server";
import { sweepOutbox } from "~/lib/events/outbox.server";
import { newId } from "~/lib/ids";
import { AUTO_DISABLE_REASON, autoDisableFailingEndpoints } from "~/lib/webhooks/auto-disable.server";
import { consumeDeliveries, handleDelivery } from "~/lib/webhooks/consumer.server";
import { resendDelivery, sendTestEvent } from "~/lib/webhooks/deliveries.server";
import { rotateSecret, updateEndpoint } from "~/lib/webhooks/endpoints.server";
import { DELIVERY_SWEEP_GRACE_MS, MAX_SWEEPS, sweepStuckDeliveries } from "~/lib/webhooks/sweeper.server";
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
  signatureMatches,
} from "./webhook-fixtures";

/**
 * Every claim in the engine is one conditional write (docs/decisions/0030-engine-claims.md).
 * Each test runs the racing pair at once — two batches, two cron runs, two requests — and
 * counts what a receiver or a poller would see.
 */

const slowOk = () => new Promise<Response>((r) => setTimeout(() => r(new Response("ok")), 30));
const slow500 = () => new Promise<Response>((r) => setTimeout(() => r(new Response("boom", { status: 500 })), 30));

async function attemptsLogged(deliveryId: string) {
  return (
    await env.DB.prepare("SELECT n FROM delivery_attempts WHERE delivery_id = ? ORDER BY n").bind(deliveryId).all<{ n: number }>()
  ).results.map((r) => r.n);
}

async function consume(bodies: DeliveriesMessage[], fetchFn: typeof fetch, queue = schedulingQueue().queue) {
  const batch = fakeBatch("ih-deliveries", bodies);
  await consumeDeliveries(batch as never, env, {} as ExecutionContext, consumerOverrides(fetchFn, { queue }));
  return batch;
}

describe("one attempt per message, one retry chain per delivery", () => {
  it("two batches carrying the same delivery's message at once: one POST, one logged attempt, one next message", async () => {
    const { endpoint } = await makeEndpoint();
    const { deliveryId } = await makeDelivery(endpoint.id);
    const http = scriptedFetch([slow500]);
    const next = schedulingQueue();
    const message = { deliveryId, run: 0, attempt: 1 };
    const [a, b] = await Promise.all([consume([message], http.fetch, next.queue), consume([message], http.fetch, next.queue)]);
    expect(http.sent).toHaveLength(1);
    expect(await attemptsLogged(deliveryId)).toEqual([1]);
    expect(next.sent.map((m) => m.body)).toEqual([{ deliveryId, run: 0, attempt: 2 }]);
    for (const m of [...a.messages, ...b.messages]) expect(m.outcome).toEqual({ acked: true, retryDelay: null });
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "pending", attempts: 1, leaseUntil: null });
  });

  it("a message for an attempt already made is stale: acked without sending", async () => {
    const { endpoint } = await makeEndpoint();
    const { deliveryId } = await makeDelivery(endpoint.id, { attempts: 2 });
    const http = scriptedFetch([new Response("ok")]);
    const [m] = (await consume([{ deliveryId, run: 0, attempt: 2 }], http.fetch)).messages;
    expect(http.sent).toHaveLength(0);
    expect(m!.outcome.acked).toBe(true);
    expect((await deliveryRow(deliveryId))!.attempts).toBe(2);
  });

  it("Resend on a pending delivery replaces its scheduled retry: the old run's message and the new one arrive together, one POST", async () => {
    const { endpoint } = await makeEndpoint();
    const { deliveryId } = await makeDelivery(endpoint.id);
    const next = schedulingQueue();
    await consume([{ deliveryId, run: 0, attempt: 1 }], scriptedFetch([new Response("", { status: 500 })]).fetch, next.queue);
    const scheduledRetry = next.sent[0]!.body;
    expect(scheduledRetry).toEqual({ deliveryId, run: 0, attempt: 2 });
    const resent = schedulingQueue();
    expect((await resendDelivery({ ...(await endpointDeps()), queue: resent.queue }, deliveryId)).ok).toBe(true);
    const fresh = resent.sent[0]!.body;
    expect(fresh).toEqual({ deliveryId, run: 1, attempt: 1 });
    const http = scriptedFetch([slowOk]);
    await Promise.all([consume([scheduledRetry], http.fetch), consume([fresh], http.fetch)]);
    expect(http.sent).toHaveLength(1);
    expect(await attemptsLogged(deliveryId)).toEqual([1, 2]);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "succeeded", run: 1, attempts: 1 });
  });

  it("a POST still in flight when Resend starts a new run is logged, and its run schedules nothing more", async () => {
    const { endpoint } = await makeEndpoint();
    const { deliveryId } = await makeDelivery(endpoint.id);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const http = scriptedFetch([async () => (await gate, new Response("", { status: 500 })), new Response("ok")]);
    const next = schedulingQueue();
    const inFlight = consume([{ deliveryId, run: 0, attempt: 1 }], http.fetch, next.queue);
    while (http.sent.length === 0) await new Promise((r) => setTimeout(r, 5));
    const resent = schedulingQueue();
    await resendDelivery({ ...(await endpointDeps()), queue: resent.queue }, deliveryId);
    await consume([resent.sent[0]!.body], http.fetch, next.queue);
    release();
    await inFlight;
    expect(http.sent).toHaveLength(2);
    expect(await attemptsLogged(deliveryId)).toEqual([1, 2]);
    expect(next.sent).toEqual([]);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "succeeded", run: 1, attempts: 1 });
  });

  it("a secret that cannot be decrypted is a logged attempt that follows the schedule and ends failed", async () => {
    const { endpoint } = await makeEndpoint();
    await db().update(webhookEndpoints).set({ secretEnc: "v1.gone:AAAA:BBBB" }).where(eq(webhookEndpoints.id, endpoint.id));
    const { deliveryId } = await makeDelivery(endpoint.id);
    const http = scriptedFetch([new Response("ok")]);
    let message: DeliveriesMessage | undefined = { deliveryId, run: 0, attempt: 1 };
    const deps = await deliveryDeps(env, consumerOverrides(http.fetch, { schedule: [1, 1] }));
    let rounds = 0;
    while (message && rounds++ < 10) message = (await handleDelivery(deps, message)).next;
    expect(http.sent).toHaveLength(0);
    expect(await attemptsLogged(deliveryId)).toEqual([1, 2, 3]);
    const row = await deliveryRow(deliveryId);
    expect(row).toMatchObject({ status: "failed", attempts: 3 });
    expect(row!.lastError).toMatch(/Could not decrypt the signing secret/);
    expect((await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint.id)).get())!.failingSince).not.toBeNull();
  });
});

describe("the stuck-delivery sweeper", () => {
  async function overdue(endpointId: string, minutesAgo: number) {
    const { deliveryId } = await makeDelivery(endpointId, { attempts: 1 });
    await db()
      .update(deliveries)
      .set({ nextAttemptAt: new Date(Date.now() - minutesAgo * 60_000) })
      .where(eq(deliveries.id, deliveryId));
    return deliveryId;
  }

  it("two cron runs at once re-send an overdue delivery once", async () => {
    const { endpoint } = await makeEndpoint();
    const deliveryId = await overdue(endpoint.id, 10);
    const q = schedulingQueue();
    const now = new Date();
    await Promise.all([sweepStuckDeliveries({ db: db(), queue: q.queue, now }), sweepStuckDeliveries({ db: db(), queue: q.queue, now })]);
    expect(q.sent.filter((m) => m.body.deliveryId === deliveryId).map((m) => m.body)).toEqual([{ deliveryId, run: 0, attempt: 2 }]);
  });

  it("re-sends further apart each time and, after MAX_SWEEPS, ends the delivery with a logged attempt", async () => {
    const { endpoint } = await makeEndpoint();
    const deliveryId = await overdue(endpoint.id, 10);
    const q = schedulingQueue();
    let t = Date.now();
    const sends = () => q.sent.filter((m) => m.body.deliveryId === deliveryId).length;
    for (let k = 1; k <= MAX_SWEEPS; k++) {
      await sweepStuckDeliveries({ db: db(), queue: q.queue, now: new Date(t) });
      expect(sends()).toBe(k);
      // Not again one grace period later (from the second re-send on)…
      if (k > 1) {
        await sweepStuckDeliveries({ db: db(), queue: q.queue, now: new Date(t + DELIVERY_SWEEP_GRACE_MS + 1000) });
        expect(sends()).toBe(k);
      }
      t += (k + 1) * DELIVERY_SWEEP_GRACE_MS + 1000;
    }
    await sweepStuckDeliveries({ db: db(), queue: q.queue, now: new Date(t) });
    expect(sends()).toBe(MAX_SWEEPS);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "failed" });
    expect(await attemptsLogged(deliveryId)).toEqual([1]);
  });

  it("stuck rows cannot starve newer ones: with room for one per run, two stuck rows are both re-sent", async () => {
    const { endpoint } = await makeEndpoint();
    await env.DB.prepare("UPDATE deliveries SET status = 'succeeded' WHERE status = 'pending'").run();
    const older = await overdue(endpoint.id, 30);
    const newer = await overdue(endpoint.id, 10);
    const q = schedulingQueue();
    const t = Date.now();
    await sweepStuckDeliveries({ db: db(), queue: q.queue, now: new Date(t), limit: 1 });
    await sweepStuckDeliveries({ db: db(), queue: q.queue, now: new Date(t + 60_000), limit: 1 });
    expect(q.sent.map((m) => m.body.deliveryId)).toEqual([older, newer]);
  });

  it("a webhook.test delivery left pending is never swept", async () => {
    const { endpoint } = await makeEndpoint();
    await env.DB.prepare("UPDATE deliveries SET status = 'succeeded' WHERE status = 'pending'").run();
    const hang = (req: { init: RequestInit }) =>
      new Promise<Response>((_, reject) => req.init.signal!.addEventListener("abort", () => reject(req.init.signal!.reason)));
    const deps = {
      ...(await endpointDeps()),
      attempt: await deliveryDeps(env, consumerOverrides(scriptedFetch([hang]).fetch, { timeoutMs: 20 })),
    };
    const test = await sendTestEvent(deps, endpoint.id);
    if (!test.ok) throw new Error("test failed");
    // As if the request died mid-way: the row is pending and long overdue.
    await db()
      .update(deliveries)
      .set({ status: "pending", leaseUntil: null, nextAttemptAt: new Date(Date.now() - 3600_000) })
      .where(eq(deliveries.id, test.value.deliveryId));
    const q = schedulingQueue();
    await sweepStuckDeliveries({ db: db(), queue: q.queue, now: new Date() });
    expect(q.sent.map((m) => m.body.deliveryId)).not.toContain(test.value.deliveryId);
  });
});

describe("event fan-out", () => {
  async function newEvent(companyId = "co_acme", createdAt = new Date()) {
    const id = newId("evt");
    await db()
      .insert(events)
      .values({
        id,
        companyId,
        type: "conversation.created",
        payload: {},
        performedBy: { type: "system", id: null, name: null },
        createdAt,
      });
    return id;
  }

  it("two consumers dispatching one event at once enqueue its deliveries once", async () => {
    await makeEndpoint();
    const eventId = await newEvent();
    const q = schedulingQueue();
    const now = new Date();
    await Promise.all([
      dispatchEvent({ db: db(), deliveriesQueue: q.queue, now, subscribers: [] }, eventId),
      dispatchEvent({ db: db(), deliveriesQueue: q.queue, now, subscribers: [] }, eventId),
    ]);
    const rows = await db().select().from(deliveries).where(eq(deliveries.eventId, eventId)).all();
    expect(rows.length).toBeGreaterThan(0);
    expect(q.sent.map((m) => m.body.deliveryId).sort()).toEqual(rows.map((r) => r.id).sort());
  });

  it("re-dispatching an event already dispatched inserts nothing for an endpoint created since", async () => {
    const eventId = await newEvent("co_acme", new Date(Date.now() - 60_000));
    const q = schedulingQueue();
    await dispatchEvent({ db: db(), deliveriesQueue: q.queue, now: new Date(), subscribers: [] }, eventId);
    const before = (await db().select().from(deliveries).where(eq(deliveries.eventId, eventId)).all()).length;
    const { endpoint } = await makeEndpoint();
    await dispatchEvent({ db: db(), deliveriesQueue: q.queue, now: new Date(), subscribers: [] }, eventId);
    // Even an interrupted fan-out re-run (dispatched_at still null) skips endpoints younger than the event.
    await db().update(events).set({ dispatchedAt: null, dispatchLeaseUntil: null }).where(eq(events.id, eventId));
    await dispatchEvent({ db: db(), deliveriesQueue: q.queue, now: new Date(), subscribers: [] }, eventId);
    const after = await db().select().from(deliveries).where(eq(deliveries.eventId, eventId)).all();
    expect(after).toHaveLength(before);
    expect(after.map((d) => d.targetId)).not.toContain(endpoint.id);
  });

  it("two cron runs at once re-send a stale event once, and not again on the next tick", async () => {
    const eventId = await newEvent("co_acme", new Date(Date.now() - 5 * 60_000));
    const sent: string[] = [];
    const queue = {
      sendBatch: async (items: { body: EventMessage }[]) => void sent.push(...items.map((i) => i.body.eventId)),
    } as unknown as Queue<EventMessage>;
    const now = new Date();
    await Promise.all([sweepOutbox({ db: db(), queue, now }), sweepOutbox({ db: db(), queue, now })]);
    await sweepOutbox({ db: db(), queue, now: new Date(now.getTime() + 60_000) });
    expect(sent.filter((id) => id === eventId)).toHaveLength(1);
  });

  it("an event whose fan-out keeps failing is given up after MAX_DISPATCH_ATTEMPTS claims", async () => {
    const eventId = await newEvent();
    const failing = {
      sendBatch: async () => {
        throw new Error("queue down");
      },
    } as unknown as Queue<DeliveriesMessage>;
    await makeEndpoint();
    for (let i = 0; i < MAX_DISPATCH_ATTEMPTS; i++) {
      await expect(dispatchEvent({ db: db(), deliveriesQueue: failing, now: new Date(), subscribers: [] }, eventId)).rejects.toThrow(
        "queue down",
      );
    }
    await dispatchEvent({ db: db(), deliveriesQueue: failing, now: new Date(), subscribers: [] }, eventId);
    const row = await db().select().from(events).where(eq(events.id, eventId)).get();
    expect(row!.dispatchedAt).not.toBeNull();
    expect(row!.dispatchError).toMatch(/given up/);
  });
});

describe("conversation status changes are claims", () => {
  const ctx = () => ({ db: db(), companyId: "co_acme", performedBy: { type: "system" as const, id: null, name: null }, now: new Date() });
  async function conversation() {
    const c = await createConversation(ctx(), {
      channel: "api",
      contact: { email: "race@example.com" },
      message: { body: "hi", author: "contact" },
    });
    return c.conversation.id;
  }
  const eventsOf = async (conversationId: string, type: string) =>
    (await env.DB.prepare("SELECT id FROM events WHERE type = ? AND json_extract(payload, '$.id') = ?").bind(type, conversationId).all())
      .results.length;

  it("two concurrent closes emit one conversation.closed", async () => {
    const id = await conversation();
    await Promise.all([setConversationStatus(ctx(), { id, status: "closed" }), setConversationStatus(ctx(), { id, status: "closed" })]);
    expect(await eventsOf(id, "conversation.closed")).toBe(1);
    expect(await eventsOf(id, "conversation.updated")).toBe(1);
  });

  it("an escalation racing a close never leaves a closed conversation escalated", async () => {
    const id = await conversation();
    const results = await Promise.allSettled([
      setConversationStatus(ctx(), { id, status: "closed" }),
      escalateConversation(ctx(), { id, reason: "race" }),
    ]);
    const row = await env.DB.prepare("SELECT status FROM conversations WHERE id = ?").bind(id).first<{ status: string }>();
    expect(row!.status).toBe("closed");
    expect(await eventsOf(id, "conversation.closed")).toBe(1);
    const escalation = results[1]!;
    if (escalation.status === "rejected") expect(escalation.reason).toBeInstanceOf(ConversationConflictError);
    else expect(await eventsOf(id, "escalation.triggered")).toBe(escalation.value!.events.length);
  });
});

describe("rotation keeps every secret it promised", () => {
  async function signedBy(endpointId: string) {
    const { deliveryId } = await makeDelivery(endpointId);
    const http = scriptedFetch([new Response("ok")]);
    await consume([{ deliveryId, run: 0, attempt: 1 }], http.fetch);
    return http.sent[0]!;
  }

  it("rotating twice within 24 hours still signs with S0 until its own expiry, in one Standard Webhooks header", async () => {
    const { endpoint, secret: s0 } = await makeEndpoint();
    const r1 = await rotateSecret(await endpointDeps(), endpoint.id);
    const r2 = await rotateSecret(await endpointDeps(), endpoint.id);
    if (!r1.ok || !r2.ok) throw new Error("rotation refused");
    const req = await signedBy(endpoint.id);
    // Space-delimited "v1,<base64>" signatures, as the Standard Webhooks spec sends several.
    expect(req.headers.get("webhook-signature")).toMatch(/^v1,[A-Za-z0-9+/=]+ v1,[A-Za-z0-9+/=]+ v1,[A-Za-z0-9+/=]+$/);
    for (const s of [s0, r1.value.secret, r2.value.secret]) expect(await signatureMatches(s, req.headers, req.body)).toBe(true);
    // S0 was promised until 24 h after the first rotation, S1 until 24 h after the second.
    const row = await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint.id)).get();
    expect(row!.olderSecretExpiresAt!.getTime()).toBeLessThanOrEqual(row!.previousSecretExpiresAt!.getTime());
    await db()
      .update(webhookEndpoints)
      .set({ olderSecretExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(webhookEndpoints.id, endpoint.id));
    const later = await signedBy(endpoint.id);
    expect(await signatureMatches(s0, later.headers, later.body)).toBe(false);
    expect(await signatureMatches(r1.value.secret, later.headers, later.body)).toBe(true);
  });

  it("a third rotation while two earlier secrets are honoured is refused (never more than three sign)", async () => {
    const { endpoint } = await makeEndpoint();
    await rotateSecret(await endpointDeps(), endpoint.id);
    await rotateSecret(await endpointDeps(), endpoint.id);
    const third = await rotateSecret(await endpointDeps(), endpoint.id);
    expect(third.ok).toBe(false);
    if (!third.ok && third.status === 400) expect(third.errors[""]![0]).toMatch(/Two earlier secrets are still honoured/);
  });

  it("two concurrent rotations both succeed and both revealed secrets sign", async () => {
    const { endpoint, secret: s0 } = await makeEndpoint();
    const [a, b] = await Promise.all([rotateSecret(await endpointDeps(), endpoint.id), rotateSecret(await endpointDeps(), endpoint.id)]);
    if (!a.ok || !b.ok) throw new Error("a rotation was refused");
    const req = await signedBy(endpoint.id);
    for (const s of [s0, a.value.secret, b.value.secret]) expect(await signatureMatches(s, req.headers, req.body)).toBe(true);
    const audits = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'webhook_endpoint.secret_rotated' AND target = ?",
    )
      .bind(endpoint.id)
      .first<{ n: number }>();
    expect(audits!.n).toBe(2);
  });
});

describe("auto-disable needs 5 days of continuous failure", () => {
  const DAY = 86400_000;
  async function failAt(endpointId: string, at: number) {
    const { deliveryId } = await makeDelivery(endpointId);
    const deps = await deliveryDeps(
      env,
      consumerOverrides(scriptedFetch([new Response("", { status: 500 })]).fetch, { now: () => new Date(at) }),
    );
    await handleDelivery(deps, { deliveryId, run: 0, attempt: 1 });
  }
  const statusOf = async (id: string) => (await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get())!.status;

  it("one failure on Monday and the next on Saturday is not continuous; failing every 20 hours for 5 days is", async () => {
    const t = Date.now();
    const { endpoint: quiet } = await makeEndpoint({ url: "https://quiet.example.com/h" });
    await failAt(quiet.id, t - 5 * DAY - 3600_000);
    await failAt(quiet.id, t - 60_000);
    const { endpoint: broken } = await makeEndpoint({ url: "https://broken.example.com/h" });
    for (let at = t - 5 * DAY - 3600_000; at < t; at += 20 * 3600_000) await failAt(broken.id, at);
    const disabled = await autoDisableFailingEndpoints({ db: db(), now: new Date(t) });
    expect(disabled).toContain(broken.id);
    expect(disabled).not.toContain(quiet.id);
    expect(await statusOf(quiet.id)).toBe("active");
    expect(await statusOf(broken.id)).toBe("disabled");
  });

  it("a URL change resets the clock; two cron runs at once disable once with one audit row", async () => {
    const t = Date.now();
    const { endpoint: moved } = await makeEndpoint({ url: "https://moved.example.com/h" });
    const { endpoint: broken } = await makeEndpoint({ url: "https://broken2.example.com/h" });
    for (let at = t - 5 * DAY - 3600_000; at < t; at += 20 * 3600_000) {
      await failAt(moved.id, at);
      await failAt(broken.id, at);
    }
    expect((await updateEndpoint(await endpointDeps(), moved.id, { url: "https://moved-new.example.com/h" })).ok).toBe(true);
    await Promise.all([
      autoDisableFailingEndpoints({ db: db(), now: new Date(t) }),
      autoDisableFailingEndpoints({ db: db(), now: new Date(t) }),
    ]);
    expect(await statusOf(moved.id)).toBe("active");
    expect(await statusOf(broken.id)).toBe("disabled");
    const audits = await env.DB.prepare("SELECT details FROM audit_log WHERE action = 'webhook_endpoint.disabled' AND target = ?")
      .bind(broken.id)
      .all<{ details: string }>();
    expect(audits.results).toHaveLength(1);
    expect(JSON.parse(audits.results[0]!.details)).toMatchObject({ reason: AUTO_DISABLE_REASON });
  });
});
