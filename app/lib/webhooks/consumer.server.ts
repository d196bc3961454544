import { and, eq, getTableColumns, isNull, lte, or, sql } from "drizzle-orm";
import { auditInsert } from "../audit.server";
import { batchingD1 } from "../db/batcher";
import { batchStatements, createDb, type Db } from "../db/client";
import { deliveries, events, webhookEndpoints } from "../db/schema";
import { deliveryDeps } from "../deps.server";
import type { DeliveriesMessage, Env } from "../env";
import { hookSubscriptionOwner } from "../integrations/registry";
import { queueBackoffSeconds } from "../queues/backoff";
import { keepUnreadable } from "../queues/dead-letters.server";
import { readDeliveriesMessage } from "../queues/messages";
import {
  type AttemptDeps,
  type AttemptOptions,
  type AttemptOutcome,
  type AttemptRows,
  attemptDelivery,
  type Decision,
  type DeferredAttempt,
  finalDecision,
  type RecordedAttempt,
} from "./attempt.server";
import { removeHookStatements } from "./hook-tombstones";
import { shownUrl } from "./hook-url";
import { forEachLimited } from "./limiter";
import { MAX_QUEUE_DELAY_SECONDS, nextRetryDelay } from "./retry";

/**
 * The `deliveries` consumer (docs/decisions/0030-engine-claims.md): one signed attempt per
 * message. Each message names the run and attempt it is for; the consumer claims the delivery
 * with one conditional UPDATE (pending, that run, that many attempts made, no live lease), so a
 * duplicate or stale message (at-least-once delivery, a sweeper re-send, an older run replaced by
 * Resend) is acknowledged unsent. A failed attempt's retry is a new message carrying the next
 * attempt number, sent with the schedule's delay; the message in hand is acknowledged.
 *
 * A batch is processed as a batch (docs/decisions/0096-deliveries-as-a-batch.md): one round trip
 * claims every message's delivery, one reads their events and endpoints, the sends run
 * concurrently (at most `concurrency` to any one target), and attempts that finish together are
 * recorded in one db.batch.
 */
export type ConsumerDeps = AttemptDeps & {
  random: () => number;
  schedule: readonly number[];
  concurrency: number;
  queue: Queue<DeliveriesMessage>;
};

/** How long a claim holds a delivery: the send timeout plus room for the writes around it. */
export function leaseMs(timeoutMs: number): number {
  return timeoutMs * 2 + 30_000;
}

export async function consumeDeliveries(
  batch: MessageBatch<DeliveriesMessage>,
  env: Env,
  _ctx: ExecutionContext,
  overrides: Partial<ConsumerDeps> = {},
): Promise<void> {
  // One coalescing binding for the whole batch (ADR 0096): attempts that finish close together
  // share one db.batch for their records.
  const deps = await deliveryDeps(env, { db: createDb(batchingD1(env.DB, { windowMs: WRITE_WINDOW_MS })), ...overrides });
  // The same delivery twice in one batch: one attempt, and the duplicate is acked.
  const seen = new Set<string>();
  const unique: { message: Message<DeliveriesMessage>; body: DeliveriesMessage }[] = [];
  for (const m of batch.messages) {
    const body = readDeliveriesMessage(m.body);
    if (!body) {
      // Nobody can read it, and retrying cannot change that: kept for an operator (scripts/dlq.mjs).
      try {
        await keepUnreadable(deps.db, batch.queue, m, deps.now());
        m.ack();
      } catch {
        m.retry({ delaySeconds: queueBackoffSeconds(m.attempts) });
      }
    } else if (seen.has(body.deliveryId)) m.ack();
    else {
      seen.add(body.deliveryId);
      unique.push({ message: m, body });
    }
  }
  if (unique.length === 0) return;
  // Claimed together, up front, with the claimed deliveries' events and endpoints read in the same
  // round trip (ADR 0125). The lease covers every round of sends a target may wait for in this batch.
  const claimedAt = deps.now();
  const rounds = Math.ceil(unique.length / Math.max(1, deps.concurrency));
  const leaseUntil = new Date(claimedAt.getTime() + batchLeaseMs(deps.timeoutMs, rounds));
  let claimed: { claims: (ClaimedDelivery | null)[]; rows: (d: ClaimedDelivery) => AttemptRows };
  try {
    claimed = await claimBatch(
      deps.db,
      unique.map((u) => u.body),
      claimedAt,
      leaseUntil,
    );
  } catch (error) {
    // One transaction: no claim was taken, so every message is still valid and is retried.
    console.error("deliveries consumer failed", unique.length, "claims:", error instanceof Error ? error.message : "unknown");
    for (const { message } of unique) message.retry({ delaySeconds: queueBackoffSeconds(message.attempts) });
    return;
  }
  // Sent concurrently, at most `concurrency` requests in flight to any one target; a request's
  // slot is free once it is answered, while its record is written (ADR 0125).
  const byTarget = new Map<string, { message: Message<DeliveriesMessage>; claimed: ClaimedDelivery }[]>();
  unique.forEach(({ message }, i) => {
    const c = claimed.claims[i];
    if (!c) {
      message.ack(); // stale or duplicate: another run, attempt or consumer has it
      return;
    }
    const key = `${c.targetKind}:${c.targetId}`;
    byTarget.set(key, [...(byTarget.get(key) ?? []), { message, claimed: c }]);
  });
  const perTarget = [...byTarget.values()].map((group) =>
    forEachLimited(group, deps.concurrency, ({ message, claimed: c }, release) =>
      finish(deps, message, c, leaseUntil, { rows: claimed.rows(c), sent: release }),
    ),
  );
  await Promise.all(perTarget);
}

/**
 * The lease of a batch's claims: one attempt's (send timeout and room for the writes) plus one
 * send timeout for every further round a target may wait for (more than `concurrency` to it).
 */
function batchLeaseMs(timeoutMs: number, rounds: number): number {
  return leaseMs(timeoutMs) + timeoutMs * Math.max(0, rounds - 1);
}

const WRITE_WINDOW_MS = 2;

type ClaimedDelivery = NonNullable<Awaited<ReturnType<typeof claimDelivery>>>;

/**
 * Every message's claim in one db.batch (one transaction, one round trip), followed in the same
 * batch by the events and endpoints of the deliveries just claimed: the reads run after the claims,
 * so they see them, and each row is read once however many deliveries share it.
 */
async function claimBatch(db: Db, messages: readonly DeliveriesMessage[], now: Date, leaseUntil: Date) {
  const ids = JSON.stringify(messages.map((m) => m.deliveryId));
  const ofBatch = sql`${deliveries.id} IN (SELECT value FROM json_each(${ids}))`;
  const results = (await db.batch([
    ...messages.map((m) => claimQuery(db, m, now, leaseUntil)),
    db
      .selectDistinct(getTableColumns(events))
      .from(deliveries)
      .innerJoin(events, and(eq(events.id, deliveries.eventId), eq(events.companyId, deliveries.companyId)))
      .where(ofBatch),
    db
      .selectDistinct(getTableColumns(webhookEndpoints))
      .from(deliveries)
      .innerJoin(webhookEndpoints, and(eq(webhookEndpoints.id, deliveries.targetId), eq(webhookEndpoints.companyId, deliveries.companyId)))
      .where(and(ofBatch, eq(deliveries.targetKind, "webhook"))),
  ] as unknown as Parameters<Db["batch"]>[0])) as unknown as unknown[];
  const claims = results.slice(0, messages.length).map((rows) => (rows as ClaimedDelivery[])[0] ?? null);
  const eventRows = results[messages.length] as NonNullable<AttemptRows["event"]>[];
  const endpointRows = results[messages.length + 1] as NonNullable<AttemptRows["endpoint"]>[];
  const key = (companyId: string, id: string) => `${companyId}\u0000${id}`;
  const eventsById = new Map(eventRows.map((e) => [key(e.companyId, e.id), e]));
  const endpointsById = new Map(endpointRows.map((e) => [key(e.companyId, e.id), e]));
  return {
    claims,
    rows: (d: ClaimedDelivery): AttemptRows => ({
      event: eventsById.get(key(d.companyId, d.eventId)),
      endpoint: d.targetKind === "webhook" ? endpointsById.get(key(d.companyId, d.targetId)) : undefined,
    }),
  };
}

/** One claimed message: its attempt, the next attempt's message when it failed, and the ack. */
async function finish(
  deps: ConsumerDeps,
  message: Message<DeliveriesMessage>,
  claimed: ClaimedDelivery,
  leaseUntil: Date,
  options: AttemptOptions,
) {
  let decision: HandleResult;
  try {
    decision = await attemptClaimed(deps, claimed, leaseUntil, options);
  } catch (error) {
    // Nothing was recorded (the claim, if taken, was released): the same message is still valid.
    console.error("deliveries consumer failed", message.body.deliveryId, error instanceof Error ? error.message : "unknown");
    message.retry({ delaySeconds: queueBackoffSeconds(message.attempts) });
    return;
  }
  if (decision.next) {
    try {
      await deps.queue.send(decision.next, { delaySeconds: decision.retry! });
    } catch (error) {
      // The delivery's next_attempt_at is written: the sweeper sends it once it is overdue.
      console.error(
        "deliveries retry enqueue failed; the sweeper will resend",
        message.body.deliveryId,
        error instanceof Error ? error.name : "unknown",
      );
    }
  }
  message.ack();
}

export type HandleResult = {
  retry: number | null;
  next?: DeliveriesMessage;
  outcome?: AttemptOutcome;
  stale?: boolean;
  /** The attempt was put off, not made: `next` is the same attempt again. */
  deferred?: boolean;
};

/**
 * Claims the delivery for the attempt the message is for, sends it and records it. retry: null →
 * nothing more to send; a number → `next` is the message for the next attempt, due after that
 * many seconds. A bare id (a message from before runs existed) claims whatever attempt is next.
 */
export async function handleDelivery(deps: ConsumerDeps, message: DeliveriesMessage | string): Promise<HandleResult> {
  const m = typeof message === "string" ? { deliveryId: message } : message;
  const claimedAt = deps.now();
  const leaseUntil = new Date(claimedAt.getTime() + leaseMs(deps.timeoutMs));
  const claimed = await claimDelivery(deps.db, m, claimedAt, leaseUntil);
  if (!claimed) return { retry: null, stale: true };
  return attemptClaimed(deps, claimed, leaseUntil);
}

/** The attempt of a delivery this consumer has claimed until `leaseUntil`, recorded; the claim is released if it throws. */
async function attemptClaimed(
  deps: ConsumerDeps,
  claimed: ClaimedDelivery,
  leaseUntil: Date,
  options: AttemptOptions = {},
): Promise<HandleResult> {
  let result: RecordedAttempt | DeferredAttempt;
  let delay: number | null = null;
  try {
    result = await attemptDelivery(
      deps,
      claimed,
      (o, attemptsInRun, eventType) => {
        // A Test event is one attempt, never retried (whoever sends it: the button, a Resend, a replay).
        if (eventType === "webhook.test") return finalDecision(o);
        const d = decide(deps, claimed, o, attemptsInRun);
        delay = d.delay;
        return d;
      },
      options,
    );
  } catch (error) {
    await releaseClaim(deps.db, claimed.id, leaseUntil).catch(() => {});
    throw error;
  }
  if (result.kind === "deferred") {
    if (!result.current) return { retry: null, stale: true };
    return {
      retry: result.delaySeconds,
      deferred: true,
      next: { deliveryId: claimed.id, run: claimed.run, attempt: claimed.attempts + 1 },
    };
  }
  if (!result.current) return { retry: null, outcome: result, stale: true };
  if (result.kind === "gone" && claimed.targetKind === "webhook") await endpointGone(deps, claimed.companyId, claimed.targetId, deps.now());
  if (result.decision.status !== "pending") return { retry: null, outcome: result };
  return { retry: delay ?? 0, outcome: result, next: { deliveryId: claimed.id, run: claimed.run, attempt: result.attemptsInRun + 1 } };
}

/** The one claim: pending, the message's run and attempt, and no other consumer holding it. */
export async function claimDelivery(db: Db, m: DeliveriesMessage, now: Date, leaseUntil: Date) {
  const rows = await claimQuery(db, m, now, leaseUntil);
  return rows[0] ?? null;
}

function claimQuery(db: Db, m: DeliveriesMessage, now: Date, leaseUntil: Date) {
  const conds = [
    eq(deliveries.id, m.deliveryId),
    eq(deliveries.status, "pending"),
    or(isNull(deliveries.leaseUntil), lte(deliveries.leaseUntil, now)),
  ];
  if (typeof m.run === "number") conds.push(eq(deliveries.run, m.run));
  if (typeof m.attempt === "number") conds.push(eq(deliveries.attempts, m.attempt - 1));
  return db
    .update(deliveries)
    .set({ leaseUntil })
    .where(and(...conds))
    .returning();
}

async function releaseClaim(db: Db, id: string, leaseUntil: Date) {
  await db
    .update(deliveries)
    .set({ leaseUntil: null })
    .where(and(eq(deliveries.id, id), eq(deliveries.leaseUntil, leaseUntil)));
}

function decide(
  deps: ConsumerDeps,
  delivery: { targetKind: string },
  o: AttemptOutcome,
  attemptsInRun: number,
): Decision & { delay: number | null } {
  if (o.kind === "success") return { status: "succeeded", nextAttemptAt: null, delay: null };
  if (o.kind !== "failure") return { status: "failed", nextAttemptAt: null, delay: null };
  let delay = nextRetryDelay({
    attemptsMade: attemptsInRun,
    schedule: deps.schedule,
    retryAfterSeconds: o.retryAfterSeconds,
    random: deps.random,
  });
  // A provider's rate limit (Slack's 429 Retry-After) is a floor we must honour, not a hint.
  if (delay !== null && delivery.targetKind === "integration" && o.retryAfterSeconds != null) {
    delay = Math.min(Math.max(delay, Math.ceil(o.retryAfterSeconds)), MAX_QUEUE_DELAY_SECONDS);
  }
  if (delay === null) return { status: "failed", nextAttemptAt: null, delay: null };
  return { status: "pending", nextAttemptAt: new Date(deps.now().getTime() + delay * 1000), delay };
}

/** 410 Gone: a user endpoint is disabled with the reason; an integration's REST hook subscription is removed. */
async function endpointGone(deps: ConsumerDeps, companyId: string, endpointId: string, now: Date) {
  const { db } = deps;
  const where = and(eq(webhookEndpoints.companyId, companyId), eq(webhookEndpoints.id, endpointId));
  const row = await db.select({ source: webhookEndpoints.source, url: webhookEndpoints.url }).from(webhookEndpoints).where(where).get();
  if (!row) return;
  const actor = { type: "system" as const, id: null, label: "webhook delivery" };
  const owner = hookSubscriptionOwner(row.source);
  if (owner) {
    // The subscription is removed with its deliveries (nothing pending is sent to it again), and a
    // tombstone makes the subscriber's later DELETE /v1/hooks/:id answer 410. The delete is the claim: two
    // attempts answered 410 at once, and only the one whose delete removed the row writes the audit.
    await batchStatements(
      db,
      removeHookStatements(db, {
        companyId,
        id: endpointId,
        now,
        audit: {
          actor,
          action: "webhook_endpoint.deleted",
          details: { reason: `410 Gone from a ${owner.provider.name} subscription`, url: shownUrl(row) },
        },
      }),
    );
    return;
  }
  const reason = "The endpoint answered 410 Gone.";
  await db.batch([
    db.update(webhookEndpoints).set({ status: "disabled", disabledReason: reason, disabledAt: now, updatedAt: now }).where(where),
    auditInsert(db, { companyId, actor, action: "webhook_endpoint.disabled", target: endpointId, details: { reason }, at: now }),
  ]);
}
