import { type SQL, sql } from "drizzle-orm";
import { batchStatements, type Db } from "./db/client";
import type { RetentionWindows } from "./retention";

/**
 * The cron's purge of expired history (docs/decisions/0087-retention.md). Each table is purged
 * oldest first in batches of at most `batchSize` rows, each batch one short D1 transaction found
 * through an index on the time column (migrations/0135_retention_indexes.sql), and at most
 * `maxBatches` per table per run, so a tick never holds the database for long and a backlog
 * drains over a few ticks. What is never purged, whatever its age:
 * - a pending delivery (waiting for a retry, or held by a consumer), nor any of its attempts;
 * - an event not yet dispatched (the outbox sweeper still owes it a fan-out), one a delivery
 *   still points at (its body is built from the event), or one a pending replay send will send.
 * Outbox rows are the events table itself; dead letters keep their own 30-day rule
 * (queues/dead-letters.server.ts).
 */
type PurgeCounts = { attempts: number; deliveries: number; events: number; audit: number };

const PURGE_BATCH_SIZE = 500;
const PURGE_MAX_BATCHES = 20;

const DAY_MS = 86_400_000;

const cutoffOf = (now: Date, windowDays: number) => now.getTime() - windowDays * DAY_MS;

/** A finished delivery whose last activity is before the cutoff, oldest first. */
const expiredDeliveries = (cutoff: number, n: number) =>
  sql`SELECT id FROM deliveries WHERE updated_at < ${cutoff} AND status <> 'pending' ORDER BY updated_at LIMIT ${n}`;

/** Statements of one batch per table; each batch is one transaction, and reports rows deleted from its main table (last statement). */
function batches(w: RetentionWindows, now: Date, n: number): Record<keyof PurgeCounts, SQL[]> {
  const deliveriesCutoff = cutoffOf(now, w.deliveriesDays);
  return {
    attempts: [
      sql`DELETE FROM delivery_attempts WHERE id IN (
        SELECT a.id FROM delivery_attempts a
        WHERE a.at < ${cutoffOf(now, w.attemptsDays)}
          AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = a.delivery_id AND d.status = 'pending')
        ORDER BY a.at LIMIT ${n})`,
    ],
    // A delivery's attempts go with it. Both statements pick the same rows: one transaction,
    // nothing between them changes deliveries, and the subquery walks the same index the same way.
    deliveries: [
      sql`DELETE FROM delivery_attempts WHERE delivery_id IN (${expiredDeliveries(deliveriesCutoff, n)})`,
      sql`DELETE FROM deliveries WHERE id IN (${expiredDeliveries(deliveriesCutoff, n)})`,
    ],
    // dispatched_at < cutoff: dispatched (so never an outbox row still owed a fan-out) and old.
    // Events outlive their deliveries' window, so the rows skipped for a live delivery stay few.
    events: [
      sql`DELETE FROM events WHERE id IN (
        SELECT e.id FROM events e
        WHERE e.dispatched_at < ${cutoffOf(now, Math.max(w.eventsDays, w.deliveriesDays))}
          AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)
          AND NOT EXISTS (SELECT 1 FROM webhook_replay_sends s WHERE s.event_id = e.id AND s.status = 'pending')
        ORDER BY e.dispatched_at LIMIT ${n})`,
    ],
    audit: [
      sql`DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ${cutoffOf(now, w.auditDays)} ORDER BY at LIMIT ${n})`,
    ],
  };
}

export async function purgeExpiredHistory({
  db,
  now,
  windows,
  batchSize = PURGE_BATCH_SIZE,
  maxBatches = PURGE_MAX_BATCHES,
}: {
  db: Db;
  now: Date;
  windows: RetentionWindows;
  batchSize?: number;
  maxBatches?: number;
}): Promise<PurgeCounts & { batches: number }> {
  const counts: PurgeCounts = { attempts: 0, deliveries: 0, events: 0, audit: 0 };
  let total = 0;
  const plan = batches(windows, now, batchSize);
  // Deliveries before events: an event goes only once no delivery points at it.
  for (const table of ["attempts", "deliveries", "events", "audit"] as const) {
    for (let i = 0; i < maxBatches; i++) {
      const results = await batchStatements(db, plan[table]);
      total++;
      const deleted = results[results.length - 1]?.meta.changes ?? 0;
      counts[table] += deleted;
      if (table === "deliveries") counts.attempts += results[0]?.meta.changes ?? 0;
      if (deleted < batchSize) break;
    }
  }
  // The sparklines' rollup (≤ 24 hours shown; two days kept) is at most 48 rows per endpoint: one statement.
  await db.run(sql`DELETE FROM endpoint_hourly WHERE hour < ${now.getTime() - 2 * DAY_MS}`);
  // An actor whose audit rows have all expired leaves the "Who" filter with them (one row per actor: one statement).
  await db.run(sql`DELETE FROM audit_actors WHERE last_at < ${cutoffOf(now, windows.auditDays)}`);
  return { ...counts, batches: total };
}
