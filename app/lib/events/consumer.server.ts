import { and, eq, isNull, lte, or, sql } from "drizzle-orm";
import { batchingD1 } from "../db/batcher";
import type { Db } from "../db/client";
import { createDb } from "../db/client";
import { deliveries, events, webhookEndpoints } from "../db/schema";
import type { DeliveriesMessage, Env, EventsMessage } from "../env";
import { newId } from "../ids";
import { queueBackoffSeconds } from "../queues/backoff";
import { batchingQueue } from "../queues/batching-queue";
import { keepUnreadable } from "../queues/dead-letters.server";
import { readEventsMessage } from "../queues/messages";
import type { EventRow, InboundRegistry, IntegrationSubscriber } from "./subscribers.server";

type Target = { targetKind: "webhook" | "integration"; targetId: string; delaySeconds?: number };

/**
 * Active endpoints of the event's company subscribed to its type that existed when it happened
 * (a re-run of an interrupted fan-out must not reach endpoints created since). webhook.test is
 * never fanned out.
 */
async function webhookTargets(db: Db, event: EventRow): Promise<Target[]> {
  if (event.type === "webhook.test") return [];
  const rows = await db
    .select({ id: webhookEndpoints.id, events: webhookEndpoints.events })
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.companyId, event.companyId),
        eq(webhookEndpoints.status, "active"),
        lte(webhookEndpoints.createdAt, event.createdAt),
      ),
    );
  return rows
    .filter((r) => Array.isArray(r.events) && (r.events as string[]).includes(event.type))
    .map((r) => ({ targetKind: "webhook", targetId: r.id }));
}

/** How long a claim holds an event's fan-out, and how many claims an event gets before it is given up. */
export const DISPATCH_LEASE_MS = 60_000;
export const MAX_DISPATCH_ATTEMPTS = 10;

/**
 * Fans one event out (docs/decisions/0030-engine-claims.md). The event is claimed first with one
 * conditional UPDATE (not yet dispatched, no live lease): a duplicate message, a sweeper re-send
 * or a second consumer finds nothing to claim and sends nothing. The claimant inserts one
 * `deliveries` row per subscriber (ON CONFLICT DO NOTHING: a re-run after a crash adds none
 * twice), enqueues the first attempt of every row not yet tried, and marks the event dispatched.
 * After MAX_DISPATCH_ATTEMPTS claims the event is marked dispatched with the error instead.
 * Returns the number of delivery targets.
 */
export async function dispatchEvent(
  {
    db,
    deliveriesQueue,
    now,
    subscribers = [],
  }: { db: Db; deliveriesQueue: Queue<DeliveriesMessage>; now: Date; subscribers?: IntegrationSubscriber[] },
  eventId: string,
): Promise<number> {
  const leaseUntil = new Date(now.getTime() + DISPATCH_LEASE_MS);
  const [event] = await db
    .update(events)
    .set({ dispatchLeaseUntil: leaseUntil, dispatchAttempts: sql`${events.dispatchAttempts} + 1` })
    .where(
      and(eq(events.id, eventId), isNull(events.dispatchedAt), or(isNull(events.dispatchLeaseUntil), lte(events.dispatchLeaseUntil, now))),
    )
    .returning();
  if (!event) return 0; // dispatched already, held by another consumer, or never committed
  if (event.dispatchAttempts > MAX_DISPATCH_ATTEMPTS) {
    console.error("event fan-out given up", event.id);
    await db
      .update(events)
      .set({ dispatchedAt: now, dispatchLeaseUntil: null, dispatchError: `Fan-out failed ${MAX_DISPATCH_ATTEMPTS} times; given up.` })
      .where(eq(events.id, event.id));
    return 0;
  }
  try {
    // asked together: one round trip (shared with the rest of a queue batch on a coalescing binding)
    const found = await Promise.all([
      webhookTargets(db, event),
      ...(event.type === "webhook.test" ? [] : subscribers.map((subscriber) => subscriber(db, event))),
    ]);
    const targets: Target[] = found.flat();
    if (targets.length > 0) {
      // The rows, then (same transaction, same round trip) every row of the event not yet tried:
      // rows a crashed earlier claim inserted but may not have enqueued are enqueued again; the
      // deliveries consumer's claim makes a duplicate message harmless.
      const results = await db.batch([
        ...targets.map((t) =>
          db
            .insert(deliveries)
            .values({
              id: newId("dlv", now),
              companyId: event.companyId,
              eventId: event.id,
              targetKind: t.targetKind,
              targetId: t.targetId,
              // A held-back first attempt (an integration's grace window): the sweeper waits for it too.
              nextAttemptAt: t.delaySeconds ? new Date(now.getTime() + t.delaySeconds * 1000) : null,
              createdAt: now,
              updatedAt: now,
            })
            .onConflictDoNothing({ target: [deliveries.eventId, deliveries.targetKind, deliveries.targetId] }),
        ),
        db
          .select({ id: deliveries.id, run: deliveries.run, nextAttemptAt: deliveries.nextAttemptAt })
          .from(deliveries)
          .where(
            and(
              eq(deliveries.eventId, event.id),
              eq(deliveries.companyId, event.companyId),
              eq(deliveries.status, "pending"),
              eq(deliveries.attempts, 0),
            ),
          ),
      ] as unknown as Parameters<Db["batch"]>[0]);
      const fresh = (results as unknown as unknown[])[targets.length] as { id: string; run: number; nextAttemptAt: Date | null }[];
      for (let i = 0; i < fresh.length; i += 100) {
        await deliveriesQueue.sendBatch(
          fresh.slice(i, i + 100).map((r) => {
            const body = { deliveryId: r.id, run: r.run, attempt: 1 };
            const wait = r.nextAttemptAt ? Math.ceil((r.nextAttemptAt.getTime() - now.getTime()) / 1000) : 0;
            return wait > 0 ? { body, delaySeconds: wait } : { body };
          }),
        );
      }
    }
    await db
      .update(events)
      .set({ dispatchedAt: now, dispatchLeaseUntil: null })
      .where(and(eq(events.id, event.id), isNull(events.dispatchedAt)));
    return targets.length;
  } catch (error) {
    // Let the next message (the queue's retry, or the sweeper's) claim it at once.
    await db
      .update(events)
      .set({ dispatchLeaseUntil: null })
      .where(and(eq(events.id, event.id), eq(events.dispatchLeaseUntil, leaseUntil)))
      .catch(() => {});
    throw error;
  }
}

/**
 * The EVENTS queue's consumer. Each message is what its tag says (queues/messages.ts): an outbox
 * event to fan out, or an inbound provider callback for the adapter that registered for it. Acks
 * or retries per message, never the whole batch; a message nobody can read is kept as a dead
 * letter at once (retrying it could not help).
 *
 * The batch's events fan out side by side on one coalescing D1 binding (ADR 0125): their claims
 * share one round trip, their target look-ups one, their inserts one and their dispatched marks
 * one, however many events the batch holds, and their first attempts one producer call per 100
 * (ADR 0145). Each fan-out keeps its own claim; a statement failing
 * fails the others of its round trip too, and those events are retried (their claims released).
 */
export async function consumeEvents(
  batch: MessageBatch<EventsMessage>,
  env: Env,
  _ctx: ExecutionContext,
  { subscribers = [], inbound = new Map() }: { subscribers?: IntegrationSubscriber[]; inbound?: InboundRegistry } = {},
): Promise<void> {
  const db = createDb(env.DB);
  const fanOutDb = createDb(batchingD1(env.DB));
  // ...and one producer: the batch's first attempts go to the deliveries queue in sendBatch calls of
  // up to 100, not one call per event (ADR 0145)
  const deliveriesQueue = batchingQueue(env.DELIVERIES);
  const fanOuts: Promise<void>[] = [];
  const rest: { message: Message<EventsMessage>; m: EventsMessage | null }[] = [];
  for (const message of batch.messages) {
    const m = readEventsMessage(message.body);
    if (m?.kind === "event")
      fanOuts.push(
        settle(message, m.eventId, () => dispatchEvent({ db: fanOutDb, deliveriesQueue, now: new Date(), subscribers }, m.eventId)),
      );
    else rest.push({ message, m });
  }
  await Promise.all(fanOuts);
  for (const { message, m } of rest) {
    const handler = m?.kind === "inbound" ? inbound.get(m.provider) : undefined;
    const ref = m?.kind === "inbound" ? `${m.provider}:${m.id}` : message.id;
    await settle(message, ref, async () => {
      if (m?.kind === "inbound" && handler)
        await handler({ db, kv: env.KV, env, fetch: (input, init) => fetch(input, init), now: () => new Date() }, m.id);
      else await keepUnreadable(db, batch.queue, message, new Date());
    });
  }
}

/** Runs one message's work: acked when it succeeds, retried with the queue backoff when it throws. */
async function settle(message: Message<EventsMessage>, ref: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
    message.ack();
  } catch (error) {
    console.error("events consumer failed", ref, error instanceof Error ? error.message : "unknown");
    message.retry({ delaySeconds: queueBackoffSeconds(message.attempts) });
  }
}
