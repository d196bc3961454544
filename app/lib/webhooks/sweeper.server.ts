import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { deliveries } from "../db/schema";
import type { DeliveriesMessage } from "../env";

/**
 * Queue messages can be lost (a local `wrangler dev` keeps them in memory, so a restart drops
 * every scheduled retry; in production a message can also outlive max_retries). A pending
 * delivery whose next attempt is overdue by more than the grace period is sent to the queue
 * again. The consumer acks a delivery that became final meanwhile, and receivers dedupe by
 * webhook-id, so a rare duplicate is harmless; a lost delivery is not.
 */
export const DELIVERY_SWEEP_GRACE_MS = 5 * 60 * 1000;

export async function sweepStuckDeliveries({ db, queue, now, limit = 500 }: { db: Db; queue: Queue<DeliveriesMessage>; now: Date; limit?: number }) {
  const cutoff = now.getTime() - DELIVERY_SWEEP_GRACE_MS;
  const due = sql`coalesce(${deliveries.nextAttemptAt}, ${deliveries.updatedAt})`;
  const stuck = await db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(eq(deliveries.status, "pending"), lt(due, cutoff)))
    .orderBy(asc(due))
    .limit(limit);
  if (stuck.length === 0) return 0;
  // Push the due time forward so the next tick does not send the same rows again before the consumer ran.
  const ids = stuck.map((r) => r.id);
  for (let i = 0; i < ids.length; i += 50) {
    const chunk = ids.slice(i, i + 50);
    await db.update(deliveries).set({ nextAttemptAt: now }).where(and(eq(deliveries.status, "pending"), inArray(deliveries.id, chunk)));
  }
  for (let i = 0; i < ids.length; i += 100) {
    await queue.sendBatch(ids.slice(i, i + 100).map((id) => ({ body: { deliveryId: id } })));
  }
  return ids.length;
}
