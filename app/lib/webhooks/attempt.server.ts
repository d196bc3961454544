import { and, eq, max, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { deliveries, deliveryAttempts, events, webhookEndpoints } from "../db/schema";
import type { Env } from "../env";
import { newId } from "../ids";
import type { Keyring } from "../security/encryption";
import { signingSecrets, findEndpointRow } from "./endpoints.server";
import type { DelivererRegistry, IntegrationOutcome } from "./integration-deliverers.server";
import { buildWebhookBody, signWebhook } from "./signing";
import { checkResolvedHost, checkWebhookUrl, guardPolicy, type Resolver } from "./url-guard";
import { parseRetryAfter } from "./retry";

/** One delivery attempt: guard, sign, POST, record. The consumer and the Test button share it. */
export type AttemptDeps = {
  db: Db;
  env: Env;
  ring: Keyring;
  fetch: typeof fetch;
  resolve: Resolver;
  now: () => Date;
  timeoutMs: number;
  deliverers: DelivererRegistry;
};

export const USER_AGENT = "IntegrationsHub-Webhooks/1.0 (+https://chat.buzzi.ai)";
export const RESPONSE_EXCERPT_BYTES = 1024;

type DeliveryRow = typeof deliveries.$inferSelect;
export type AttemptOutcome = {
  /** skipped: nothing was sent (already final, or the target no longer exists). */
  kind: "success" | "gone" | "failure" | "skipped";
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  retryAfterSeconds: number | null;
  responseExcerpt: string | null;
  attemptNumber: number;
  attemptsInRun: number;
};

const skipped = (attemptsInRun = 0): AttemptOutcome => ({
  kind: "skipped", statusCode: null, durationMs: 0, error: null, retryAfterSeconds: null, responseExcerpt: null, attemptNumber: 0, attemptsInRun,
});

export async function loadDelivery(db: Db, id: string) {
  return db.select().from(deliveries).where(eq(deliveries.id, id)).get();
}

/** Sends one attempt of a pending delivery and records it (attempt row + delivery counters). */
export async function attemptDelivery(deps: AttemptDeps, delivery: DeliveryRow): Promise<AttemptOutcome> {
  const { db } = deps;
  const event = await db.select().from(events).where(and(eq(events.companyId, delivery.companyId), eq(events.id, delivery.eventId))).get();
  if (!event) {
    await markFinal(db, delivery, "failed", "The event no longer exists.", deps.now());
    return skipped(delivery.attempts);
  }
  const started = deps.now();
  let outcome: Omit<AttemptOutcome, "attemptNumber" | "attemptsInRun">;
  let requestHeaders: Record<string, string> = {};
  let activity: Activity | null = null;
  if (delivery.targetKind === "integration") {
    const deliverer = deps.deliverers.get(delivery.targetId);
    if (!deliverer) {
      await markFinal(db, delivery, "failed", `No deliverer for integration "${delivery.targetId}".`, started);
      return skipped(delivery.attempts);
    }
    const t0 = Date.now();
    let result: IntegrationOutcome;
    try {
      result = await deliverer({ db, env: deps.env, fetch: deps.fetch, delivery, event, signal: AbortSignal.timeout(deps.timeoutMs) });
    } catch (error) {
      result = { ok: false, statusCode: null, error: errorText(error) };
    }
    requestHeaders = result.requestHeaders ?? {};
    activity = { summary: result.summary?.slice(0, 300) ?? null, remoteUrl: result.remoteUrl?.slice(0, 500) ?? null };
    outcome = {
      kind: result.ok ? "success" : result.gone ? "gone" : "failure",
      statusCode: result.statusCode,
      durationMs: Date.now() - t0,
      error: result.ok ? null : (result.error ?? null),
      retryAfterSeconds: result.retryAfterSeconds ?? null,
      responseExcerpt: result.responseExcerpt?.slice(0, RESPONSE_EXCERPT_BYTES) ?? null,
    };
  } else {
    const endpoint = await findEndpointRow(db, delivery.companyId, delivery.targetId);
    if (!endpoint) {
      await markFinal(db, delivery, "failed", "The endpoint was deleted.", started);
      return skipped(delivery.attempts);
    }
    if (endpoint.status !== "active" && event.type !== "webhook.test") {
      await markFinal(db, delivery, "failed", `The endpoint is disabled${endpoint.disabledReason ? `: ${endpoint.disabledReason}` : "."}`, started);
      return skipped(delivery.attempts);
    }
    const body = buildWebhookBody(event);
    requestHeaders = {
      "content-type": "application/json",
      "user-agent": USER_AGENT,
      ...(await signWebhook({ id: event.id, timestamp: started.getTime() / 1000, body, secrets: await signingSecrets(deps.ring, endpoint, started) })),
    };
    outcome = await post(deps, endpoint.url, requestHeaders, body);
  }
  return record(deps, delivery, started, requestHeaders, outcome, activity);
}

/** Integration deliveries: what the attempt did and the remote record (the Configure screen's activity list). */
type Activity = { summary: string | null; remoteUrl: string | null };

async function post(deps: AttemptDeps, url: string, headers: Record<string, string>, body: string): Promise<Omit<AttemptOutcome, "attemptNumber" | "attemptsInRun">> {
  const policy = guardPolicy(deps.env);
  const base = { statusCode: null, durationMs: 0, retryAfterSeconds: null, responseExcerpt: null };
  const verdict = checkWebhookUrl(url, policy);
  if (!verdict.ok) return { ...base, kind: "failure", error: `Refused by the URL guard: ${verdict.reason}` };
  const resolved = await checkResolvedHost(verdict.url, policy, deps.resolve, deps.now().getTime());
  if (!resolved.ok) return { ...base, kind: "failure", error: `Refused by the URL guard: ${resolved.reason}` };
  const t0 = Date.now();
  try {
    const res = await deps.fetch(verdict.url.toString(), { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(deps.timeoutMs) });
    const excerpt = await readExcerpt(res);
    const durationMs = Date.now() - t0;
    const status = res.status;
    const common = { statusCode: status, durationMs, responseExcerpt: excerpt, retryAfterSeconds: parseRetryAfter(res.headers.get("retry-after"), deps.now()) };
    if (status >= 200 && status < 300) return { ...common, kind: "success", error: null };
    if (status === 410) return { ...common, kind: "gone", error: "The endpoint answered 410 Gone." };
    if (status >= 300 && status < 400) return { ...common, kind: "failure", error: `Redirects are not followed (HTTP ${status}).` };
    return { ...common, kind: "failure", error: `HTTP ${status}` };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return { ...base, kind: "failure", durationMs: Date.now() - t0, error: timedOut ? `Timed out after ${deps.timeoutMs} ms.` : `Request failed: ${errorText(error)}` };
  }
}

async function readExcerpt(res: Response): Promise<string | null> {
  if (!res.body) return null;
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // A body that breaks mid-stream still leaves us its status code.
  } finally {
    reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.length;
  }
  return new TextDecoder().decode(all.subarray(0, RESPONSE_EXCERPT_BYTES));
}

async function record(
  deps: AttemptDeps,
  delivery: DeliveryRow,
  at: Date,
  requestHeaders: Record<string, string>,
  o: Omit<AttemptOutcome, "attemptNumber" | "attemptsInRun">,
  activity: Activity | null = null,
): Promise<AttemptOutcome> {
  const { db } = deps;
  const last = await db.select({ n: max(deliveryAttempts.n) }).from(deliveryAttempts).where(eq(deliveryAttempts.deliveryId, delivery.id)).get();
  const n = (last?.n ?? 0) + 1;
  const attemptsInRun = delivery.attempts + 1;
  const writes = [
    db.insert(deliveryAttempts).values({
      id: newId("att", at),
      companyId: delivery.companyId,
      deliveryId: delivery.id,
      n,
      at,
      durationMs: o.durationMs,
      statusCode: o.statusCode,
      requestHeaders,
      responseExcerpt: o.responseExcerpt,
      error: o.error,
    }),
    db
      .update(deliveries)
      .set({ attempts: attemptsInRun, lastStatusCode: o.statusCode, lastError: o.error, lastAttemptAt: at, lastDurationMs: o.durationMs, updatedAt: at, ...(activity ?? {}) })
      .where(eq(deliveries.id, delivery.id)),
  ] as const;
  const health = delivery.targetKind === "webhook" ? healthUpdate(db, delivery, o.kind === "success", at) : null;
  await db.batch(health ? [...writes, health] : writes);
  return { ...o, attemptNumber: n, attemptsInRun };
}

/**
 * One success resets the endpoint's failure clock; a failure starts it if it is not running. (An
 * integration's health is its connection's, kept by the integrations pipeline, not here.)
 */
function healthUpdate(db: Db, delivery: DeliveryRow, ok: boolean, at: Date) {
  const where = and(eq(webhookEndpoints.companyId, delivery.companyId), eq(webhookEndpoints.id, delivery.targetId));
  return ok
    ? db.update(webhookEndpoints).set({ failingSince: null }).where(where)
    : db.update(webhookEndpoints).set({ failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${at.getTime()})` }).where(where);
}

export async function markFinal(db: Db, delivery: Pick<DeliveryRow, "id">, status: "succeeded" | "failed", error: string | null, at: Date) {
  const set: Partial<DeliveryRow> = { status, nextAttemptAt: null, updatedAt: at };
  if (error) set.lastError = error;
  await db.update(deliveries).set(set).where(eq(deliveries.id, delivery.id));
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 300);
}
