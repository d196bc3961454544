import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { EventsMessage } from "../env";

/**
 * Events still undispatched a minute after they were written are sent to the queue again. Each
 * is claimed for the re-send by one conditional UPDATE (stamping swept_at), so two cron runs
 * never both send it, and it is not sent again for OUTBOX_RESWEEP_MS however far behind the
 * consumer is. Oldest-swept first: a stuck event moves to the back and cannot starve newer ones.
 * An event whose fan-out keeps failing is ended by the consumer's MAX_DISPATCH_ATTEMPTS.
 */
export const OUTBOX_GRACE_MS = 60_000;
export const OUTBOX_RESWEEP_MS = 5 * 60_000;

export async function sweepOutbox({ db, queue, now, limit = 500 }: { db: Db; queue: Queue<EventsMessage>; now: Date; limit?: number }) {
  const t = now.getTime();
  const stale = await db.all<{ id: string }>(sql`UPDATE events SET swept_at = ${t}
    WHERE id IN (
      SELECT id FROM events
      WHERE dispatched_at IS NULL AND created_at < ${t - OUTBOX_GRACE_MS}
        AND (swept_at IS NULL OR swept_at <= ${t - OUTBOX_RESWEEP_MS})
        AND (dispatch_lease_until IS NULL OR dispatch_lease_until <= ${t})
      ORDER BY coalesce(swept_at, 0), created_at LIMIT ${limit})
    RETURNING id`);
  for (let i = 0; i < stale.length; i += 100) {
    await queue.sendBatch(stale.slice(i, i + 100).map((e) => ({ body: { kind: "event" as const, eventId: e.id } })));
  }
  return stale.length;
}
