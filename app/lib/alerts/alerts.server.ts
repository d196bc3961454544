/**
 * Health alerts in D1 (issue 18 item 4, ADR 0110). A problem is recorded where it starts, in the
 * same batch as the change that causes it (a connection marked needs_reauth, an endpoint
 * auto-disabled, an email refused); the cron sweep finds what has no single moment (an endpoint
 * failing for an hour) and resolves what is fixed. Every write is one conditional statement:
 * opening is an upsert, resolving an UPDATE … WHERE resolved_at IS NULL, and the day's notification
 * a claim by UPDATE … WHERE last_notified_day <> today RETURNING, so concurrent runs never both win.
 */
import { and, asc, eq, inArray, isNull, type SQL, sql } from "drizzle-orm";
import { batchStatements, type Db } from "../db/client";
import { compiledQuery } from "../db/compiled";
import { connections, healthAlerts, webhookEndpoints } from "../db/schema";
import type { AlertKind } from "../vocabulary";
import { FAILURE_GAP_MS } from "../webhooks/auto-disable.server";
import { type AlertFacts, type AlertView, describeAlert } from "./describe";

/** An endpoint whose current run of failures is this old is reported (the issue: "failed for an hour"). */
export const ENDPOINT_FAILING_AFTER_MS = 60 * 60 * 1000;
/** Open alerts the banner lists at most (more than this is one problem with many faces). */
export const BANNER_LIMIT = 10;

export const problemKey = (kind: AlertKind, subject: string) => `${kind}:${subject}`;

/** The UTC day a notification is counted against. */
export const alertDay = (now: Date) => now.toISOString().slice(0, 10);

/**
 * Opens the alert, or reopens a resolved one (a new `opened_at`); an open one keeps its start and
 * takes the latest detail. `last_notified_day` is kept, so a problem that comes back the same day is
 * not notified twice that day. (Drizzle builders, so they ride in the caller's own db.batch.)
 */
const reopen = {
  target: [healthAlerts.companyId, healthAlerts.problemKey],
  set: {
    detail: sql`excluded.detail`,
    openedAt: sql`CASE WHEN ${healthAlerts.resolvedAt} IS NULL THEN ${healthAlerts.openedAt} ELSE excluded.opened_at END`,
    resolvedAt: null,
  },
};

export function openAlert(db: Db, a: { companyId: string; kind: AlertKind; subject: string; detail: string | null; now: Date }) {
  return db
    .insert(healthAlerts)
    .values({
      companyId: a.companyId,
      problemKey: problemKey(a.kind, a.subject),
      kind: a.kind,
      subject: a.subject,
      detail: a.detail?.slice(0, 300) ?? null,
      openedAt: a.now,
    })
    .onConflictDoUpdate(reopen);
}

/** The connection alert for a connection just marked needs_reauth (by id; its provider names the problem). */
export function openConnectionAlert(db: Db, c: { companyId: string; connectionId: string; detail: string; now: Date }) {
  return db
    .insert(healthAlerts)
    .select(
      db
        .select({
          companyId: connections.companyId,
          problemKey: sql<string>`'connection:' || ${connections.provider}`.as("problem_key"),
          kind: sql<AlertKind>`'connection'`.as("kind"),
          subject: connections.provider,
          detail: sql<string>`${c.detail.slice(0, 300)}`.as("detail"),
          openedAt: sql<Date>`${c.now.getTime()}`.as("opened_at"),
          resolvedAt: sql<Date | null>`NULL`.as("resolved_at"),
          lastNotifiedDay: sql<string | null>`NULL`.as("last_notified_day"),
        })
        .from(connections)
        .where(and(eq(connections.id, c.connectionId), eq(connections.companyId, c.companyId), eq(connections.status, "needs_reauth"))),
    )
    .onConflictDoUpdate(reopen);
}

export function resolveAlerts(db: Db, r: { companyId: string; keys: { kind: AlertKind; subject: string }[]; now: Date; when?: SQL }) {
  return db
    .update(healthAlerts)
    .set({ resolvedAt: r.now })
    .where(
      and(
        eq(healthAlerts.companyId, r.companyId),
        isNull(healthAlerts.resolvedAt),
        inArray(
          healthAlerts.problemKey,
          r.keys.map((k) => problemKey(k.kind, k.subject)),
        ),
        r.when,
      ),
    );
}

/** An endpoint's two alerts, resolved by a success, a re-enable or a new URL. */
export const endpointAlertKeys = (endpointId: string) => [
  { kind: "endpoint_failing" as const, subject: endpointId },
  { kind: "endpoint_disabled" as const, subject: endpointId },
];

/**
 * Cron: opens what has no single starting moment and closes what was fixed without passing through
 * a hook (a connection deleted, an endpoint deleted, a status changed by hand). One batch.
 */
export async function sweepHealthAlerts({ db, now }: { db: Db; now: Date }): Promise<void> {
  const t = now.getTime();
  const failingFrom = t - ENDPOINT_FAILING_AFTER_MS;
  const stillFailing = t - FAILURE_GAP_MS;
  await batchStatements(db, [
    sql`INSERT INTO health_alerts (company_id, problem_key, kind, subject, detail, opened_at)
      SELECT company_id, 'connection:' || provider, 'connection', provider, last_error, ${t}
      FROM connections WHERE status = 'needs_reauth'
      ON CONFLICT (company_id, problem_key) DO UPDATE SET detail = excluded.detail, opened_at = excluded.opened_at, resolved_at = NULL
        WHERE health_alerts.resolved_at IS NOT NULL`,
    sql`INSERT INTO health_alerts (company_id, problem_key, kind, subject, detail, opened_at)
      SELECT company_id, 'endpoint_failing:' || id, 'endpoint_failing', id, 'Every delivery attempt has failed since ' ||
          strftime('%Y-%m-%d %H:%M UTC', failing_since / 1000.0, 'unixepoch') || '.', ${t}
      FROM webhook_endpoints
      WHERE failing_since IS NOT NULL AND failing_since <= ${failingFrom} AND status = 'active' AND last_failure_at >= ${stillFailing}
      ON CONFLICT (company_id, problem_key) DO UPDATE SET detail = excluded.detail, opened_at = excluded.opened_at, resolved_at = NULL
        WHERE health_alerts.resolved_at IS NOT NULL`,
    sql`UPDATE health_alerts SET resolved_at = ${t} WHERE resolved_at IS NULL AND kind = 'connection' AND NOT EXISTS (
      SELECT 1 FROM connections c WHERE c.company_id = health_alerts.company_id AND c.provider = health_alerts.subject AND c.status = 'needs_reauth')`,
    sql`UPDATE health_alerts SET resolved_at = ${t} WHERE resolved_at IS NULL AND kind = 'endpoint_failing' AND NOT EXISTS (
      SELECT 1 FROM webhook_endpoints e WHERE e.id = health_alerts.subject AND e.company_id = health_alerts.company_id
        AND e.status = 'active' AND e.failing_since IS NOT NULL AND e.failing_since <= ${failingFrom} AND e.last_failure_at >= ${stillFailing})`,
    sql`UPDATE health_alerts SET resolved_at = ${t} WHERE resolved_at IS NULL AND kind = 'endpoint_disabled' AND NOT EXISTS (
      SELECT 1 FROM webhook_endpoints e WHERE e.id = health_alerts.subject AND e.company_id = health_alerts.company_id AND e.status = 'disabled')`,
    // Refusing mail ends with the next accepted email (also resolved where it is accepted), or with the channel gone.
    sql`UPDATE health_alerts SET resolved_at = ${t} WHERE resolved_at IS NULL AND kind = 'channel_refusing' AND NOT EXISTS (
      SELECT 1 FROM connections c WHERE c.company_id = health_alerts.company_id AND c.provider = health_alerts.subject
        AND (c.last_success_at IS NULL OR c.last_success_at < health_alerts.opened_at))`,
  ]);
}

/** The banner's rows: the company's open alerts, oldest first, with the endpoint each names (one statement). */
export function openAlertsQuery(db: Db, companyId: string) {
  return openAlerts(db, { companyId });
}

// built once per isolate: every /integrations* page runs it (ADR 0163)
const openAlerts = compiledQuery<{ companyId: string }>()((db) =>
  db
    .select({
      kind: healthAlerts.kind,
      subject: healthAlerts.subject,
      detail: healthAlerts.detail,
      openedAt: healthAlerts.openedAt,
      endpointDescription: webhookEndpoints.description,
      endpointUrl: webhookEndpoints.url,
    })
    .from(healthAlerts)
    .leftJoin(webhookEndpoints, and(eq(webhookEndpoints.id, healthAlerts.subject), eq(webhookEndpoints.companyId, healthAlerts.companyId)))
    .where(and(eq(healthAlerts.companyId, sql.placeholder("companyId")), isNull(healthAlerts.resolvedAt)))
    .orderBy(asc(healthAlerts.openedAt))
    .limit(BANNER_LIMIT),
);

export type OpenAlertsResult = Awaited<ReturnType<typeof openAlertsQuery>>;

/** The banner's rows, as it shows them. */
export function openAlertViews(rows: OpenAlertsResult): AlertView[] {
  return toAlertFacts(rows).map(describeAlert);
}

function toAlertFacts(rows: OpenAlertsResult): AlertFacts[] {
  return rows.map((r) => ({
    kind: r.kind,
    subject: r.subject,
    detail: r.detail,
    openedAt: r.openedAt,
    endpoint: r.endpointUrl === null ? null : { description: r.endpointDescription, url: r.endpointUrl },
  }));
}
