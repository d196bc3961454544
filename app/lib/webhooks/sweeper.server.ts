import { sql } from "drizzle-orm";
import { batchStatements, type Db } from "../db/client";
import type { DeliveriesMessage } from "../env";
import { newId } from "../ids";

/**
 * Queue messages can be lost (a local `wrangler dev` keeps them in memory, so a restart drops
 * every scheduled retry; in production a message can also outlive max_retries). A pending
 * delivery overdue by more than the grace period, and held by no consumer, is claimed by one
 * conditional UPDATE (so two cron runs never both re-send it) and sent to the queue again with
 * the run and attempt it is for: if the original message turns up after all, one of the two is
 * stale and acked unsent.
 *
 * Each re-send pushes the next one further out (k × grace after the k-th), and after
 * MAX_SWEEPS re-sends without a recorded attempt (about three hours) the delivery ends failed
 * with an attempt row saying so. Rows are taken most-overdue first and each re-send moves a row
 * to the back, so stuck rows cannot starve newer ones. `webhook.test` deliveries (sent inline
 * by the Test button, one attempt, never retried) are never re-sent: one left pending after its
 * lease (the request that was sending it died) is ended failed with an attempt row saying so.
 */
export const DELIVERY_SWEEP_GRACE_MS = 5 * 60 * 1000;
export const MAX_SWEEPS = 8;
export const SWEEP_GAVE_UP = `The delivery was re-queued ${MAX_SWEEPS} times without being picked up; it was ended.`;
export const TEST_UNFINISHED = "The test did not finish (the request sending it ended first). Send another test.";

export async function sweepStuckDeliveries({
  db,
  queue,
  now,
  limit = 500,
}: {
  db: Db;
  queue: Queue<DeliveriesMessage>;
  now: Date;
  limit?: number;
}) {
  const t = now.getTime();
  const cutoff = t - DELIVERY_SWEEP_GRACE_MS;
  const overdue = sql`d.status = 'pending' AND coalesce(d.next_attempt_at, d.updated_at) < ${cutoff}
    AND (d.lease_until IS NULL OR d.lease_until <= ${t})`;
  const isTest = sql`EXISTS (SELECT 1 FROM events e WHERE e.id = d.event_id AND e.type = 'webhook.test')`;
  const stuck = sql`${overdue} AND NOT ${isTest}`;
  const unfinishedTest = sql`${overdue} AND ${isTest}`;
  // Out of re-sends, or a Test that never finished: one recorded attempt and the end, in one transaction.
  await batchStatements(db, [
    sql`INSERT INTO delivery_attempts (id, company_id, delivery_id, n, at, duration_ms, status_code, request_headers, response_excerpt, error)
      SELECT ${newId("att", now)} || '_' || d.id, d.company_id, d.id,
        (SELECT coalesce(max(a.n), 0) + 1 FROM delivery_attempts a WHERE a.delivery_id = d.id), ${t}, 0, NULL, NULL, NULL, ${TEST_UNFINISHED}
      FROM deliveries d WHERE ${unfinishedTest}`,
    sql`UPDATE deliveries AS d SET status = 'failed', next_attempt_at = NULL, last_error = ${TEST_UNFINISHED}, updated_at = ${t}
      WHERE ${unfinishedTest}`,
    sql`INSERT INTO delivery_attempts (id, company_id, delivery_id, n, at, duration_ms, status_code, request_headers, response_excerpt, error)
      SELECT ${newId("att", now)} || '_' || d.id, d.company_id, d.id,
        (SELECT coalesce(max(a.n), 0) + 1 FROM delivery_attempts a WHERE a.delivery_id = d.id), ${t}, 0, NULL, NULL, NULL, ${SWEEP_GAVE_UP}
      FROM deliveries d WHERE ${stuck} AND d.sweeps >= ${MAX_SWEEPS}`,
    sql`UPDATE deliveries AS d SET status = 'failed', next_attempt_at = NULL, last_error = ${SWEEP_GAVE_UP}, updated_at = ${t}
      WHERE ${stuck} AND d.sweeps >= ${MAX_SWEEPS}`,
  ]);
  const claimed = await db.all<{
    id: string;
    run: number;
    attempts: number;
  }>(sql`UPDATE deliveries SET sweeps = sweeps + 1, next_attempt_at = ${t} + sweeps * ${DELIVERY_SWEEP_GRACE_MS}, updated_at = ${t}
    WHERE id IN (SELECT d.id FROM deliveries d WHERE ${stuck} ORDER BY coalesce(d.next_attempt_at, d.updated_at) LIMIT ${limit})
    RETURNING id, run, attempts`);
  for (let i = 0; i < claimed.length; i += 100) {
    await queue.sendBatch(claimed.slice(i, i + 100).map((r) => ({ body: { deliveryId: r.id, run: r.run, attempt: r.attempts + 1 } })));
  }
  return claimed.length;
}
