import { and, eq } from "drizzle-orm";
import { auditInsert } from "../audit.server";
import { deliveries, webhookEndpoints } from "../db/schema";
import type { DeliveriesMessage, Env } from "../env";
import { attemptDelivery, loadDelivery, markFinal, type AttemptDeps, type AttemptOutcome } from "./attempt.server";
import { tombstoneInsert } from "./hook-tombstones";
import { forEachLimited } from "./limiter";
import { MAX_QUEUE_DELAY_SECONDS, nextRetryDelay } from "./retry";
import { deliveryDeps } from "../deps.server";

/**
 * The `deliveries` consumer (DESIGN §4): one signed attempt per message, then ack or retry that
 * message alone. Queues are at-least-once, so a delivery that is already final is acked unsent.
 */
export type ConsumerDeps = AttemptDeps & { random: () => number; schedule: readonly number[]; concurrency: number };

export async function consumeDeliveries(batch: MessageBatch<DeliveriesMessage>, env: Env, _ctx: ExecutionContext, overrides: Partial<ConsumerDeps> = {}): Promise<void> {
  const deps = await deliveryDeps(env, overrides);
  // The same delivery twice in one batch: one attempt, and the duplicate is acked.
  const seen = new Set<string>();
  const unique: Message<DeliveriesMessage>[] = [];
  for (const m of batch.messages) {
    const id = m.body?.deliveryId;
    if (typeof id !== "string" || seen.has(id)) m.ack();
    else {
      seen.add(id);
      unique.push(m);
    }
  }
  await forEachLimited(unique, deps.concurrency, async (message) => {
    try {
      const decision = await handleDelivery(deps, message.body.deliveryId);
      if (decision.retry === null) message.ack();
      else message.retry({ delaySeconds: decision.retry });
    } catch (error) {
      console.error("deliveries consumer failed", message.body.deliveryId, error instanceof Error ? error.message : "unknown");
      message.retry({ delaySeconds: 30 });
    }
  });
}

/** retry: null → ack; a number → retry after that many seconds. */
export async function handleDelivery(deps: ConsumerDeps, deliveryId: string): Promise<{ retry: number | null; outcome?: AttemptOutcome }> {
  const delivery = await loadDelivery(deps.db, deliveryId);
  if (!delivery || delivery.status !== "pending") return { retry: null };
  const outcome = await attemptDelivery(deps, delivery);
  const now = deps.now();
  switch (outcome.kind) {
    case "skipped":
      return { retry: null, outcome };
    case "success":
      await markFinal(deps.db, delivery, "succeeded", null, now);
      return { retry: null, outcome };
    case "gone":
      await markFinal(deps.db, delivery, "failed", outcome.error, now);
      if (delivery.targetKind === "webhook") await endpointGone(deps, delivery.companyId, delivery.targetId, now);
      return { retry: null, outcome };
    case "failure": {
      let delay = nextRetryDelay({ attemptsMade: outcome.attemptsInRun, schedule: deps.schedule, retryAfterSeconds: outcome.retryAfterSeconds, random: deps.random });
      // A provider's rate limit (Slack's 429 Retry-After) is a floor we must honour, not a hint.
      if (delay !== null && delivery.targetKind === "integration" && outcome.retryAfterSeconds != null) {
        delay = Math.min(Math.max(delay, Math.ceil(outcome.retryAfterSeconds)), MAX_QUEUE_DELAY_SECONDS);
      }
      if (delay === null) {
        await markFinal(deps.db, delivery, "failed", outcome.error, now);
        return { retry: null, outcome };
      }
      await deps.db
        .update(deliveries)
        .set({ nextAttemptAt: new Date(now.getTime() + delay * 1000) })
        .where(eq(deliveries.id, delivery.id));
      return { retry: delay, outcome };
    }
  }
}

/** 410 Gone: a user endpoint is disabled with the reason; a Zapier subscription is removed (REST hooks). */
async function endpointGone(deps: ConsumerDeps, companyId: string, endpointId: string, now: Date) {
  const { db } = deps;
  const where = and(eq(webhookEndpoints.companyId, companyId), eq(webhookEndpoints.id, endpointId));
  const row = await db.select({ source: webhookEndpoints.source, url: webhookEndpoints.url }).from(webhookEndpoints).where(where).get();
  if (!row) return;
  const actor = { type: "system" as const, id: null, label: "webhook delivery" };
  if (row.source === "zapier") {
    await db.batch([
      db.delete(webhookEndpoints).where(where),
      // Zapier may still call DELETE /v1/hooks/:id for it: that answers 410 like any removed hook.
      tombstoneInsert(db, companyId, endpointId, now),
      auditInsert(db, { companyId, actor, action: "webhook_endpoint.deleted", target: endpointId, details: { reason: "410 Gone from a Zapier subscription", url: row.url }, at: now }),
    ]);
    return;
  }
  const reason = "The endpoint answered 410 Gone.";
  await db.batch([
    db.update(webhookEndpoints).set({ status: "disabled", disabledReason: reason, disabledAt: now, updatedAt: now }).where(where),
    auditInsert(db, { companyId, actor, action: "webhook_endpoint.disabled", target: endpointId, details: { reason }, at: now }),
  ]);
}
