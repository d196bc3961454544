import { sql } from "drizzle-orm";
import { batchStatements, type Db } from "../db/client";
import { newId } from "../ids";

export const AUTO_DISABLE_AFTER_MS = 5 * 24 * 60 * 60 * 1000;
export const AUTO_DISABLE_REASON = "Deliveries failed continuously for 5 days.";
/**
 * Failures further apart than this are not one continuous run: the later one restarts the clock
 * (the longest retry delay is 10 hours, so a failing endpoint with traffic fails well within it).
 */
export const FAILURE_GAP_MS = 24 * 60 * 60 * 1000;

/**
 * Cron job (docs/decisions/0032-auto-disable-continuous.md): an active endpoint is disabled when
 * its current run of failures began at least 5 days ago, had no gap over FAILURE_GAP_MS and no
 * success (a success, a URL change and a re-enable all clear it), and is still going (a failure
 * within FAILURE_GAP_MS). The check and the write are one conditional UPDATE, with the audit row
 * inserted from the same condition in the same transaction, so a success landing meanwhile wins.
 * The endpoint's health alert (ADR 0110) opens in that transaction too.
 */
export async function autoDisableFailingEndpoints({ db, now }: { db: Db; now: Date }): Promise<string[]> {
  const t = now.getTime();
  const failing = sql`status = 'active' AND failing_since IS NOT NULL AND failing_since <= ${t - AUTO_DISABLE_AFTER_MS}
    AND last_failure_at IS NOT NULL AND last_failure_at >= ${t - FAILURE_GAP_MS}`;
  const actor = JSON.stringify({ type: "system", id: null, label: "auto-disable" });
  const [, , disabled] = await batchStatements(db, [
    sql`INSERT INTO audit_log (id, company_id, actor, action, target, details, ip, at)
      SELECT ${newId("aud", now)} || '_' || id, company_id, ${actor}, 'webhook_endpoint.disabled', id,
        json_object('reason', ${AUTO_DISABLE_REASON}, 'failing_since', strftime('%Y-%m-%dT%H:%M:%fZ', failing_since / 1000.0, 'unixepoch')), NULL, ${t}
      FROM webhook_endpoints WHERE ${failing}`,
    // The health alert (ADR 0110) opens in the same transaction: the admins hear of it once a day until re-enabled.
    sql`INSERT INTO health_alerts (company_id, problem_key, kind, subject, detail, opened_at)
      SELECT company_id, 'endpoint_disabled:' || id, 'endpoint_disabled', id, ${AUTO_DISABLE_REASON}, ${t} FROM webhook_endpoints WHERE ${failing}
      ON CONFLICT (company_id, problem_key) DO UPDATE SET detail = excluded.detail, opened_at = excluded.opened_at, resolved_at = NULL
        WHERE health_alerts.resolved_at IS NOT NULL`,
    sql`UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = ${AUTO_DISABLE_REASON}, disabled_at = ${t}, updated_at = ${t}
      WHERE ${failing} RETURNING id`,
  ]);
  return (disabled!.results as { id: string }[]).map((r) => r.id);
}
