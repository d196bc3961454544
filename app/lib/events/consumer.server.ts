import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { createDb } from "../db/client";
import { deliveries, events, webhookEndpoints } from "../db/schema";
import type { DeliveriesMessage, Env, EventsMessage } from "../env";
import { newId } from "../ids";
import type { EventRow, IntegrationSubscriber } from "./subscribers.server";

type Target = { targetKind: "webhook" | "integration"; targetId: string; delaySeconds?: number };

/** Active endpoints of the event's company subscribed to its type. webhook.test is never fanned out. */
async function webhookTargets(db: Db, event: EventRow): Promise<Target[]> {
  if (event.type === "webhook.test") return [];
  const rows = await db
    .select({ id: webhookEndpoints.id, events: webhookEndpoints.events })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.companyId, event.companyId), eq(webhookEndpoints.status, "active")));
  return rows.filter((r) => Array.isArray(r.events) && (r.events as string[]).includes(event.type)).map((r) => ({ targetKind: "webhook", targetId: r.id }));
}

/**
 * Fans one event out: one `deliveries` row per subscriber (ON CONFLICT DO NOTHING makes a
 * redelivered queue message harmless), one DELIVERIES message per row, then marks the event
 * dispatched. Returns the number of deliveries enqueued.
 */
export async function dispatchEvent(
  { db, deliveriesQueue, now, subscribers = [] }: { db: Db; deliveriesQueue: Queue<DeliveriesMessage>; now: Date; subscribers?: IntegrationSubscriber[] },
  eventId: string,
): Promise<number> {
  const event = await db.select().from(events).where(eq(events.id, eventId)).get();
  if (!event) return 0; // nothing to fan out (purged or never committed)
  const targets: Target[] = [...(await webhookTargets(db, event))];
  if (event.type !== "webhook.test") for (const subscriber of subscribers) targets.push(...(await subscriber(db, event)));

  if (targets.length > 0) {
    await db.batch(
      targets.map((t) =>
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
      ) as [never, ...never[]],
    );
    // A redelivered message for an event already dispatched sends nothing more. One whose first
    // run died between insert and send re-sends the pending rows (the deliveries consumer acks
    // rows already succeeded).
    if (event.dispatchedAt) return 0;
    const rows = await db
      .select({ id: deliveries.id, status: deliveries.status, nextAttemptAt: deliveries.nextAttemptAt })
      .from(deliveries)
      .where(and(eq(deliveries.eventId, event.id), eq(deliveries.companyId, event.companyId)));
    const pending = rows.filter((r) => r.status === "pending");
    for (let i = 0; i < pending.length; i += 100) {
      await deliveriesQueue.sendBatch(
        pending.slice(i, i + 100).map((r) => {
          const wait = r.nextAttemptAt ? Math.ceil((r.nextAttemptAt.getTime() - now.getTime()) / 1000) : 0;
          return wait > 0 ? { body: { deliveryId: r.id }, delaySeconds: wait } : { body: { deliveryId: r.id } };
        }),
      );
    }
  }
  if (!event.dispatchedAt) {
    await db.update(events).set({ dispatchedAt: now }).where(and(eq(events.id, event.id), isNull(events.dispatchedAt)));
  }
  return targets.length;
}

/** The `events` consumer. Acks or retries per message, never the whole batch. */
export async function consumeEvents(batch: MessageBatch<EventsMessage>, env: Env, _ctx: ExecutionContext, { subscribers = [] }: { subscribers?: IntegrationSubscriber[] } = {}): Promise<void> {
  const db = createDb(env.DB);
  for (const message of batch.messages) {
    try {
      const eventId = message.body?.eventId;
      if (typeof eventId !== "string") {
        message.ack();
        continue;
      }
      await dispatchEvent({ db, deliveriesQueue: env.DELIVERIES, now: new Date(), subscribers }, eventId);
      message.ack();
    } catch (error) {
      console.error("events consumer failed", message.body?.eventId, error instanceof Error ? error.message : "unknown");
      message.retry({ delaySeconds: Math.min(300, 5 * 2 ** Math.min(message.attempts, 6)) });
    }
  }
}
