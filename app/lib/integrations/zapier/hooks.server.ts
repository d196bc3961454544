import { and, count, desc, eq, gte, inArray, max, type SQL, sql } from "drizzle-orm";
import { type AuditActor, auditInsert } from "../../audit.server";
import { batchStatements, type Db } from "../../db/client";
import { compiledQuery } from "../../db/compiled";
import { insertWhere } from "../../db/conditional";
import {
  auditLog,
  type DeliveryStatus,
  deliveries,
  deliveryAttempts,
  events,
  inboundReceipts,
  type WebhookEventType,
  webhookEndpoints,
} from "../../db/schema";
import { eventRepresentation } from "../../events/emit.server";
import { newId } from "../../ids";
import { createEndpoint, type EndpointDeps, type FieldErrors } from "../../webhooks/endpoints.server";
import { HOOK_TOMBSTONE_SOURCE, hookDeletes, tombstoneInsert } from "../../webhooks/hook-tombstones";
import { maskHookUrl } from "../../webhooks/hook-url";
import { sampleEventBody } from "../../webhooks/samples";
import type { ActivityItem } from "../activity.server";
import { ZAPIER_HOOKS } from "./source";

/**
 * Zapier REST hooks (architecture.md §6): a subscription is a webhook endpoint with source "rest_hook" and one
 * event, delivered by the same signed pipeline as any endpoint. A removed subscription leaves a
 * tombstone (an inbound_receipts row keyed by the hook id) so Zapier reusing the id gets 410 Gone,
 * as the REST hooks convention expects, instead of a 404 that reads like a typo.
 */
export const ZAPIER_HOOK_DESCRIPTION = "Zapier subscription";

export type HookView = { id: string; targetUrl: string; event: WebhookEventType; createdAt: Date };
type ReadDeps = { db: Db; companyId: string };
type EndpointRow = typeof webhookEndpoints.$inferSelect;

/** `targetUrl` is masked (hook-url.ts): the full URL is a secret that only the delivery ever uses. */
function toHook(row: Pick<EndpointRow, "id" | "url" | "events" | "createdAt">): HookView {
  return { id: row.id, targetUrl: maskHookUrl(row.url), event: row.events[0]!, createdAt: row.createdAt };
}

/** API field names for the endpoint lib's field names. */
const FIELD_NAMES: Record<string, string> = { url: "target_url", events: "event" };

export async function subscribeHook(
  deps: EndpointDeps,
  input: { targetUrl: string; event: WebhookEventType },
): Promise<{ ok: true; hook: HookView } | { ok: false; errors: FieldErrors }> {
  const result = await createEndpoint(
    deps,
    { url: input.targetUrl, description: ZAPIER_HOOK_DESCRIPTION, events: [input.event] },
    { source: ZAPIER_HOOKS.source },
  );
  if (result.ok) {
    const { endpoint } = result.value;
    // the view's URL is already masked; the hook is built from the input, masked once
    return { ok: true, hook: toHook({ ...endpoint, url: input.targetUrl.trim() }) };
  }
  if (result.status === 404) return { ok: false, errors: { "": ["Not found."] } };
  const errors: FieldErrors = {};
  for (const [k, v] of Object.entries(result.errors)) errors[FIELD_NAMES[k] ?? k] = v;
  return { ok: false, errors };
}

function zapierRow(db: Db, companyId: string, id: string) {
  return db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.companyId, companyId), eq(webhookEndpoints.id, id), eq(webhookEndpoints.source, ZAPIER_HOOKS.source)))
    .get();
}

async function isTombstoned(db: Db, companyId: string, id: string): Promise<boolean> {
  const row = await db
    .select({ id: inboundReceipts.externalId })
    .from(inboundReceipts)
    .where(
      and(eq(inboundReceipts.source, HOOK_TOMBSTONE_SOURCE), eq(inboundReceipts.externalId, id), eq(inboundReceipts.companyId, companyId)),
    )
    .get();
  return Boolean(row);
}

export type HookLookup = { kind: "found"; hook: HookView } | { kind: "gone" } | { kind: "missing" };

/** A live hook of this company, a removed one ("gone": 410), or nothing (404: never another company's). */
export async function findHook({ db, companyId }: ReadDeps, id: string): Promise<HookLookup> {
  if (typeof id !== "string" || id.length > 100) return { kind: "missing" };
  // asked together: one D1 round trip when db coalesces (a GET /v1 call, ADR 0045)
  const [row, tombstoned] = await Promise.all([zapierRow(db, companyId, id), isTombstoned(db, companyId, id)]);
  if (row) return { kind: "found", hook: toHook(row) };
  return tombstoned ? { kind: "gone" } : { kind: "missing" };
}

/**
 * Statements that remove Zapier endpoints with their delivery history (so nothing pending is
 * sent to them again), leave a tombstone per id and an audit row each. For one db.batch.
 */
export function removeHooksStatements(
  db: Db,
  input: { companyId: string; ids: string[]; actor: AuditActor; action: string; ip?: string | null; now: Date },
) {
  const { companyId, ids, now } = input;
  if (ids.length === 0) return [];
  return [
    ...hookDeletes(db, {
      companyId,
      ids,
      endpoint: and(
        eq(webhookEndpoints.companyId, companyId),
        eq(webhookEndpoints.source, ZAPIER_HOOKS.source),
        inArray(webhookEndpoints.id, ids),
      )!,
    }),
    ...ids.map((id) => tombstoneInsert(db, companyId, id, now)),
    ...ids.map((id) =>
      auditInsert(db, {
        companyId,
        actor: input.actor,
        action: input.action,
        target: id,
        details: { source: ZAPIER_HOOKS.source },
        ip: input.ip ?? null,
        at: now,
      }),
    ),
  ];
}

/**
 * Unsubscribe (Zapier's DELETE, or Remove on the Configure screen). ONE db.batch (ADR 0140): the
 * subscription and the tombstone as they were, then the audit row, the tombstone and every delete,
 * each only if this company has that subscription; the answer is decided from the two reads.
 */
export async function unsubscribeHook(
  deps: Pick<EndpointDeps, "db" | "companyId" | "actor" | "now" | "ip">,
  id: string,
): Promise<"deleted" | "gone" | "missing"> {
  if (typeof id !== "string" || id.length > 100) return "missing";
  const { db, companyId, now } = deps;
  const hook = and(
    eq(webhookEndpoints.companyId, companyId),
    eq(webhookEndpoints.id, id),
    eq(webhookEndpoints.source, ZAPIER_HOOKS.source),
  )!;
  const exists = sql`EXISTS (SELECT 1 FROM ${webhookEndpoints} WHERE ${hook})`;
  const [row, tombstone] = await batchStatements(db, [
    db.select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(hook),
    db
      .select({ id: inboundReceipts.externalId })
      .from(inboundReceipts)
      .where(
        and(
          eq(inboundReceipts.source, HOOK_TOMBSTONE_SOURCE),
          eq(inboundReceipts.externalId, id),
          eq(inboundReceipts.companyId, companyId),
        ),
      ),
    insertWhere(
      auditLog,
      {
        id: newId("aud", now),
        companyId,
        actor: deps.actor,
        action: "zapier_hook.unsubscribed",
        target: id,
        details: { source: ZAPIER_HOOKS.source },
        ip: deps.ip ?? null,
        at: now,
      },
      exists,
    ),
    insertWhere(inboundReceipts, { source: HOOK_TOMBSTONE_SOURCE, externalId: id, companyId, receivedAt: now }, exists, undefined, {
      orIgnore: true,
    }),
    ...hookDeletes(db, { companyId, ids: [id], endpoint: hook, onlyIf: exists }),
  ]);
  if (row!.results[0]) return "deleted";
  return tombstone!.results[0] ? "gone" : "missing";
}

export async function zapierEndpointIds({ db, companyId }: ReadDeps): Promise<string[]> {
  const rows = await db
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.companyId, companyId), eq(webhookEndpoints.source, ZAPIER_HOOKS.source)))
    .all();
  return rows.map((r) => r.id);
}

/** Active Zapier subscriptions ("N active Zaps"), as a query that can join a db.batch. */
export type ZapierCardRow = { zaps: number; deliveries24h: number; errors24h: number; lastSuccessAt: number | null };

/**
 * The Zapier card in one statement: live subscriptions, and the last 24 hours of deliveries to
 * them (created, failed attempts) with the last successful attempt ever.
 */
export function zapierCardQuery(db: Db, companyId: string, now: Date) {
  return zapierCard(db, { companyId, since: now.getTime() - 24 * 3600 * 1000 });
}

// built once per isolate: the Connected tab runs it on every view (ADR 0163)
const zapierCard = compiledQuery<{ companyId: string; since: number }>()((db) => {
  const companyId = sql.placeholder("companyId");
  const since = sql.placeholder("since");
  // Deliveries to the company's Zapier hooks, found from the hooks (a few rows), never by reading
  // every webhook delivery of the company (docs/decisions/0088-query-plans-and-a-large-company.md).
  const zapierHooks = db
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.companyId, companyId), eq(webhookEndpoints.source, ZAPIER_HOOKS.source)));
  const toZaps = and(eq(deliveries.companyId, companyId), eq(deliveries.targetKind, "webhook"), inArray(deliveries.targetId, zapierHooks));
  // Attempts of those deliveries, by delivery id: an equality on the attempts' company would let
  // SQLite read every attempt of the company instead.
  const attemptsOfZaps = (extra: SQL) =>
    and(inArray(deliveryAttempts.deliveryId, db.select({ id: deliveries.id }).from(deliveries).where(toZaps)), extra);
  const ok = sql`${deliveryAttempts.statusCode} between 200 and 299 and ${deliveryAttempts.error} is null`;
  return db
    .select({
      zaps: count(),
      deliveries24h: sql<number>`(${db
        .select({ n: count() })
        .from(deliveries)
        .where(and(toZaps, gte(deliveries.createdAt, since)))})`,
      errors24h: sql<number>`(${db
        .select({ n: count() })
        .from(deliveryAttempts)
        .where(attemptsOfZaps(and(gte(deliveryAttempts.at, since), sql`not (${ok})`)!))})`,
      lastSuccessAt: sql<number | null>`(${db
        .select({ at: max(deliveryAttempts.at) })
        .from(deliveryAttempts)
        .where(attemptsOfZaps(ok))})`,
    })
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.companyId, companyId),
        eq(webhookEndpoints.source, ZAPIER_HOOKS.source),
        eq(webhookEndpoints.status, "active"),
      ),
    );
});

export function activeZapsLine(n: number): string {
  if (n === 0) return "No active Zaps yet";
  return `${n} active Zap${n === 1 ? "" : "s"}`;
}

export type SubscriptionSummary = {
  id: string;
  event: WebhookEventType;
  targetHost: string;
  status: "active" | "disabled";
  createdAt: Date;
  lastDelivery: { status: DeliveryStatus; statusCode: number | null; at: Date | null } | null;
};

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(invalid URL)";
  }
}

/** The Configure screen's list: event, target host (never the full URL: it is Zapier's secret), last delivery. */
export async function listZapierSubscriptions({ db, companyId }: ReadDeps): Promise<SubscriptionSummary[]> {
  const latest = db
    .select({ targetId: deliveries.targetId, latestId: max(deliveries.id).as("latest_id") })
    .from(deliveries)
    .where(and(eq(deliveries.companyId, companyId), eq(deliveries.targetKind, "webhook")))
    .groupBy(deliveries.targetId)
    .as("latest");
  const [rows, lasts] = await db.batch([
    db
      .select()
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.companyId, companyId), eq(webhookEndpoints.source, ZAPIER_HOOKS.source)))
      .orderBy(desc(webhookEndpoints.id)),
    db
      .select({
        targetId: deliveries.targetId,
        status: deliveries.status,
        statusCode: deliveries.lastStatusCode,
        at: deliveries.lastAttemptAt,
      })
      .from(deliveries)
      .innerJoin(latest, eq(deliveries.id, latest.latestId)),
  ]);
  const byTarget = new Map(lasts.map((l) => [l.targetId, l]));
  return rows.map((r) => {
    const last = byTarget.get(r.id);
    return {
      id: r.id,
      event: r.events[0]!,
      targetHost: hostOf(r.url),
      status: r.status,
      createdAt: r.createdAt,
      lastDelivery: last ? { status: last.status, statusCode: last.statusCode, at: last.at } : null,
    };
  });
}

/**
 * Zapier's performList: the company's most recent real events of the type (exactly what a
 * subscription receives) when the key may read them, else one realistic sample. Each has an id.
 */
export async function hookSamples({ db, companyId }: ReadDeps, event: WebhookEventType, { includeRecent }: { includeRecent: boolean }) {
  if (includeRecent) {
    const rows = await db
      .select()
      .from(events)
      .where(and(eq(events.companyId, companyId), eq(events.type, event)))
      // commit order, as /v1/events lists them (and through the same index)
      .orderBy(desc(events.seq))
      .limit(3)
      .all();
    if (rows.length > 0) return rows.map(eventRepresentation);
  }
  return [sampleEventBody(event, companyId)];
}

/**
 * The Configure screen's activity: the last deliveries to the company's Zap subscriptions (event,
 * result, attempts), newest first. The target is named by host only: the full URL is Zapier's secret.
 */
export async function listZapierActivity({ db, companyId }: ReadDeps, limit = 20): Promise<ActivityItem[]> {
  const rows = await db
    .select({ d: deliveries, type: events.type, url: webhookEndpoints.url })
    .from(deliveries)
    .innerJoin(webhookEndpoints, and(eq(webhookEndpoints.id, deliveries.targetId), eq(webhookEndpoints.companyId, deliveries.companyId)))
    .innerJoin(events, and(eq(events.id, deliveries.eventId), eq(events.companyId, deliveries.companyId)))
    .where(and(eq(deliveries.companyId, companyId), eq(deliveries.targetKind, "webhook"), eq(webhookEndpoints.source, ZAPIER_HOOKS.source)))
    .orderBy(desc(deliveries.id))
    .limit(limit)
    .all();
  return rows.map(({ d, type, url }) => ({
    id: d.id,
    direction: "outbound" as const,
    at: (d.lastAttemptAt ?? d.createdAt).toISOString(),
    event: type,
    summary: `Sent to a Zap on ${hostOf(url)}${d.lastStatusCode ? `: HTTP ${d.lastStatusCode}` : ""}`,
    status: d.status as ActivityItem["status"],
    error: d.status === "succeeded" ? null : d.lastError,
    remoteUrl: null,
    attempts: d.attempts,
  }));
}
