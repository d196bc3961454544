import { and, eq, isNotNull, or, sql } from "drizzle-orm";
import { resolveAlerts } from "../alerts/alerts.server";
import type { Db } from "../db/client";
import { deliveries, deliveryAttempts, events, webhookEndpoints } from "../db/schema";
import type { Env } from "../env";
import { newId } from "../ids";
import type { Keyring } from "../security/encryption";
import { FAILURE_GAP_MS } from "./auto-disable.server";
import { findEndpointRow, signingSecrets } from "./endpoints.server";
import type { DelivererRegistry, IntegrationOutcome } from "./integration-deliverers.server";
import { parseRetryAfter } from "./retry";
import { buildWebhookBody, signWebhook } from "./signing";
import { checkResolvedHost, checkWebhookUrl, guardPolicy, type Resolver } from "./url-guard";

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

/**
 * A delivery's event and endpoint when the caller has read them already (a queue batch reads every
 * claimed delivery's rows in its claim's round trip, ADR 0125); otherwise `send` reads them.
 */
export type AttemptRows = {
  event: typeof events.$inferSelect | undefined;
  endpoint: typeof webhookEndpoints.$inferSelect | undefined;
};

/**
 * `rows`: the event and endpoint read already. `sent`: called once the request is over (answered,
 * failed or refused) and before the attempt is recorded, so a caller limiting requests in flight
 * can start the next one while this one's record is written.
 */
export type AttemptOptions = { rows?: AttemptRows; sent?: () => void };
export type AttemptOutcome = {
  /**
   * success/gone/failure: what the receiver answered (or why nothing reached it, e.g. a
   * decryption error: a failure on the retry schedule); abandoned: the delivery cannot be sent
   * at all (event or endpoint deleted, endpoint disabled, no deliverer), recorded and ended now.
   */
  kind: "success" | "gone" | "failure" | "abandoned";
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  retryAfterSeconds: number | null;
  responseExcerpt: string | null;
};

/** What becomes of the delivery after an attempt: written in the same batch as the attempt row. */
export type Decision = { status: "pending" | "succeeded" | "failed"; nextAttemptAt: Date | null };

/**
 * At most this many deferrals per attempt; then the attempt is made a failure ("waited too long")
 * on the normal schedule. With the 5 s a deliverer asks for, about two and a half minutes: longer
 * than a stale claim lives, so a crashed claimant's work is taken over before this runs out.
 */
export const MAX_DEFERRALS = 30;
/** A deferral is short: never longer than this. */
export const MAX_DEFER_SECONDS = 60;

/**
 * The deliverer asked to put the attempt off (another attempt holds what it needs, e.g. the Slack
 * parent message being posted): nothing was sent and nothing is recorded or counted; the same
 * attempt is due again in `delaySeconds`. `current: false` when the delivery moved on meanwhile.
 */
export type DeferredAttempt = { kind: "deferred"; delaySeconds: number; current: boolean };

export type RecordedAttempt = AttemptOutcome & {
  /** Attempts made in this run, this one included. */
  attemptsInRun: number;
  /** false when Resend started a new run meanwhile: the attempt is logged, the delivery left to the new run. */
  current: boolean;
  decision: Decision;
};

const outcomeOf = (kind: AttemptOutcome["kind"], error: string): AttemptOutcome => ({
  kind,
  statusCode: null,
  durationMs: 0,
  error,
  retryAfterSeconds: null,
  responseExcerpt: null,
});

/** The Test button's decision: one attempt, no retries. */
export const finalDecision = (o: AttemptOutcome): Decision => ({
  status: o.kind === "success" ? "succeeded" : "failed",
  nextAttemptAt: null,
});

/**
 * Sends one attempt of a claimed delivery and records it: the attempt row, the delivery's
 * counters and `decide`'s verdict go in one batch, guarded by the run and attempt count the
 * caller claimed. Every POST is logged, even one whose delivery was resent meanwhile.
 * Failures before sending (no event, no endpoint, a secret that cannot be decrypted) are
 * attempts too, with a clear error.
 */
export async function attemptDelivery(
  deps: AttemptDeps,
  delivery: DeliveryRow,
  decide: (o: AttemptOutcome, attemptsInRun: number, eventType: string | null) => Decision,
  options: AttemptOptions = {},
): Promise<RecordedAttempt | DeferredAttempt> {
  const started = deps.now();
  let sent: Sent;
  try {
    sent = await send(deps, delivery, started, options.rows);
  } catch (error) {
    sent = {
      outcome: outcomeOf("failure", `Could not prepare the request: ${errorText(error)}`),
      requestHeaders: {},
      countsForHealth: true,
    };
  } finally {
    options.sent?.();
  }
  if (sent.deferSeconds != null) {
    const delaySeconds = Math.min(Math.max(1, Math.ceil(sent.deferSeconds)), MAX_DEFER_SECONDS);
    const deferred = await defer(deps.db, delivery, started, delaySeconds);
    if (deferred !== "exhausted") return { kind: "deferred", delaySeconds, current: deferred };
    sent = {
      ...sent,
      outcome: outcomeOf("failure", `Waited too long (${MAX_DEFERRALS} times): ${sent.outcome.error ?? "the target was busy"}`),
    };
  }
  const attemptsInRun = delivery.attempts + 1;
  const decision = decide(sent.outcome, attemptsInRun, sent.eventType ?? null);
  const current = await record(
    deps,
    delivery,
    started,
    sent.requestHeaders,
    sent.outcome,
    decision,
    sent.countsForHealth,
    sent.activity ?? null,
  );
  return { ...sent.outcome, attemptsInRun, current, decision };
}

type Sent = {
  outcome: AttemptOutcome;
  requestHeaders: Record<string, string>;
  countsForHealth: boolean;
  activity?: Activity;
  eventType?: string;
  /** The deliverer put the attempt off (IntegrationOutcome.deferSeconds). */
  deferSeconds?: number | null;
};

/**
 * Puts the claimed attempt off: the lease is given back and the attempt is due again later, with
 * nothing recorded. Guarded by the claimed run and attempt count. "exhausted" when the attempt has
 * been deferred MAX_DEFERRALS times already (the caller then records a failure).
 */
async function defer(db: Db, delivery: DeliveryRow, now: Date, delaySeconds: number): Promise<boolean | "exhausted"> {
  if (delivery.deferrals >= MAX_DEFERRALS) return "exhausted";
  const rows = await db
    .update(deliveries)
    .set({
      leaseUntil: null,
      deferrals: sql`${deliveries.deferrals} + 1`,
      nextAttemptAt: new Date(now.getTime() + delaySeconds * 1000),
      updatedAt: now,
    })
    .where(and(eq(deliveries.id, delivery.id), eq(deliveries.run, delivery.run), eq(deliveries.attempts, delivery.attempts)))
    .returning({ id: deliveries.id });
  return rows.length === 1;
}

async function send(deps: AttemptDeps, delivery: DeliveryRow, started: Date, rows?: AttemptRows): Promise<Sent> {
  const { db } = deps;
  const abandoned = (error: string) => ({ outcome: outcomeOf("abandoned", error), requestHeaders: {}, countsForHealth: false });
  // asked together: one D1 round trip (a queue batch reads them with its claims instead, ADR 0125)
  const [event, endpointRow] = rows
    ? [rows.event, rows.endpoint]
    : await Promise.all([
        db
          .select()
          .from(events)
          .where(and(eq(events.companyId, delivery.companyId), eq(events.id, delivery.eventId)))
          .get(),
        delivery.targetKind === "webhook" ? findEndpointRow(db, delivery.companyId, delivery.targetId) : undefined,
      ]);
  if (!event) return abandoned("The event no longer exists.");
  const eventType = event.type;
  if (delivery.targetKind === "integration") {
    const deliverer = deps.deliverers.get(delivery.targetId);
    if (!deliverer) return abandoned(`No deliverer for integration "${delivery.targetId}".`);
    const t0 = Date.now();
    let result: IntegrationOutcome;
    try {
      result = await deliverer({ db, env: deps.env, fetch: deps.fetch, delivery, event, signal: AbortSignal.timeout(deps.timeoutMs) });
    } catch (error) {
      result = { ok: false, statusCode: null, error: errorText(error) };
    }
    return {
      eventType,
      deferSeconds: result.deferSeconds ?? null,
      requestHeaders: result.requestHeaders ?? {},
      countsForHealth: true,
      activity: { summary: result.summary?.slice(0, 300) ?? null, remoteUrl: result.remoteUrl?.slice(0, 500) ?? null },
      outcome: {
        kind: result.ok ? "success" : result.gone ? "gone" : "failure",
        statusCode: result.statusCode,
        durationMs: Date.now() - t0,
        error: result.ok ? null : (result.error ?? null),
        retryAfterSeconds: result.retryAfterSeconds ?? null,
        responseExcerpt: result.responseExcerpt?.slice(0, RESPONSE_EXCERPT_BYTES) ?? null,
      },
    };
  }
  const endpoint = endpointRow;
  if (!endpoint) return { ...abandoned("The endpoint was deleted."), eventType };
  if (endpoint.status !== "active" && event.type !== "webhook.test") {
    return { ...abandoned(`The endpoint is disabled${endpoint.disabledReason ? `: ${endpoint.disabledReason}` : "."}`), eventType };
  }
  const body = buildWebhookBody(event);
  let secrets: string[];
  try {
    secrets = await signingSecrets(deps.ring, endpoint, started);
  } catch (error) {
    return {
      outcome: outcomeOf("failure", `Could not decrypt the signing secret (${errorText(error)}); check ENCRYPTION_KEYS.`),
      requestHeaders: {},
      countsForHealth: true,
      eventType,
    };
  }
  const requestHeaders = {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    ...(await signWebhook({ id: event.id, timestamp: started.getTime() / 1000, body, secrets })),
  };
  return { outcome: await guardedPost(deps, endpoint.url, requestHeaders, body), requestHeaders, countsForHealth: true, eventType };
}

/** Integration deliveries: what the attempt did and the remote record (the Configure screen's activity list). */
type Activity = { summary: string | null; remoteUrl: string | null };

/**
 * One POST through the URL guard (checked again here, and the name resolved in production), with
 * `redirect: "manual"` and the send timeout. Verify-my-receiver and replay-anywhere send with it too.
 */
export async function guardedPost(
  deps: Pick<AttemptDeps, "env" | "fetch" | "resolve" | "now" | "timeoutMs">,
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<Omit<AttemptOutcome, "attemptNumber" | "attemptsInRun">> {
  const policy = guardPolicy(deps.env);
  const base = { statusCode: null, durationMs: 0, retryAfterSeconds: null, responseExcerpt: null };
  const verdict = checkWebhookUrl(url, policy);
  if (!verdict.ok) return { ...base, kind: "failure", error: `Refused by the URL guard: ${verdict.reason}` };
  const resolved = await checkResolvedHost(verdict.url, policy, deps.resolve, deps.now().getTime());
  if (!resolved.ok) return { ...base, kind: "failure", error: `Refused by the URL guard: ${resolved.reason}` };
  const t0 = Date.now();
  try {
    const res = await deps.fetch(verdict.url.toString(), {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
    const excerpt = await readExcerpt(res);
    const durationMs = Date.now() - t0;
    const status = res.status;
    const common = {
      statusCode: status,
      durationMs,
      responseExcerpt: excerpt,
      retryAfterSeconds: parseRetryAfter(res.headers.get("retry-after"), deps.now()),
    };
    if (status >= 200 && status < 300) return { ...common, kind: "success", error: null };
    if (status === 410) return { ...common, kind: "gone", error: "The endpoint answered 410 Gone." };
    if (status >= 300 && status < 400) return { ...common, kind: "failure", error: `Redirects are not followed (HTTP ${status}).` };
    return { ...common, kind: "failure", error: `HTTP ${status}` };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return {
      ...base,
      kind: "failure",
      durationMs: Date.now() - t0,
      error: timedOut ? `Timed out after ${deps.timeoutMs} ms.` : `Request failed: ${errorText(error)}`,
    };
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
  o: AttemptOutcome,
  decision: Decision,
  countsForHealth: boolean,
  activity: Activity | null = null,
): Promise<boolean> {
  const { db } = deps;
  const ours = and(eq(deliveries.id, delivery.id), eq(deliveries.run, delivery.run), eq(deliveries.attempts, delivery.attempts));
  const writes = [
    // n is numbered in SQL, so two overlapping attempts (an old run still in flight) never collide.
    db.insert(deliveryAttempts).values({
      id: newId("att", at),
      companyId: delivery.companyId,
      deliveryId: delivery.id,
      n: sql`(SELECT coalesce(max(${deliveryAttempts.n}), 0) + 1 FROM ${deliveryAttempts} WHERE ${deliveryAttempts.deliveryId} = ${delivery.id})`,
      at,
      durationMs: o.durationMs,
      statusCode: o.statusCode,
      requestHeaders,
      responseExcerpt: o.responseExcerpt,
      error: o.error,
    }),
    db
      .update(deliveries)
      .set({
        attempts: delivery.attempts + 1,
        status: decision.status,
        nextAttemptAt: decision.nextAttemptAt,
        leaseUntil: null,
        sweeps: 0,
        deferrals: 0,
        lastStatusCode: o.statusCode,
        lastError: o.error,
        lastAttemptAt: at,
        lastDurationMs: o.durationMs,
        updatedAt: at,
        ...(activity ?? {}),
      })
      .where(ours)
      .returning({ id: deliveries.id }),
  ] as const;
  const health = countsForHealth && delivery.targetKind === "webhook" ? healthUpdate(db, delivery, o.kind === "success", at) : null;
  const results = await db.batch(health ? [...writes, ...health] : writes);
  return (results[1] as { id: string }[]).length === 1;
}

/**
 * One success resets the endpoint's failure clock; a failure starts it if it is not running. (An
 * integration's health is its connection's, kept by the integrations pipeline, not here.)
 */
function healthUpdate(db: Db, delivery: DeliveryRow, ok: boolean, at: Date) {
  const where = and(eq(webhookEndpoints.companyId, delivery.companyId), eq(webhookEndpoints.id, delivery.targetId));
  return ok
    ? ([
        // only when the clock runs: a burst of successes to a healthy endpoint rewrites no row (ADR 0145)
        db
          .update(webhookEndpoints)
          .set({ failingSince: null, lastFailureAt: null })
          .where(and(where, or(isNotNull(webhookEndpoints.failingSince), isNotNull(webhookEndpoints.lastFailureAt)))),
        // A success ends "failing for an hour" (ADR 0110): its alert resolves with the clock.
        resolveAlerts(db, { companyId: delivery.companyId, keys: [{ kind: "endpoint_failing", subject: delivery.targetId }], now: at }),
      ] as const)
    : ([
        db
          .update(webhookEndpoints)
          .set({
            // Continuous only: a failure more than FAILURE_GAP_MS after the previous one starts a new run.
            failingSince: sql`CASE WHEN ${webhookEndpoints.failingSince} IS NOT NULL AND ${webhookEndpoints.lastFailureAt} >= ${at.getTime() - FAILURE_GAP_MS} THEN ${webhookEndpoints.failingSince} ELSE ${at.getTime()} END`,
            lastFailureAt: at,
          })
          .where(where),
      ] as const);
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 300);
}
