import { and, eq, isNotNull, lte } from "drizzle-orm";
import { auditInsert } from "../audit.server";
import type { Db } from "../db/client";
import { webhookEndpoints } from "../db/schema";

export const AUTO_DISABLE_AFTER_MS = 5 * 24 * 60 * 60 * 1000;
export const AUTO_DISABLE_REASON = "Deliveries failed continuously for 5 days.";

/** Cron job: endpoints failing without a single success for 5 days are disabled, with an audit row each. */
export async function autoDisableFailingEndpoints({ db, now }: { db: Db; now: Date }): Promise<string[]> {
  const cutoff = new Date(now.getTime() - AUTO_DISABLE_AFTER_MS);
  const rows = await db
    .select({ id: webhookEndpoints.id, companyId: webhookEndpoints.companyId, failingSince: webhookEndpoints.failingSince })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.status, "active"), isNotNull(webhookEndpoints.failingSince), lte(webhookEndpoints.failingSince, cutoff)))
    .limit(100)
    .all();
  if (rows.length === 0) return [];
  const actor = { type: "system" as const, id: null, label: "auto-disable" };
  const writes = rows.flatMap((r) => [
    db
      .update(webhookEndpoints)
      .set({ status: "disabled", disabledReason: AUTO_DISABLE_REASON, disabledAt: now, updatedAt: now })
      .where(and(eq(webhookEndpoints.companyId, r.companyId), eq(webhookEndpoints.id, r.id), eq(webhookEndpoints.status, "active"))),
    auditInsert(db, { companyId: r.companyId, actor, action: "webhook_endpoint.disabled", target: r.id, details: { reason: AUTO_DISABLE_REASON, failing_since: r.failingSince?.toISOString() }, at: now }),
  ]);
  await db.batch(writes as unknown as Parameters<typeof db.batch>[0]);
  return rows.map((r) => r.id);
}
