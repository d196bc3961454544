import { and, eq, isNull, lte, or } from "drizzle-orm";
import { auditInsert } from "../audit.server";
import { batchingD1 } from "../db/batcher";
import { batchStatements, createDb, type Db } from "../db/client";
import { deliveries, webhookEndpoints } from "../db/schema";
import { deliveryDeps } from "../deps.server";
import type { DeliveriesMessage, Env } from "../env";
import { hookSubscriptionOwner } from "../integrations/registry";
import { queueBackoffSeconds } from "../queues/backoff";
import { keepUnreadable } from "../queues/dead-letters.server";
import { readDeliveriesMessage } from "../queues/messages";
import {
  type AttemptDeps,
  type AttemptOutcome,
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
  // One coalescing binding for the whole batch (ADR 0096): the claims go to D1 together, then the
  // events and endpoints of every claimed delivery, then the attempts that finish close together.
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
  // Claimed together, up front: the lease covers every round of sends a target may wait for in
  // this batch (more than `concurrency` deliveries to one target go in rounds).
  const claimedAt = deps.now();
  const rounds = Math.max(1, Math.ceil(unique.length / Math.max(1, deps.concurrency)));
  const leaseUntil = new Date(claimedAt.getTime() + leaseMs(deps.timeoutMs) * rounds);
  const claims = await Promise.all(
    unique.map(({ message, body }) =>
      claimDelivery(deps.db, body, claimedAt, leaseUntil).then(
        (claimed) => ({ message, body, claimed, error: null }),
        (error: unknown) => ({ message, body, claimed: null, error }),
      ),
    ),
  );
  // Sent concurrently, at most `concurrency` at a time to any one target.
  const byTarget = new Map<string, { message: Message<DeliveriesMessage>; claimed: ClaimedDelivery }[]>();
  for (const { message, body, claimed, error } of claims) {
    if (error) {
      console.error("deliveries consumer failed", body.deliveryId, error instanceof Error ? error.message : "unknown");
      message.retry({ delaySeconds: queueBackoffSeconds(message.attempts) });
    } else if (!claimed)
      message.ack(); // stale or duplicate: another run, attempt or consumer has it
    else {
      const key = `${claimed.targetKind}:${claimed.targetId}`;
      byTarget.set(key, [...(byTarget.get(key) ?? []), { message, claimed }]);
    }
  }
  const perTarget = [...byTarget.values()].map((group) =>
    forEachLimited(group, deps.concurrency, ({ message, claimed }) => finish(deps, message, claimed, leaseUntil)),
  );
  await Promise.all(perTarget);
}

const WRITE_WINDOW_MS = 2;

type ClaimedDelivery = NonNullable<Awaited<ReturnType<typeof claimDelivery>>>;

/** One claimed message: its attempt, the next attempt's message when it failed, and the ack. */
async function finish(deps: ConsumerDeps, message: Message<DeliveriesMessage>, claimed: ClaimedDelivery, leaseUntil: Date) {
  {
    let decision: HandleResult;
    try {
      decision = await attemptClaimed(deps, claimed, leaseUntil);
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
async function attemptClaimed(deps: ConsumerDeps, claimed: ClaimedDelivery, leaseUntil: Date): Promise<HandleResult> {
  let result: RecordedAttempt | DeferredAttempt;
  let delay: number | null = null;
  try {
    result = await attemptDelivery(deps, claimed, (o, attemptsInRun, eventType) => {
      // A Test event is one attempt, never retried (whoever sends it: the button, a Resend, a replay).
      if (eventType === "webhook.test") return finalDecision(o);
      const d = decide(deps, claimed, o, attemptsInRun);
      delay = d.delay;
      return d;
    });
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
  const conds = [
    eq(deliveries.id, m.deliveryId),
    eq(deliveries.status, "pending"),
    or(isNull(deliveries.leaseUntil), lte(deliveries.leaseUntil, now)),
  ];
  if (typeof m.run === "number") conds.push(eq(deliveries.run, m.run));
  if (typeof m.attempt === "number") conds.push(eq(deliveries.attempts, m.attempt - 1));
  const rows = await db
    .update(deliveries)
    .set({ leaseUntil })
    .where(and(...conds))
    .returning();
  return rows[0] ?? null;
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
