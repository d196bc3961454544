import { and, eq, gte, inArray, isNotNull, lt, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { createDb } from "../db/client";
import { connections, deliveries, deliveryAttempts } from "../db/schema";
import { zapierSubscriptionCountQuery } from "./zapier/hooks.server";

export type ConnectionRow = typeof connections.$inferSelect;

export function findConnection({ db, companyId, provider }: { db: Db; companyId: string; provider: string }) {
  return db.query.connections.findFirst({ where: and(eq(connections.companyId, companyId), eq(connections.provider, provider)) });
}

export type ConnectedOverview = {
  connections: ConnectionRow[];
  /** provider → failed delivery attempts in the last 24 h */
  failures24h: Record<string, number>;
  /** Active Zapier subscriptions (the Zapier card's "N active Zaps"). */
  zapierSubscriptions: number;
};

/**
 * Everything the Connected tab shows, in ONE D1 round trip (db.batch): the company's connections
 * the failed integration delivery attempts of the last 24 hours per provider, and the live count
 * of Zapier subscriptions.
 */
export async function loadConnectedOverview({ d1, companyId, now }: { d1: D1Database; companyId: string; now: Date }): Promise<ConnectedOverview> {
  const db = createDb(d1);
  const since = new Date(now.getTime() - 24 * 3600 * 1000);
  const [rows, failures, zaps] = await db.batch([
    db.select().from(connections).where(eq(connections.companyId, companyId)).orderBy(connections.connectedAt),
    db
      .select({ provider: deliveries.targetId, n: sql<number>`count(*)` })
      .from(deliveryAttempts)
      .innerJoin(deliveries, and(eq(deliveries.id, deliveryAttempts.deliveryId), eq(deliveries.companyId, deliveryAttempts.companyId)))
      .where(
        and(
          eq(deliveryAttempts.companyId, companyId),
          eq(deliveries.targetKind, "integration"),
          gte(deliveryAttempts.at, since),
          sql`(${deliveryAttempts.error} is not null or ${deliveryAttempts.statusCode} is null or ${deliveryAttempts.statusCode} >= 300)`,
        ),
      )
      .groupBy(deliveries.targetId),
    zapierSubscriptionCountQuery(db, companyId),
  ]);
  return {
    connections: rows,
    failures24h: Object.fromEntries(failures.map((f) => [f.provider, Number(f.n)])),
    zapierSubscriptions: Number(zaps[0]?.n ?? 0),
  };
}

/** Connections whose access token expires within `withinMs` (cron refresh). */
export function connectionsExpiringSoon({ db, now, withinMs, limit = 50 }: { db: Db; now: Date; withinMs: number; limit?: number }) {
  return db
    .select()
    .from(connections)
    .where(and(eq(connections.status, "connected"), isNotNull(connections.tokenExpiresAt), lt(connections.tokenExpiresAt, new Date(now.getTime() + withinMs))))
    .limit(limit)
    .all();
}

export function markNeedsReauth({ db, connection, now, reason }: { db: Db; connection: Pick<ConnectionRow, "id" | "companyId">; now: Date; reason: string }) {
  return db
    .update(connections)
    .set({ status: "needs_reauth", lastError: reason.slice(0, 300), lastErrorAt: now, updatedAt: now })
    .where(and(eq(connections.id, connection.id), eq(connections.companyId, connection.companyId)));
}

export function connectionsByProviders({ db, companyId, providers }: { db: Db; companyId: string; providers: string[] }) {
  return db.select({ provider: connections.provider, status: connections.status }).from(connections).where(and(eq(connections.companyId, companyId), inArray(connections.provider, providers))).all();
}
