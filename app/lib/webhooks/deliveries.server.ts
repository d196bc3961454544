import { and, desc, eq, getTableColumns, gte, inArray, lt, sql } from "drizzle-orm";
import { auditInsert } from "../audit.server";
import { batchStatements, type Db } from "../db/client";
import { compiledQuery } from "../db/compiled";
import { insertWhere } from "../db/conditional";
import { auditLog, deliveries, deliveryAttempts, endpointHourly, events, type PerformedBy, webhookEndpoints } from "../db/schema";
import type { DeliveriesMessage } from "../env";
import { newId } from "../ids";
import { type AttemptDeps, attemptDelivery, finalDecision } from "./attempt.server";
import { type EndpointDeps, findEndpointRow, type Result } from "./endpoints.server";
import { buildWebhookBody } from "./signing";

/** Delivery history, resend, replay and the Test button, all scoped by company. */
type DeliveryRow = typeof deliveries.$inferSelect;
type AttemptRow = typeof deliveryAttempts.$inferSelect;
export type DeliveryView = DeliveryRow & { eventType: string; body: string; attemptsList: AttemptRow[] };

export async function listDeliveries(
  { db, companyId }: { db: Db; companyId: string },
  endpointId: string,
  { limit = 25, before }: { limit?: number; before?: string | null } = {},
): Promise<{ ok: true; value: { data: DeliveryView[]; nextCursor: string | null } } | { ok: false; status: 404 }> {
  const [endpoint, rows, attempts] = await db.batch(deliveriesPageQueries({ db, companyId }, endpointId, { limit, before }));
  if (!endpoint[0]) return { ok: false, status: 404 };
  return { ok: true, value: toDeliveriesPage(rows, attempts, limit) };
}

const pageSize = (limit: number) => Math.min(Math.max(1, Math.floor(limit) || 25), 100);

/**
 * One endpoint's delivery history as three statements for ONE D1 round trip (ADR 0045): the
 * endpoint (404 when it is not the company's), a page of deliveries with their events, and the
 * attempts of exactly that page (the same page selected again as a subquery).
 */
function deliveriesPageQueries(
  { db, companyId }: { db: Db; companyId: string },
  endpointId: string,
  { limit, before }: { limit: number; before?: string | null },
) {
  const n = pageSize(limit);
  const conds = [eq(deliveries.companyId, companyId), eq(deliveries.targetKind, "webhook"), eq(deliveries.targetId, endpointId)];
  if (before) conds.push(lt(deliveries.id, before));
  const pageIds = db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(...conds))
    .orderBy(desc(deliveries.id))
    .limit(n + 1);
  return [
    db
      .select({ id: webhookEndpoints.id })
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.companyId, companyId), eq(webhookEndpoints.id, endpointId)))
      .limit(1),
    db
      // event columns aliased: a db.batch returns rows keyed by column name (deliveries has id, created_at too)
      .select({
        ...getTableColumns(deliveries),
        eventType: sql<string>`${events.type}`.as("event_type"),
        eventPayload: sql`${events.payload}`.mapWith(events.payload).as("event_payload"),
        eventPerformedBy: sql`${events.performedBy}`.mapWith(events.performedBy).as("event_performed_by"),
        eventCreatedAt: sql`${events.createdAt}`.mapWith(events.createdAt).as("event_created_at"),
      })
      .from(deliveries)
      .innerJoin(events, and(eq(events.id, deliveries.eventId), eq(events.companyId, deliveries.companyId)))
      .where(and(...conds))
      .orderBy(desc(deliveries.id))
      .limit(n + 1),
    db
      .select()
      .from(deliveryAttempts)
      // in attempt order per delivery by the unique (delivery_id, n) index; no sort in SQL (toDeliveriesPage orders them)
      .where(and(eq(deliveryAttempts.companyId, companyId), inArray(deliveryAttempts.deliveryId, pageIds))),
  ] as const;
}

type PageRow = DeliveryRow & { eventType: string; eventPayload: unknown; eventPerformedBy: unknown; eventCreatedAt: unknown };

function toDeliveriesPage(rows: PageRow[], attempts: AttemptRow[], limit: number): { data: DeliveryView[]; nextCursor: string | null } {
  const n = pageSize(limit);
  const page = rows.slice(0, n);
  const data = page.map(({ eventType, eventPayload, eventPerformedBy, eventCreatedAt, ...d }) => ({
    ...d,
    eventType,
    body: buildWebhookBody({
      id: d.eventId,
      type: eventType,
      companyId: d.companyId,
      createdAt: eventCreatedAt as Date,
      payload: eventPayload as Record<string, unknown>,
      performedBy: eventPerformedBy as PerformedBy,
    }),
    attemptsList: attempts.filter((a) => a.deliveryId === d.id).sort((a, b) => a.n - b.n),
  }));
  return { data, nextCursor: rows.length > n ? page[page.length - 1]!.id : null };
}

type QueueDeps = EndpointDeps & { queue: Queue<DeliveriesMessage> };

/** A new run: attempts from zero, any scheduled retry or claim of the old run made stale. */
const newRun = (now: Date) => ({
  status: "pending" as const,
  run: sql`${deliveries.run} + 1`,
  attempts: 0,
  leaseUntil: null,
  sweeps: 0,
  deferrals: 0,
  nextAttemptAt: now,
  updatedAt: now,
});
const firstMessage = (r: { id: string; run: number }): DeliveriesMessage => ({ deliveryId: r.id, run: r.run, attempt: 1 });

/**
 * Starts a fresh retry run of one delivery and enqueues its first attempt. On a pending delivery
 * this replaces the scheduled retry: that message belongs to the old run and is acked unsent.
 */
export async function resendDelivery(
  deps: QueueDeps,
  deliveryId: string,
  { endpointId }: { endpointId?: string } = {},
): Promise<Result<{ id: string }>> {
  if (typeof deliveryId !== "string" || deliveryId.length > 100) return { ok: false, status: 404 };
  const conds = [eq(deliveries.companyId, deps.companyId), eq(deliveries.id, deliveryId)];
  if (endpointId !== undefined) conds.push(eq(deliveries.targetKind, "webhook"), eq(deliveries.targetId, endpointId));
  // ONE db.batch (ADR 0140): the audit row (its endpoint read from the delivery) and the new run,
  // both only for this company's delivery; an unknown id writes nothing and sends nothing.
  const where = and(...conds)!;
  const [, updated] = await batchStatements(deps.db, [
    insertWhere(
      auditLog,
      {
        id: newId("aud", deps.now),
        companyId: deps.companyId,
        actor: deps.actor,
        action: "webhook_delivery.resent",
        target: deliveryId,
        details: sql`json_object('endpoint', ${deliveries.targetId})`,
        ip: deps.ip ?? null,
        at: deps.now,
      },
      where,
      sql`${deliveries}`,
    ),
    deps.db.update(deliveries).set(newRun(deps.now)).where(where).returning({ id: deliveries.id, run: deliveries.run }),
  ]);
  const row = updated!.results[0] as { id: string; run: number } | undefined;
  if (!row) return { ok: false, status: 404 };
  await deps.queue.send(firstMessage(row));
  return { ok: true, value: { id: row.id } };
}

/** Re-enqueues every failed delivery of an endpoint created since `since` (at most 1,000). */
export async function replayFailedSince(deps: QueueDeps, endpointId: string, since: Date): Promise<Result<{ count: number }>> {
  const endpoint = await findEndpointRow(deps.db, deps.companyId, endpointId);
  if (!endpoint) return { ok: false, status: 404 };
  if (Number.isNaN(since.getTime()) || since > deps.now)
    return { ok: false, status: 400, errors: { since: ["Choose a time in the past."] } };
  const where = and(
    eq(deliveries.companyId, deps.companyId),
    eq(deliveries.targetKind, "webhook"),
    eq(deliveries.targetId, endpointId),
    eq(deliveries.status, "failed"),
    gte(deliveries.createdAt, since),
  );
  const rows = await deps.db.select({ id: deliveries.id }).from(deliveries).where(where).limit(1000).all();
  if (rows.length === 0) return { ok: true, value: { count: 0 } };
  // Still failed when the update runs: a concurrent replay of the same rows claims each once.
  const [claimed] = await deps.db.batch([
    deps.db
      .update(deliveries)
      .set(newRun(deps.now))
      .where(
        and(
          where,
          inArray(
            deliveries.id,
            rows.map((r) => r.id),
          ),
        ),
      )
      .returning({ id: deliveries.id, run: deliveries.run }),
    auditInsert(deps.db, {
      companyId: deps.companyId,
      actor: deps.actor,
      action: "webhook_delivery.replayed",
      target: endpointId,
      details: { since: since.toISOString(), count: rows.length },
      ip: deps.ip ?? null,
      at: deps.now,
    }),
  ]);
  for (let i = 0; i < claimed.length; i += 100)
    await deps.queue.sendBatch(claimed.slice(i, i + 100).map((r) => ({ body: firstMessage(r) })));
  return { ok: true, value: { count: claimed.length } };
}

export type TestResult = {
  deliveryId: string;
  eventId: string;
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  responseExcerpt: string | null;
  error: string | null;
};

/** Sends a signed `webhook.test` event now (no queue, no retries) and records it as an attempt. */
export async function sendTestEvent(deps: EndpointDeps & { attempt: AttemptDeps }, endpointId: string): Promise<Result<TestResult>> {
  const endpoint = await findEndpointRow(deps.db, deps.companyId, endpointId);
  if (!endpoint) return { ok: false, status: 404 };
  const eventId = newId("evt", deps.now);
  const deliveryId = newId("dlv", deps.now);
  const actor = deps.actor.type === "api_key" ? "api_key" : deps.actor.type === "user" ? "agent" : "system";
  await deps.db.batch([
    deps.db.insert(events).values({
      id: eventId,
      companyId: deps.companyId,
      type: "webhook.test",
      payload: { message: "This is a test event from Integrations Hub.", endpoint_id: endpoint.id },
      performedBy: { type: actor, id: deps.actor.id, name: deps.actor.label },
      createdAt: deps.now,
      dispatchedAt: deps.now,
    }),
    deps.db.insert(deliveries).values({
      id: deliveryId,
      companyId: deps.companyId,
      eventId,
      targetKind: "webhook",
      targetId: endpoint.id,
      status: "pending",
      leaseUntil: new Date(deps.now.getTime() + 10 * 60_000),
      createdAt: deps.now,
      updatedAt: deps.now,
    }),
    auditInsert(deps.db, {
      companyId: deps.companyId,
      actor: deps.actor,
      action: "webhook_endpoint.tested",
      target: endpoint.id,
      details: {},
      ip: deps.ip ?? null,
      at: deps.now,
    }),
  ]);
  const delivery = (await deps.db.select().from(deliveries).where(eq(deliveries.id, deliveryId)).get())!;
  const outcome = await attemptDelivery(deps.attempt, delivery, finalDecision);
  // A webhook endpoint's attempt is never deferred (only an integration's deliverer can ask to wait).
  if (outcome.kind === "deferred") throw new Error("a webhook test cannot be deferred");
  const ok = outcome.kind === "success";
  return {
    ok: true,
    value: {
      deliveryId,
      eventId,
      ok,
      statusCode: outcome.statusCode,
      durationMs: outcome.durationMs,
      responseExcerpt: outcome.responseExcerpt,
      error: outcome.error,
    },
  };
}

/** The latest attempt of one delivery (for showing a Test result after POST → redirect). */
export async function latestAttempt({ db, companyId }: { db: Db; companyId: string }, deliveryId: string) {
  return db
    .select()
    .from(deliveryAttempts)
    .where(and(eq(deliveryAttempts.companyId, companyId), eq(deliveryAttempts.deliveryId, deliveryId)))
    .orderBy(desc(deliveryAttempts.n))
    .limit(1)
    .get();
}

/**
 * Hourly success ratios over the last 24 h per endpoint (null for an hour without attempts). Counted
 * in SQL, per endpoint and hour: at most 24 rows per endpoint cross to the Worker, however busy the
 * endpoints are (it used to be every attempt, capped at 10,000).
 */
const HOUR_MS = 3_600_000;

// built once per isolate: the API & Webhooks tab runs it on every view (ADR 0163)
const hourlyRates = compiledQuery<{ companyId: string; from: number }>()((db) =>
  db
    .select({ endpointId: endpointHourly.endpointId, hour: endpointHourly.hour, ok: endpointHourly.ok, total: endpointHourly.total })
    .from(endpointHourly)
    .where(and(eq(endpointHourly.companyId, sql.placeholder("companyId")), gte(endpointHourly.hour, sql.placeholder("from")))),
);

export async function successRates({ db, companyId }: { db: Db; companyId: string }, now: Date): Promise<Map<string, (number | null)[]>> {
  // 24 UTC clock hours, the current one last; read from the per-hour rollup (≤ 24 rows per endpoint).
  const from = now.getTime() - (now.getTime() % HOUR_MS) - 23 * HOUR_MS;
  const rows = await hourlyRates(db, { companyId, from });
  const rates = new Map<string, (number | null)[]>();
  for (const r of rows) {
    const h = Math.round((r.hour - from) / HOUR_MS);
    if (h < 0 || h > 23 || r.total <= 0) continue;
    let b = rates.get(r.endpointId);
    if (!b) rates.set(r.endpointId, (b = Array.from({ length: 24 }, () => null)));
    b[h] = r.ok / r.total;
  }
  return rates;
}
