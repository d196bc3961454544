/**
 * Activity per connection (issue 12 item 7): the last actions an integration took (its
 * deliveries: time, event, what was done, result, the provider's record, attempts), and Retry for
 * a failed one, which puts it back on the same pipeline as a fresh retry run. A channel adds what
 * it received (its adapter's `inboundActivity`), merged in by time. Company-scoped.
 */
import { and, count, desc, eq, gte, sql } from "drizzle-orm";
import { type AuditActor, auditInsert } from "../audit.server";
import type { Db } from "../db/client";
import { compiledQuery } from "../db/compiled";
import { deliveries, events } from "../db/schema";
import type { DeliveriesMessage } from "../env";
import type { InboundActivityItem, ProviderAdapter } from "./adapter";

export type ActivityItem = {
  id: string;
  /** outbound: a delivery (an action the integration took); inbound: something the provider sent us. */
  direction: "outbound" | "inbound";
  at: string;
  event: string;
  summary: string | null;
  status: "pending" | "succeeded" | "failed";
  error: string | null;
  remoteUrl: string | null;
  attempts: number;
};

const ofProvider = (companyId: string, provider: string) =>
  and(eq(deliveries.companyId, companyId), eq(deliveries.targetKind, "integration"), eq(deliveries.targetId, provider));

export async function listActivity({
  db,
  companyId,
  provider,
  inbound,
  limit = 20,
}: {
  db: Db;
  companyId: string;
  provider: string;
  inbound?: ProviderAdapter["inboundActivity"];
  limit?: number;
}): Promise<ActivityItem[]> {
  const max = Math.min(Math.max(1, limit), 100);
  const [outbound, received] = await Promise.all([
    listDeliveries({ db, companyId, provider, limit: max }),
    inbound ? inbound({ db, companyId, limit: max }) : Promise.resolve([]),
  ]);
  return [...outbound, ...received.map(inboundItem)].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, max);
}

function inboundItem(item: InboundActivityItem): ActivityItem {
  return {
    id: item.id,
    direction: "inbound",
    at: item.at.toISOString(),
    event: item.event,
    summary: item.summary,
    status: "succeeded",
    error: null,
    remoteUrl: null,
    attempts: 1,
  };
}

async function listDeliveries({ db, companyId, provider, limit }: { db: Db; companyId: string; provider: string; limit: number }) {
  const rows = await db
    .select({ d: deliveries, type: events.type })
    .from(deliveries)
    .innerJoin(events, and(eq(events.id, deliveries.eventId), eq(events.companyId, deliveries.companyId)))
    .where(ofProvider(companyId, provider))
    .orderBy(desc(deliveries.id))
    .limit(limit)
    .all();
  return rows.map(
    ({ d, type }): ActivityItem => ({
      id: d.id,
      direction: "outbound",
      at: (d.lastAttemptAt ?? d.createdAt).toISOString(),
      event: type,
      summary: d.summary,
      status: d.status as ActivityItem["status"],
      error: d.status === "succeeded" ? null : d.lastError,
      remoteUrl: d.remoteUrl,
      attempts: d.attempts,
    }),
  );
}

/** The card's health line: actions in the last 24 h, and how many of them failed. */
export function activityCountsQuery(db: Db, companyId: string, now: Date) {
  return activityCounts(db, { companyId, since: now.getTime() - 24 * 3600 * 1000 });
}

// built once per isolate: the Connected tab runs it on every view (ADR 0163)
const activityCounts = compiledQuery<{ companyId: string; since: number }>()((db) =>
  db
    .select({
      provider: deliveries.targetId,
      n: count(),
      failed: sql<number>`sum(case when ${deliveries.status} = 'failed' then 1 else 0 end)`,
    })
    .from(deliveries)
    .where(
      and(
        eq(deliveries.companyId, sql.placeholder("companyId")),
        eq(deliveries.targetKind, "integration"),
        gte(deliveries.createdAt, sql.placeholder("since")),
      ),
    )
    .groupBy(deliveries.targetId),
);

/** Retry of a failed action: a fresh retry run, enqueued now. Only this company's, this provider's, failed ones. */
export async function retryActivity(
  deps: { db: Db; queue: Queue<DeliveriesMessage>; now: Date; companyId: string; actor: AuditActor; ip: string | null },
  { provider, deliveryId }: { provider: string; deliveryId: string },
): Promise<"retried" | "not_found" | "not_failed"> {
  if (typeof deliveryId !== "string" || deliveryId.length > 100) return "not_found";
  const { db, now } = deps;
  const row = await db
    .select()
    .from(deliveries)
    .where(and(ofProvider(deps.companyId, provider), eq(deliveries.id, deliveryId)))
    .get();
  if (!row) return "not_found";
  if (row.status !== "failed") return "not_failed";
  // Conditional on still being failed: a double submit retries once.
  const [updated] = await db.batch([
    db
      .update(deliveries)
      .set({ status: "pending", attempts: 0, nextAttemptAt: now, updatedAt: now })
      .where(and(eq(deliveries.id, row.id), eq(deliveries.companyId, deps.companyId), eq(deliveries.status, "failed")))
      .returning({ id: deliveries.id }),
    auditInsert(db, {
      companyId: deps.companyId,
      actor: deps.actor,
      action: "integration_delivery.retried",
      target: row.id,
      details: { provider },
      ip: deps.ip,
      at: now,
    }),
  ]);
  if (updated.length === 0) return "not_failed";
  await deps.queue.send({ deliveryId: row.id });
  return "retried";
}
