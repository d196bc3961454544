import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { auditInsert } from "../audit.server";
import { batchStatements, type Db } from "../db/client";
import { deliveries, events, webhookEndpoints, webhookReplaySends, webhookReplays } from "../db/schema";
import type { ReplaySendMessage } from "../env";
import { newId } from "../ids";
import type { EndpointDeps, Result } from "./endpoints.server";
import { findEndpointRow } from "./endpoints.server";
import { MAX_REPLAY_EVENTS } from "./receiver-tools";
import { checkWebhookUrl } from "./url-guard";

/**
 * Replay anywhere (issue 18, docs/decisions/0085-verify-and-replay-anywhere.md): one delivery, or
 * every delivery of an endpoint created in a time range, sent again to another URL (a staging
 * receiver, say). Each event becomes a webhook_replay_sends row and one DELIVERIES queue message;
 * the endpoint's own deliveries, attempts and health counters are never written. The sends are
 * signed with the endpoint's secret(s) and keep the event id as webhook-id (it is the same message).
 */

export type ReplayMessage = ReplaySendMessage;

export function isReplayMessage(body: unknown): body is ReplayMessage {
  return (
    typeof body === "object" &&
    body !== null &&
    (body as ReplayMessage).kind === "replay" &&
    typeof (body as ReplayMessage).replaySendId === "string"
  );
}

export type ReplayInput = { url: string; deliveryId: string } | { url: string; from: Date; to: Date };

export type ReplaySummary = {
  id: string;
  endpointId: string;
  url: string;
  deliveryId: string | null;
  rangeFrom: Date | null;
  rangeTo: Date | null;
  total: number;
  pending: number;
  succeeded: number;
  failed: number;
  createdBy: string;
  createdAt: Date;
};

export type ReplaySendView = {
  id: string;
  eventId: string;
  eventType: string | null;
  status: "pending" | "succeeded" | "failed";
  statusCode: number | null;
  error: string | null;
  durationMs: number | null;
  attemptedAt: Date | null;
};

type StartDeps = EndpointDeps & { queue: Queue<ReplayMessage> };

const invalid = (field: string, message: string): Result<never> => ({ ok: false, status: 400, errors: { [field]: [message] } });

/** Validates, records the replay and its sends in one transaction, then queues one message per send. */
export async function startReplay(deps: StartDeps, endpointId: string, input: ReplayInput): Promise<Result<ReplaySummary>> {
  const endpoint = await findEndpointRow(deps.db, deps.companyId, endpointId);
  if (!endpoint) return { ok: false, status: 404 };
  const verdict = checkWebhookUrl(input.url, deps.policy);
  if (!verdict.ok) return invalid("url", verdict.reason);
  const single = "deliveryId" in input;
  if (!single) {
    if (Number.isNaN(input.from.getTime())) return invalid("from", "Enter a start date and time.");
    if (Number.isNaN(input.to.getTime())) return invalid("to", "Enter an end date and time.");
    if (input.from > deps.now) return invalid("from", "Choose a start in the past.");
    if (input.to <= input.from) return invalid("to", "The end must be after the start.");
  } else if (typeof input.deliveryId !== "string" || input.deliveryId.length > 100) {
    return invalid("delivery_id", "No delivery with that id on this endpoint.");
  }
  const ofEndpoint = sql`d.company_id = ${deps.companyId} AND d.target_kind = 'webhook' AND d.target_id = ${endpoint.id}`;
  const chosen = single
    ? sql`${ofEndpoint} AND d.id = ${input.deliveryId}`
    : sql`${ofEndpoint} AND d.created_at >= ${input.from.getTime()} AND d.created_at <= ${input.to.getTime()}`;
  const found = await deps.db.get<{ n: number }>(
    sql`SELECT count(*) AS n FROM (SELECT 1 FROM deliveries d WHERE ${chosen} LIMIT ${MAX_REPLAY_EVENTS + 1})`,
  );
  const n = found?.n ?? 0;
  if (n === 0)
    return single
      ? invalid("delivery_id", "No delivery with that id on this endpoint.")
      : invalid("from", "No deliveries of this endpoint were created in that range.");
  if (n > MAX_REPLAY_EVENTS) return invalid("from", `That range holds more than ${MAX_REPLAY_EVENTS} deliveries; choose a shorter one.`);

  const now = deps.now;
  const id = newId("rpl", now);
  const createdBy = deps.actor.label ?? deps.actor.type;
  const range = single ? { from: null, to: null } : { from: input.from.getTime(), to: input.to.getTime() };
  const [inserted] = await batchStatements(deps.db, [
    sql`INSERT INTO webhook_replay_sends (id, company_id, replay_id, event_id, status, sweeps, created_at)
      SELECT ${newId("rps", now)} || '_' || d.id, d.company_id, ${id}, d.event_id, 'pending', 0, ${now.getTime()}
      FROM deliveries d WHERE ${chosen} ORDER BY d.created_at, d.id LIMIT ${MAX_REPLAY_EVENTS}
      RETURNING id`,
    sql`INSERT INTO webhook_replays (id, company_id, endpoint_id, url, delivery_id, range_from, range_to, total, created_by, created_at)
      VALUES (${id}, ${deps.companyId}, ${endpoint.id}, ${verdict.url.toString()}, ${single ? input.deliveryId : null}, ${range.from}, ${range.to},
        (SELECT count(*) FROM webhook_replay_sends WHERE replay_id = ${id}), ${createdBy}, ${now.getTime()})`,
    auditInsert(deps.db, {
      companyId: deps.companyId,
      actor: deps.actor,
      action: "webhook_endpoint.replayed_elsewhere",
      target: endpoint.id,
      details: {
        url: verdict.url.toString(),
        ...(single ? { delivery: input.deliveryId } : { from: input.from.toISOString(), to: input.to.toISOString() }),
      },
      ip: deps.ip ?? null,
      at: now,
    }),
  ]);
  const sendIds = (inserted!.results as { id: string }[]).map((r) => r.id);
  try {
    for (let i = 0; i < sendIds.length; i += 100)
      await deps.queue.sendBatch(sendIds.slice(i, i + 100).map((replaySendId) => ({ body: { kind: "replay" as const, replaySendId } })));
  } catch (error) {
    // The sends are written: the cron sweeper queues them once they are overdue.
    console.error("replay enqueue failed; the sweeper will resend", id, error instanceof Error ? error.name : "unknown");
  }
  return {
    ok: true,
    value: {
      id,
      endpointId: endpoint.id,
      url: verdict.url.toString(),
      deliveryId: single ? input.deliveryId : null,
      rangeFrom: single ? null : input.from,
      rangeTo: single ? null : input.to,
      total: sendIds.length,
      pending: sendIds.length,
      succeeded: 0,
      failed: 0,
      createdBy,
      createdAt: now,
    },
  };
}

// Aliased: D1 batches key result columns by name, and the three expressions differ only in a bound value.
const counted = (status: "pending" | "succeeded" | "failed") =>
  sql<number>`coalesce(sum(case when ${webhookReplaySends.status} = ${status} then 1 else 0 end), 0)`.mapWith(Number).as(`n_${status}`);

function summaries(db: Db, companyId: string, endpointId: string, replayId?: string) {
  return db
    .select({
      r: webhookReplays,
      pending: counted("pending"),
      succeeded: counted("succeeded"),
      failed: counted("failed"),
    })
    .from(webhookReplays)
    .leftJoin(webhookReplaySends, and(eq(webhookReplaySends.replayId, webhookReplays.id), eq(webhookReplaySends.companyId, companyId)))
    .where(
      and(
        eq(webhookReplays.companyId, companyId),
        eq(webhookReplays.endpointId, endpointId),
        replayId === undefined ? undefined : eq(webhookReplays.id, replayId),
      ),
    )
    .groupBy(webhookReplays.id)
    .orderBy(desc(webhookReplays.createdAt), desc(webhookReplays.id));
}

/** The sends of one replay of this endpoint: `replayId`, or the latest when none is named. */
function sendsOf(db: Db, companyId: string, endpointId: string, replayId?: string | null) {
  const replay = db
    .select({ id: webhookReplays.id })
    .from(webhookReplays)
    .where(
      and(
        eq(webhookReplays.companyId, companyId),
        eq(webhookReplays.endpointId, endpointId),
        replayId ? eq(webhookReplays.id, replayId) : undefined,
      ),
    )
    .orderBy(desc(webhookReplays.createdAt), desc(webhookReplays.id))
    .limit(1);
  return db
    .select({ s: webhookReplaySends, eventType: events.type })
    .from(webhookReplaySends)
    .leftJoin(events, and(eq(events.id, webhookReplaySends.eventId), eq(events.companyId, companyId)))
    .where(and(eq(webhookReplaySends.companyId, companyId), inArray(webhookReplaySends.replayId, replay)))
    .orderBy(webhookReplaySends.id)
    .limit(MAX_REPLAY_EVENTS);
}

/**
 * Statements for the Replay screen's one db.batch: the endpoint, its latest deliveries (to pick
 * one), its latest replays with their counts, and the sends of `replayId` (or of the latest replay).
 */
export function replayQueries(
  db: Db,
  companyId: string,
  endpointId: string,
  { replayId, limit = 5, deliveryLimit = 25 }: { replayId?: string | null; limit?: number; deliveryLimit?: number },
) {
  return [
    db
      .select()
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.companyId, companyId), eq(webhookEndpoints.id, endpointId)))
      .limit(1),
    db
      .select({ id: deliveries.id, status: deliveries.status, createdAt: deliveries.createdAt, eventType: events.type })
      .from(deliveries)
      .innerJoin(events, and(eq(events.id, deliveries.eventId), eq(events.companyId, deliveries.companyId)))
      .where(and(eq(deliveries.companyId, companyId), eq(deliveries.targetKind, "webhook"), eq(deliveries.targetId, endpointId)))
      .orderBy(desc(deliveries.id))
      .limit(deliveryLimit),
    summaries(db, companyId, endpointId).limit(limit),
    sendsOf(db, companyId, endpointId, replayId),
  ] as const;
}

type SummaryRow = { r: typeof webhookReplays.$inferSelect; pending: number; succeeded: number; failed: number };
type SendRow = { s: typeof webhookReplaySends.$inferSelect; eventType: string | null };

export function toSummary({ r, pending, succeeded, failed }: SummaryRow): ReplaySummary {
  return {
    id: r.id,
    endpointId: r.endpointId,
    url: r.url,
    deliveryId: r.deliveryId,
    rangeFrom: r.rangeFrom,
    rangeTo: r.rangeTo,
    total: r.total,
    pending,
    succeeded,
    failed,
    createdBy: r.createdBy,
    createdAt: r.createdAt,
  };
}

export function toSendView({ s, eventType }: SendRow): ReplaySendView {
  return {
    id: s.id,
    eventId: s.eventId,
    eventType,
    status: s.status,
    statusCode: s.statusCode,
    error: s.error,
    durationMs: s.durationMs,
    attemptedAt: s.attemptedAt,
  };
}

/** One replay of an endpoint with its sends (404 for another company's or another endpoint's id). */
export async function getReplay(
  { db, companyId }: { db: Db; companyId: string },
  endpointId: string,
  replayId: string,
): Promise<{ replay: ReplaySummary; sends: ReplaySendView[] } | null> {
  if (typeof replayId !== "string" || replayId.length > 100) return null;
  const [rows, sends] = await db.batch([summaries(db, companyId, endpointId, replayId), sendsOf(db, companyId, endpointId, replayId)]);
  const row = rows[0];
  return row ? { replay: toSummary(row), sends: sends.map(toSendView) } : null;
}
