import { and, asc, isNull, lt } from "drizzle-orm";
import type { Db } from "../db/client";
import { events } from "../db/schema";
import type { EventsMessage } from "../env";

/** Events still undispatched a minute after they were written are sent to the queue again. */
export async function sweepOutbox({ db, queue, now, limit = 500 }: { db: Db; queue: Queue<EventsMessage>; now: Date; limit?: number }) {
  const stale = await db
    .select({ id: events.id })
    .from(events)
    .where(and(isNull(events.dispatchedAt), lt(events.createdAt, new Date(now.getTime() - 60_000))))
    .orderBy(asc(events.createdAt))
    .limit(limit);
  if (stale.length === 0) return 0;
  for (let i = 0; i < stale.length; i += 100) {
    await queue.sendBatch(stale.slice(i, i + 100).map((e) => ({ body: { eventId: e.id } })));
  }
  return stale.length;
}
