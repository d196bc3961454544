import { and, desc, eq, gte, lt, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { compiledInsert } from "../db/compiled";
import { type EventType, events, type PerformedBy } from "../db/schema";
import type { EventsMessage } from "../env";
import { newId } from "../ids";

export type PendingEvent = { id: string; type: EventType };

// Built once per isolate (ADR 0171): every state change writes one or more of these.
const insertEvent = compiledInsert(events);

/**
 * The outbox half of a state change: an `events` insert to put in the SAME db.batch as the rows
 * it describes, so either both are written or neither is.
 */
export function eventInsert(
  db: Db,
  input: { companyId: string; type: EventType; payload: Record<string, unknown>; performedBy: PerformedBy; now: Date; order?: number },
) {
  // `order` keeps several events of one change in sequence: their ids sort in that order even
  // though they share created_at (ids are time-sortable only to the millisecond).
  const id = newId("evt", new Date(input.now.getTime() + (input.order ?? 0)));
  const statement = insertEvent(db, {
    id,
    companyId: input.companyId,
    type: input.type,
    payload: input.payload,
    performedBy: input.performedBy,
    createdAt: input.now,
  });
  return { id, type: input.type, statement };
}

/**
 * After the batch commits: hand the event ids to the queue. A failed send is only logged (ids,
 * never payloads): the cron sweeper re-enqueues events still undispatched after a minute.
 */
export async function enqueueEvents(queue: Queue<EventsMessage> | undefined, pending: readonly PendingEvent[]): Promise<void> {
  if (!queue || pending.length === 0) return;
  try {
    if (pending.length === 1) await queue.send({ kind: "event", eventId: pending[0]!.id });
    else await queue.sendBatch(pending.map((e) => ({ body: { kind: "event", eventId: e.id } })));
  } catch (error) {
    console.error(
      "events enqueue failed; the sweeper will retry",
      pending.map((e) => e.id).join(","),
      error instanceof Error ? error.name : "unknown",
    );
  }
}

/** The public shape of an event: the same object a webhook receives as its body. */
export function eventRepresentation(row: typeof events.$inferSelect) {
  return {
    id: row.id,
    type: row.type,
    created_at: row.createdAt.toISOString(),
    company_id: row.companyId,
    data: row.payload,
    performed_by: row.performedBy,
  };
}

/**
 * The event log, newest first in commit order (`seq`), so an event whose change committed late is
 * listed above every event a poller has already seen. The cursor is the id of the last event of
 * the previous page; the next page holds the events committed before it. `since` filters on
 * created_at (when the change was made), which can be earlier than the commit: see
 * EVENTS_POLL_OVERLAP_SECONDS.
 */
export async function listEvents({
  db,
  companyId,
  type,
  since,
  cursor,
  limit,
}: {
  db: Db;
  companyId: string;
  type?: EventType;
  since?: Date;
  cursor?: string;
  limit: number;
}) {
  const cursorSeq = cursor ? sql`(SELECT c.seq FROM ${events} c WHERE c.company_id = ${companyId} AND c.id = ${cursor})` : undefined;
  const rows = await db
    .select()
    .from(events)
    .where(
      and(
        eq(events.companyId, companyId),
        type ? eq(events.type, type) : undefined,
        since ? gte(events.createdAt, since) : undefined,
        cursorSeq ? lt(events.seq, cursorSeq) : undefined,
      ),
    )
    .orderBy(desc(events.seq))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return { data: page.map(eventRepresentation), next_cursor: rows.length > limit ? page[page.length - 1]!.id : null };
}

/**
 * How far back a poller filtering with `since` should re-ask: created_at is stamped when a change
 * is made and the event is listed once the change commits. Every write that emits events commits
 * within one request or queue invocation, so an event is listed within this window of its
 * created_at. Pollers keep the ids they have seen for this long and skip repeats.
 */
export const EVENTS_POLL_OVERLAP_SECONDS = 300;
