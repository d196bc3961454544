/**
 * Health alerts in D1 (issue 18 item 4, ADR 0110). A problem is recorded where it starts, in the
 * same batch as the change that causes it (a connection marked needs_reauth, an endpoint
 * auto-disabled, an email refused); the cron sweep finds what has no single moment (an endpoint
 * failing for an hour) and resolves what is fixed. Every write is one conditional statement:
 * opening is an upsert, resolving an UPDATE … WHERE resolved_at IS NULL, and the day's notification
 * a claim by UPDATE … WHERE last_notified_day <> today RETURNING, so concurrent runs never both win.
 */
import { and, asc, eq, isNull, type SQL, sql } from "drizzle-orm";
import { batchStatements, type Db } from "../db/client";
import { healthAlerts, webhookEndpoints } from "../db/schema";
import type { AlertKind } from "../vocabulary";
import { FAILURE_GAP_MS } from "../webhooks/auto-disable.server";
import type { AlertFacts } from "./describe";

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
 * not notified twice that day.
 */
const UPSERT = sql.raw(`ON CONFLICT (company_id, problem_key) DO UPDATE SET detail = excluded.detail,
  opened_at = CASE WHEN health_alerts.resolved_at IS NULL THEN health_alerts.opened_at ELSE excluded.opened_at END, resolved_at = NULL`);

export function openAlertSql(a: { companyId: string; kind: AlertKind; subject: string; detail: string | null; now: Date }): SQL {
  return sql`INSERT INTO health_alerts (company_id, problem_key, kind, subject, detail, opened_at)
    VALUES (${a.companyId}, ${problemKey(a.kind, a.subject)}, ${a.kind}, ${a.subject}, ${a.detail?.slice(0, 300) ?? null}, ${a.now.getTime()}) ${UPSERT}`;
}

/** The connection alert for a connection just marked needs_reauth (by id; its provider names the problem). */
export function openConnectionAlertSql(c: { companyId: string; connectionId: string; detail: string; now: Date }): SQL {
  return sql`INSERT INTO health_alerts (company_id, problem_key, kind, subject, detail, opened_at)
    SELECT company_id, 'connection:' || provider, 'connection', provider, ${c.detail.slice(0, 300)}, ${c.now.getTime()}
    FROM connections WHERE id = ${c.connectionId} AND company_id = ${c.companyId} AND status = 'needs_reauth' ${UPSERT}`;
}

export function resolveAlertsSql(r: { companyId: string; keys: { kind: AlertKind; subject: string }[]; now: Date }): SQL {
  const keys = r.keys.map((k) => problemKey(k.kind, k.subject));
  return sql`UPDATE health_alerts SET resolved_at = ${r.now.getTime()}
    WHERE company_id = ${r.companyId} AND resolved_at IS NULL AND problem_key IN (${sql.join(
      keys.map((k) => sql`${k}`),
      sql`, `,
    )})`;
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

export type OpenAlertRow = AlertFacts & { companyId: string; problemKey: string; lastNotifiedDay: string | null };

/** The banner's rows: the company's open alerts, oldest first, with the endpoint each names (one statement). */
export function openAlertsQuery(db: Db, companyId: string) {
  return db
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
    .where(and(eq(healthAlerts.companyId, companyId), isNull(healthAlerts.resolvedAt)))
    .orderBy(asc(healthAlerts.openedAt))
    .limit(BANNER_LIMIT);
}

export type OpenAlertsResult = Awaited<ReturnType<typeof openAlertsQuery>>;

export function toAlertFacts(rows: OpenAlertsResult): AlertFacts[] {
  return rows.map((r) => ({
    kind: r.kind,
    subject: r.subject,
    detail: r.detail,
    openedAt: r.openedAt,
    endpoint: r.endpointUrl === null ? null : { description: r.endpointDescription, url: r.endpointUrl },
  }));
}
