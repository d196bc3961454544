import { and, eq, gte, inArray, isNotNull, lt, sql } from "drizzle-orm";
import { openConnectionAlert } from "../alerts/alerts.server";
import { batchingD1 } from "../db/batcher";
import type { Db } from "../db/client";
import { createDb } from "../db/client";
import { compiledQuery } from "../db/compiled";
import { connections, deliveries, deliveryAttempts } from "../db/schema";
import { activityCountsQuery } from "./activity.server";
import { listAdapters, REGISTRY, type Registry } from "./registry";

export type ConnectionRow = typeof connections.$inferSelect;

export function findConnection({ db, companyId, provider }: { db: Db; companyId: string; provider: string }) {
  return db.query.connections.findFirst({ where: and(eq(connections.companyId, companyId), eq(connections.provider, provider)) });
}

export type ConnectedOverview = {
  connections: ConnectionRow[];
  /** provider → failed delivery attempts in the last 24 h */
  failures24h: Record<string, number>;
  /** provider → actions (integration deliveries) created in the last 24 h */
  actions24h: Record<string, number>;
  /** provider → the rows its adapter's `card.query` read (Zapier's live subscription count). */
  cardRows: Record<string, unknown>;
};

/** Adapters whose card line needs rows of its own, in a fixed order (their queries join the batch). */
const cardQueryAdapters = (registry: Registry) => listAdapters(registry).filter((a) => a.card?.query);

/**
 * Everything the Connected tab shows, as statements for ONE D1 round trip (db.batch): the
 * company's connections, the failed integration delivery attempts of the last 24 hours per
 * provider, and what adapters' card lines need (Zapier's live subscription count). The page adds
 * the user lookup to the same batch (see requireAdminWith).
 */
export function connectedOverviewQueries(db: Db, companyId: string, now: Date, registry: Registry = REGISTRY) {
  const since = now.getTime() - 24 * 3600 * 1000;
  return [
    companyConnections(db, { companyId }),
    failedIntegrationAttempts(db, { companyId, since }),
    activityCountsQuery(db, companyId, now),
    ...cardQueryAdapters(registry).map((a) => a.card!.query!(db, companyId, now)),
  ] as const;
}

// The Connected tab's statements, built once per isolate (ADR 0163).
const companyConnections = compiledQuery<{ companyId: string }>()((db) =>
  db
    .select()
    .from(connections)
    .where(eq(connections.companyId, sql.placeholder("companyId")))
    .orderBy(connections.connectedAt),
);

const failedIntegrationAttempts = compiledQuery<{ companyId: string; since: number }>()((db) =>
  db
    .select({ provider: deliveries.targetId, n: sql<number>`count(*)` })
    .from(deliveryAttempts)
    .innerJoin(deliveries, and(eq(deliveries.id, deliveryAttempts.deliveryId), eq(deliveries.companyId, deliveryAttempts.companyId)))
    .where(
      and(
        eq(deliveryAttempts.companyId, sql.placeholder("companyId")),
        eq(deliveries.targetKind, "integration"),
        gte(deliveryAttempts.at, sql.placeholder("since")),
        sql`(${deliveryAttempts.error} is not null or ${deliveryAttempts.statusCode} is null or ${deliveryAttempts.statusCode} >= 300)`,
      ),
    )
    .groupBy(deliveries.targetId),
);

type OverviewResults = readonly [ConnectionRow[], { provider: string; n: number }[], { provider: string; n: number }[], ...unknown[]];

export function toConnectedOverview(
  [rows, failures, actions, ...cardResults]: OverviewResults,
  registry: Registry = REGISTRY,
): ConnectedOverview {
  const cardRows: Record<string, unknown> = {};
  for (const [i, a] of cardQueryAdapters(registry).entries()) cardRows[a.id] = cardResults[i];
  return {
    connections: rows,
    failures24h: Object.fromEntries(failures.map((f) => [f.provider, Number(f.n)])),
    actions24h: Object.fromEntries(actions.map((a) => [a.provider, Number(a.n)])),
    cardRows,
  };
}

export async function loadConnectedOverview({
  d1,
  companyId,
  now,
}: {
  d1: D1Database;
  companyId: string;
  now: Date;
}): Promise<ConnectedOverview> {
  // the statements coalesce into one db.batch, as on the page (ADR 0045)
  const db = createDb(batchingD1(d1));
  return toConnectedOverview(await Promise.all(connectedOverviewQueries(db, companyId, now)));
}

/** Connections whose access token expires within `withinMs` (cron refresh). */
export function connectionsExpiringSoon({ db, now, withinMs, limit = 50 }: { db: Db; now: Date; withinMs: number; limit?: number }) {
  return db
    .select()
    .from(connections)
    .where(
      and(
        eq(connections.status, "connected"),
        isNotNull(connections.tokenExpiresAt),
        lt(connections.tokenExpiresAt, new Date(now.getTime() + withinMs)),
      ),
    )
    .limit(limit)
    .all();
}

/**
 * The connection needs reconnecting (the card offers Reconnect), and its health alert opens in the
 * same batch (ADR 0110): the admins hear of it once a day until it is reconnected.
 */
export async function markNeedsReauth({
  db,
  connection,
  now,
  reason,
}: {
  db: Db;
  connection: Pick<ConnectionRow, "id" | "companyId">;
  now: Date;
  reason: string;
}): Promise<void> {
  const detail = reason.slice(0, 300);
  await db.batch([
    db
      .update(connections)
      .set({ status: "needs_reauth", lastError: detail, lastErrorAt: now, updatedAt: now })
      .where(and(eq(connections.id, connection.id), eq(connections.companyId, connection.companyId))),
    openConnectionAlert(db, { companyId: connection.companyId, connectionId: connection.id, detail, now }),
  ]);
}

export function connectionsByProviders({ db, companyId, providers }: { db: Db; companyId: string; providers: string[] }) {
  return db
    .select({ provider: connections.provider, status: connections.status })
    .from(connections)
    .where(and(eq(connections.companyId, companyId), inArray(connections.provider, providers)));
}

/** The company's connected connections to any of `providers`, by provider (a read across sources: orders, context). */
export function connectedTo({ db, companyId, providers }: { db: Db; companyId: string; providers: string[] }) {
  return db
    .select()
    .from(connections)
    .where(and(eq(connections.companyId, companyId), eq(connections.status, "connected"), inArray(connections.provider, providers)))
    .orderBy(connections.provider);
}

/** A provider answered 401 to a read: the connection needs reconnecting, and the card says so. */
export function markRefused({
  db,
  connection,
  now,
  name,
}: {
  db: Db;
  connection: Pick<ConnectionRow, "id" | "companyId">;
  now: Date;
  name: string;
}) {
  return markNeedsReauth({ db, connection, now, reason: `${name} refused our access (HTTP 401). Reconnect ${name}.` });
}
