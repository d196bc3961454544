import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { EventsMessage } from "../env";

/**
 * Events still undispatched a minute after they were written are sent to the queue again
 * (docs/decisions/0101-outbox-sweep-backoff.md). Each is claimed for the re-send by one conditional
 * UPDATE, so two cron runs never both send it. Each re-send pushes the next one further out
 * (5 min, 10, 20 … doubling up to 12 h), and the sweeper takes the least re-sent first (then the
 * oldest): an event stuck behind a consumer that never claims it moves to the back and cannot
 * starve newer ones. After MAX_OUTBOX_SWEEPS re-sends (about three days) the sweeper gives the
 * event up: dispatched_at is set with dispatch_error saying so, and it is never re-sent again.
 * An event whose fan-out is claimed and keeps failing is ended sooner by the consumer's
 * MAX_DISPATCH_ATTEMPTS.
 */
export const OUTBOX_GRACE_MS = 60_000;
export const OUTBOX_RESWEEP_MS = 5 * 60_000;
export const OUTBOX_RESWEEP_MAX_MS = 12 * 60 * 60_000;
export const MAX_OUTBOX_SWEEPS = 12;
export const OUTBOX_GAVE_UP = `The event was re-sent to the queue ${MAX_OUTBOX_SWEEPS} times and never fanned out; the sweeper gave it up.`;

export async function sweepOutbox({ db, queue, now, limit = 500 }: { db: Db; queue: Queue<EventsMessage>; now: Date; limit?: number }) {
  const t = now.getTime();
  const due = sql`dispatched_at IS NULL AND created_at < ${t - OUTBOX_GRACE_MS}
    AND coalesce(next_sweep_at, 0) <= ${t}
    AND (dispatch_lease_until IS NULL OR dispatch_lease_until <= ${t})`;
  // Out of re-sends and the last one had its full wait: given up, visibly, never re-sent.
  const gaveUp = await db.all<{ id: string }>(sql`UPDATE events SET dispatched_at = ${t}, dispatch_error = ${OUTBOX_GAVE_UP}
    WHERE ${due} AND sweeps >= ${MAX_OUTBOX_SWEEPS} RETURNING id`);
  if (gaveUp.length > 0)
    console.error(
      "outbox sweeper gave up events",
      gaveUp.length,
      gaveUp.slice(0, 10).map((e) => e.id),
    );
  // The page walks the (dispatched_at, sweeps, created_at) index in order: never a sort of every undispatched event.
  const stale = await db.all<{ id: string }>(sql`UPDATE events
    SET swept_at = ${t}, sweeps = sweeps + 1,
      next_sweep_at = ${t} + min(${OUTBOX_RESWEEP_MS} * (1 << min(sweeps, 20)), ${OUTBOX_RESWEEP_MAX_MS})
    WHERE id IN (
      SELECT id FROM events INDEXED BY events_outbox_sweep_idx WHERE ${due} AND sweeps < ${MAX_OUTBOX_SWEEPS}
      ORDER BY sweeps, created_at LIMIT ${limit})
    RETURNING id`);
  for (let i = 0; i < stale.length; i += 100) {
    await queue.sendBatch(stale.slice(i, i + 100).map((e) => ({ body: { kind: "event" as const, eventId: e.id } })));
  }
  return stale.length;
}
