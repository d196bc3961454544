/**
 * The registry on the delivery pipeline (architecture.md §5b "Actions are deliveries"). The engine
 * (`events/`, `webhooks/`) imports no adapter: the Worker's entry points hand it
 * - `registrySubscriber`: which integrations want an event (a delivery row each, maybe delayed);
 * - `registryDeliverers`: one attempt of such a delivery, through the adapter's deliverer;
 * and this module turns the adapter's outcome into the delivery's fate and the connection's health
 * the same way for every provider (401 → needs_reauth, 429/5xx retried, other 4xx failed).
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { connections } from "../db/schema";
import type { Env } from "../env";
import type { InboundHandler, InboundRegistry, IntegrationSubscriber, IntegrationTarget } from "../events/subscribers.server";
import { loadCredentials } from "../oauth/token-store.server";
import { keyringFromEnv } from "../security/encryption";
import type { DelivererRegistry, IntegrationDeliverer, IntegrationOutcome } from "../webhooks/integration-deliverers.server";
import { getAccessToken, NeedsReauthError } from "./access.server";
import {
  type ConnectionRow,
  type Credential,
  type DeliveryConnection,
  type DeliveryOutcome,
  type EventSubscription,
  isOwnChange,
  type ProviderAdapter,
} from "./adapter";
import { markNeedsReauth } from "./connections.server";
import { externalRefs } from "./external-refs.server";
import { listAdapters, REGISTRY, type Registry } from "./registry";

type Fetch = typeof fetch;

/** Saved settings read with the adapter's schema (defaults applied); a stale shape falls back to defaults. */
export function readSettings(adapter: ProviderAdapter, stored: unknown): Record<string, unknown> {
  if (!adapter.settings) return (stored as Record<string, unknown>) ?? {};
  const parsed = adapter.settings.safeParse(stored ?? {});
  if (parsed.success) return parsed.data;
  const fallback = adapter.settings.safeParse({});
  return fallback.success ? fallback.data : {};
}

/** The adapter's subscription to an event type, if any. */
export function subscriptionFor(adapter: ProviderAdapter, type: string): EventSubscription | null {
  const subs = adapter.subscriptions as Record<string, EventSubscription | undefined> | undefined;
  return subs && Object.hasOwn(subs, type) ? (subs[type] ?? null) : null;
}

export function delayOf(sub: EventSubscription, env: Env): number {
  const raw = typeof sub.delaySeconds === "function" ? sub.delaySeconds(env) : (sub.delaySeconds ?? 0);
  return Number.isFinite(raw) && raw > 0 ? Math.floor(raw) : 0;
}

/**
 * The fan-out's question "which integrations want this event?": the company's connected
 * integrations whose adapter subscribes to the type, minus the one that caused the change (loop
 * safety), filtered by the adapter's `wants`. One query for all of them.
 */
export function registrySubscriber(env: Env, registry: Registry = REGISTRY): IntegrationSubscriber {
  return async (db, event) => {
    if (event.type === "webhook.test") return [];
    const interested = listAdapters(registry).filter((a) => subscriptionFor(a, event.type) && !isOwnChange(a.id, event));
    if (interested.length === 0) return [];
    const rows = await db
      .select()
      .from(connections)
      .where(
        and(
          eq(connections.companyId, event.companyId),
          eq(connections.status, "connected"),
          inArray(
            connections.provider,
            interested.map((a) => a.id),
          ),
        ),
      );
    const targets: IntegrationTarget[] = [];
    for (const row of rows) {
      const adapter = interested.find((a) => a.id === row.provider)!;
      const sub = subscriptionFor(adapter, event.type)!;
      const connection = { row, context: row.context ?? {}, settings: readSettings(adapter, row.config) };
      if (sub.wants && !(await sub.wants({ event, connection, db, env }))) continue;
      targets.push({ targetKind: "integration", targetId: adapter.id, delaySeconds: delayOf(sub, env) });
    }
    return targets;
  };
}

/** The deliverer the engine calls for `deliveries.target_kind = "integration"`, per provider. */
export function registryDeliverers(registry: Registry = REGISTRY): DelivererRegistry {
  const map = new Map<string, IntegrationDeliverer>();
  for (const adapter of listAdapters(registry)) {
    if (adapter.subscriptions && Object.keys(adapter.subscriptions).length > 0)
      map.set(adapter.id, (input) => runAdapterDelivery(adapter, input));
  }
  return map;
}

/** The queue consumer's handlers for inbound callbacks (`{ kind: "inbound", provider, id }`), per provider. */
export function registryInbound(registry: Registry = REGISTRY): InboundRegistry {
  const map = new Map<string, InboundHandler>();
  for (const adapter of listAdapters(registry)) if (adapter.inbound) map.set(adapter.id, adapter.inbound);
  return map;
}

/** The credential of a connection: a fresh OAuth access token (refreshed if due), or the API-key fields. */
export async function loadCredential(
  deps: { db: Db; kv: KVNamespace; env: Env; fetch: Fetch; now: () => Date },
  adapter: ProviderAdapter,
  row: ConnectionRow,
): Promise<Credential> {
  const stored = async () =>
    loadCredentials({ kv: deps.kv, ring: await keyringFromEnv(deps.env) }, { companyId: row.companyId, connectionId: row.id });
  if (adapter.provider.authKind === "oauth2") {
    const accessToken = await getAccessToken(deps, row);
    // Secrets an OAuth connect obtained beside the token (Discord's webhook token).
    const secrets = (await stored())?.secrets;
    return secrets ? { accessToken, fields: secrets } : { accessToken };
  }
  if (adapter.provider.authKind === "api_key") {
    const creds = await stored();
    if (!creds?.secrets) throw new NeedsReauthError(row.provider);
    return { fields: creds.secrets };
  }
  return {};
}

type EngineInput = Parameters<IntegrationDeliverer>[0];

async function runAdapterDelivery(adapter: ProviderAdapter, input: EngineInput): Promise<IntegrationOutcome> {
  const { db, env, fetch, delivery, event, signal } = input;
  const now = () => new Date();
  const name = adapter.provider.name;
  const sub = subscriptionFor(adapter, event.type);
  if (!sub) return { ok: false, gone: true, statusCode: null, error: `${name} does not act on ${event.type}.` };
  const row = await db.query.connections.findFirst({
    where: and(eq(connections.companyId, delivery.companyId), eq(connections.provider, adapter.id)),
  });
  if (!row) return { ok: false, gone: true, statusCode: null, error: `${name} is not connected.` };
  if (row.status !== "connected") return { ok: false, gone: true, statusCode: null, error: `${name} needs to be reconnected.` };
  let credential: Credential;
  try {
    credential = await loadCredential({ db, kv: env.KV, env, fetch, now }, adapter, row);
  } catch (error) {
    // getAccessToken already marked the connection when the provider refused to refresh.
    if (error instanceof NeedsReauthError)
      return settle(
        { db, adapter, row, credential: {}, now: now() },
        { ok: false, statusCode: null, needsReauth: true, error: `${name} needs to be reconnected.` },
      );
    throw error;
  }
  const connection: DeliveryConnection = { row, credential, context: row.context ?? {}, settings: readSettings(adapter, row.config) };
  let outcome: DeliveryOutcome;
  try {
    outcome = await sub.deliver({
      event,
      connection,
      deliveryId: delivery.id,
      attempt: delivery.attempts + 1,
      db,
      env,
      fetch,
      now,
      refs: externalRefs({ db, companyId: delivery.companyId, provider: adapter.id, now, owner: delivery.id }),
      signal,
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    outcome = {
      ok: false,
      statusCode: null,
      error: timedOut
        ? `${name} did not answer in time.`
        : `The call to ${name} failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  // Put off, not attempted: the connection's health is untouched (no error on the card).
  if (outcome.deferSeconds != null && !outcome.ok)
    return { ok: false, statusCode: null, deferSeconds: outcome.deferSeconds, error: scrubSecrets(outcome.error, credential) };
  return settle({ db, adapter, row, credential, now: now() }, outcome);
}

export type Fate = "succeeded" | "needs_reauth" | "retry" | "failed";

/** The generic rule, one place: what an adapter's outcome means for the delivery. */
export function fateOf(outcome: Pick<DeliveryOutcome, "ok" | "statusCode" | "needsReauth" | "gone">): Fate {
  if (outcome.ok) return "succeeded";
  if (outcome.needsReauth || outcome.statusCode === 401) return "needs_reauth";
  if (outcome.gone) return "failed";
  const s = outcome.statusCode;
  // 408 (the provider timed out reading us) is a timeout like ours, not a rejected request.
  if (s === null || s === 408 || s === 429 || s >= 500) return "retry";
  return "failed";
}

/** Replaces every credential value (and its common encodings) in provider text. */
export function scrubSecrets(text: string | null | undefined, credential: Credential): string | null {
  if (text == null) return null;
  const secrets = [credential.accessToken, ...Object.values(credential.fields ?? {})].filter(
    (s): s is string => typeof s === "string" && s.length >= 6,
  );
  let out = text;
  for (const s of secrets) {
    for (const form of new Set([s, encodeURIComponent(s), btoaSafe(s)])) if (form) out = out.split(form).join("[redacted]");
  }
  return out;
}

function btoaSafe(s: string): string | null {
  try {
    return btoa(s);
  } catch {
    return null;
  }
}

async function settle(
  { db, adapter, row, credential, now }: { db: Db; adapter: ProviderAdapter; row: ConnectionRow; credential: Credential; now: Date },
  outcome: DeliveryOutcome,
): Promise<IntegrationOutcome> {
  const name = adapter.provider.name;
  const fate = fateOf(outcome);
  const where = and(eq(connections.id, row.id), eq(connections.companyId, row.companyId));
  const error =
    fate === "succeeded"
      ? null
      : (
          scrubSecrets(outcome.error, credential) ??
          (outcome.statusCode ? `${name} answered HTTP ${outcome.statusCode}.` : `The call to ${name} failed.`)
        ).slice(0, 500);
  const base = {
    statusCode: outcome.statusCode,
    requestHeaders: outcome.requestHeaders,
    responseExcerpt: scrubSecrets(outcome.responseExcerpt, credential),
    summary: scrubSecrets(outcome.summary, credential),
    remoteUrl: outcome.remote?.url ?? null,
  };
  switch (fate) {
    case "succeeded":
      // "Last success" comes only from a real successful call (never from connecting).
      await db.update(connections).set({ lastSuccessAt: now }).where(where).run();
      return { ...base, ok: true };
    case "needs_reauth":
      await markNeedsReauth({
        db,
        connection: row,
        now,
        reason: outcome.statusCode === 401 ? `${name} refused our access (HTTP 401). Reconnect ${name}.` : error!,
      });
      return { ...base, ok: false, gone: true, error };
    case "retry":
      await db.update(connections).set({ lastError: error, lastErrorAt: now }).where(where).run();
      return { ...base, ok: false, error, retryAfterSeconds: outcome.retryAfterSeconds ?? null };
    case "failed":
      if (!outcome.gone) await db.update(connections).set({ lastError: error, lastErrorAt: now }).where(where).run();
      return { ...base, ok: false, gone: true, error };
  }
}

/**
 * Cron: each adapter's hook, isolated (one failing adapter does not stop the others). Returns the
 * ids that failed.
 */
export async function runAdapterCrons(
  deps: { db: Db; kv: KVNamespace; env: Env; fetch: Fetch; now: Date },
  registry: Registry = REGISTRY,
): Promise<string[]> {
  const failed: string[] = [];
  for (const adapter of listAdapters(registry)) {
    if (!adapter.cron) continue;
    const connectionsOf = async (): Promise<DeliveryConnection[]> => {
      const rows = await deps.db
        .select()
        .from(connections)
        .where(and(eq(connections.provider, adapter.id), eq(connections.status, "connected")));
      const out: DeliveryConnection[] = [];
      for (const row of rows) {
        try {
          const credential = await loadCredential({ ...deps, now: () => deps.now }, adapter, row);
          out.push({ row, credential, context: row.context ?? {}, settings: readSettings(adapter, row.config) });
        } catch (error) {
          if (!(error instanceof NeedsReauthError)) throw error;
        }
      }
      return out;
    };
    try {
      await adapter.cron({ ...deps, connections: connectionsOf });
    } catch (error) {
      failed.push(adapter.id);
      console.error(`cron of ${adapter.id} failed`, error instanceof Error ? error.message : "unknown");
    }
  }
  return failed;
}
