/**
 * The day's notification of each open alert (cron, ADR 0110): claimed first by one conditional
 * UPDATE (whoever sets `last_notified_day` to today tells the admins; a concurrent run finds it set
 * and does nothing), then one email to the company's admins and one message through every connected
 * integration that can post one (the adapter's `notify`: Slack's channel). If every channel tried
 * failed, the claim is given back so the next tick tries again; if one got through, it stands.
 */
import { and, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { companies, connections, healthAlerts, users, webhookEndpoints } from "../db/schema";
import { appBaseUrl, type Env } from "../env";
import type { AlertNotice } from "../integrations/adapter";
import { readSettings } from "../integrations/pipeline.server";
import { listAdapters, REGISTRY, type Registry } from "../integrations/registry";
import { alertDay } from "./alerts.server";
import { alertText, describeAlert } from "./describe";
import { alertSender, type Mailer, mailerFromEnv } from "./mailer.server";

/** Alerts one tick notifies at most (the rest wait for the next minute). */
export const NOTIFY_BATCH = 25;

export type NotifyDeps = { db: Db; kv: KVNamespace; env: Env; fetch: typeof fetch; now: Date; mailer?: Mailer | null; registry?: Registry };
export type NotifyRun = { notified: string[]; failed: string[] };

export async function notifyDueAlerts(deps: NotifyDeps): Promise<NotifyRun> {
  const { db, now } = deps;
  const today = alertDay(now);
  const due = await db
    .select()
    .from(healthAlerts)
    .where(and(isNull(healthAlerts.resolvedAt), or(isNull(healthAlerts.lastNotifiedDay), lt(healthAlerts.lastNotifiedDay, today))))
    .limit(NOTIFY_BATCH);
  const run: NotifyRun = { notified: [], failed: [] };
  for (const alert of due) {
    const key = and(eq(healthAlerts.companyId, alert.companyId), eq(healthAlerts.problemKey, alert.problemKey));
    const claimed = await db
      .update(healthAlerts)
      .set({ lastNotifiedDay: today })
      .where(
        and(
          key,
          isNull(healthAlerts.resolvedAt),
          or(isNull(healthAlerts.lastNotifiedDay), sql`${healthAlerts.lastNotifiedDay} <> ${today}`),
        ),
      )
      .returning({ key: healthAlerts.problemKey });
    if (claimed.length !== 1) continue;
    const id = `${alert.companyId}/${alert.problemKey}`;
    try {
      await notifyOne(deps, alert);
      run.notified.push(id);
    } catch (error) {
      run.failed.push(id);
      console.error("health alert notification failed", id, error instanceof Error ? error.message.slice(0, 200) : "unknown");
      await db
        .update(healthAlerts)
        .set({ lastNotifiedDay: alert.lastNotifiedDay })
        .where(and(key, eq(healthAlerts.lastNotifiedDay, today)))
        .catch(() => {});
    }
  }
  return run;
}

type AlertRow = typeof healthAlerts.$inferSelect;

/** One alert's email and team messages; throws only when every channel it tried failed. */
async function notifyOne(deps: NotifyDeps, alert: AlertRow): Promise<void> {
  const { db, env } = deps;
  const registry = deps.registry ?? REGISTRY;
  const posters = listAdapters(registry).filter((a) => a.notify);
  const [company, admins, endpoint, teamConnections] = await db.batch([
    db.select({ name: companies.name }).from(companies).where(eq(companies.id, alert.companyId)).limit(1),
    db
      .select({ email: users.email })
      .from(users)
      .where(and(eq(users.companyId, alert.companyId), eq(users.role, "company_admin")))
      .limit(50),
    db
      .select({ description: webhookEndpoints.description, url: webhookEndpoints.url })
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.companyId, alert.companyId), eq(webhookEndpoints.id, alert.subject)))
      .limit(1),
    db
      .select()
      .from(connections)
      .where(
        and(
          eq(connections.companyId, alert.companyId),
          eq(connections.status, "connected"),
          inArray(connections.provider, posters.length ? posters.map((a) => a.id) : ["-"]),
        ),
      ),
  ]);
  const companyName = company[0]?.name ?? "your company";
  const view = describeAlert({ ...alert, endpoint: endpoint[0] ?? null });
  const base = appBaseUrl(env);
  const notice: AlertNotice = {
    title: view.title,
    detail: view.detail,
    fixLabel: view.fixLabel,
    url: `${base}${view.fixUrl}`,
    companyName,
  };

  const attempts: Promise<boolean>[] = [];
  const mailer = deps.mailer === undefined ? mailerFromEnv(env, deps.fetch) : deps.mailer;
  if (mailer && admins.length > 0) {
    const { subject, text } = alertText(view, { companyName, appBaseUrl: base });
    attempts.push(mailer({ from: alertSender(env), to: admins.map((a) => a.email), subject, text }).then(() => true));
  }
  for (const row of teamConnections) {
    const adapter = posters.find((a) => a.id === row.provider)!;
    attempts.push(
      adapter.notify!({
        connection: row,
        settings: readSettings(adapter, row.config),
        notice,
        db,
        kv: deps.kv,
        env,
        fetch: deps.fetch,
        now: () => deps.now,
      }),
    );
  }
  const results = await Promise.allSettled(attempts);
  for (const r of results)
    if (r.status === "rejected")
      console.error("health alert channel failed", r.reason instanceof Error ? r.reason.message.slice(0, 200) : "unknown");
  if (results.length > 0 && results.every((r) => r.status === "rejected")) throw new Error("every notification channel failed");
}
