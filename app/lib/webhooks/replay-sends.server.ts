import { and, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { events, webhookEndpoints, webhookReplaySends, webhookReplays } from "../db/schema";
import { deliveryDeps } from "../deps.server";
import type { Env } from "../env";
import { queueBackoffSeconds } from "../queues/backoff";
import type { Keyring } from "../security/encryption";
import { type AttemptOutcome, guardedPost, USER_AGENT } from "./attempt.server";
import { leaseMs } from "./consumer.server";
import { signingSecrets } from "./endpoints.server";
import { forEachLimited } from "./limiter";
import { isReplayMessage, type ReplayMessage } from "./replay-anywhere.server";
import { buildWebhookBody, signWebhook } from "./signing";
import type { SendDeps } from "./verify-receiver.server";

/**
 * The sending half of replay anywhere: one signed POST per replay send, claimed with a lease so a
 * duplicate queue message sends nothing, and never retried (a replay is a one-shot copy to a URL
 * of the admin's choosing; they can replay again). Only webhook_replay_sends is written.
 */
export type ReplaySendDeps = SendDeps & { db: Db; ring: Keyring };

export type ReplaySendResult = "sent" | "stale";

export async function sendReplay(deps: ReplaySendDeps, sendId: string): Promise<ReplaySendResult> {
  const claimedAt = deps.now();
  const leaseUntil = new Date(claimedAt.getTime() + leaseMs(deps.timeoutMs));
  const [claimed] = await deps.db
    .update(webhookReplaySends)
    .set({ leaseUntil })
    .where(
      and(
        eq(webhookReplaySends.id, sendId),
        eq(webhookReplaySends.status, "pending"),
        or(isNull(webhookReplaySends.leaseUntil), lte(webhookReplaySends.leaseUntil, claimedAt)),
      ),
    )
    .returning();
  if (!claimed) return "stale";
  const { companyId } = claimed;
  // One round trip; single-table selects (a join's repeated column names do not survive a D1 batch).
  const replayOf = and(eq(webhookReplays.companyId, companyId), eq(webhookReplays.id, claimed.replayId));
  const [targets, endpoints, found] = await deps.db.batch([
    deps.db.select({ url: webhookReplays.url }).from(webhookReplays).where(replayOf),
    deps.db
      .select()
      .from(webhookEndpoints)
      .where(
        and(
          eq(webhookEndpoints.companyId, companyId),
          inArray(webhookEndpoints.id, deps.db.select({ id: webhookReplays.endpointId }).from(webhookReplays).where(replayOf)),
        ),
      ),
    deps.db
      .select()
      .from(events)
      .where(and(eq(events.companyId, companyId), eq(events.id, claimed.eventId))),
  ]);
  const target = targets[0] ? { url: targets[0].url, endpoint: endpoints[0] ?? null } : undefined;
  const event = found[0];
  let outcome: Pick<AttemptOutcome, "statusCode" | "error" | "durationMs">;
  if (!target) outcome = { statusCode: null, durationMs: 0, error: "The replay was deleted." };
  else if (!target.endpoint)
    outcome = { statusCode: null, durationMs: 0, error: "The endpoint was deleted, and its signing secret with it." };
  else if (!event) outcome = { statusCode: null, durationMs: 0, error: "The event no longer exists." };
  else {
    try {
      const body = buildWebhookBody(event);
      const secrets = await signingSecrets(deps.ring, target.endpoint, claimedAt);
      const headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        ...(await signWebhook({ id: event.id, timestamp: claimedAt.getTime() / 1000, body, secrets })),
      };
      outcome = await guardedPost(deps, target.url, headers, body);
    } catch (error) {
      outcome = {
        statusCode: null,
        durationMs: 0,
        error: `Could not prepare the request: ${error instanceof Error ? error.message : "unknown"}`,
      };
    }
  }
  const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
  await deps.db
    .update(webhookReplaySends)
    .set({
      status: ok ? "succeeded" : "failed",
      statusCode: outcome.statusCode,
      error: outcome.error?.slice(0, 500) ?? null,
      durationMs: outcome.durationMs,
      attemptedAt: claimedAt,
      leaseUntil: null,
    })
    .where(and(eq(webhookReplaySends.id, claimed.id), eq(webhookReplaySends.leaseUntil, leaseUntil)));
  return "sent";
}

/**
 * Handles the replay messages of a DELIVERIES batch (ack, or retry when nothing could be recorded)
 * and returns the others for the deliveries consumer.
 */
export async function consumeReplaySends(
  batch: MessageBatch<unknown>,
  env: Env,
  overrides: Partial<ReplaySendDeps & { concurrency: number }> = {},
): Promise<Message<unknown>[]> {
  const rest: Message<unknown>[] = [];
  const mine: Message<ReplayMessage>[] = [];
  for (const m of batch.messages) {
    if (isReplayMessage(m.body)) mine.push(m as Message<ReplayMessage>);
    else rest.push(m);
  }
  if (mine.length === 0) return rest;
  const deps = { ...(await deliveryDeps(env)), ...overrides };
  await forEachLimited(mine, deps.concurrency, async (message) => {
    try {
      await sendReplay(deps, message.body.replaySendId);
      message.ack();
    } catch (error) {
      console.error("replay send failed", message.body.replaySendId, error instanceof Error ? error.message : "unknown");
      message.retry({ delaySeconds: queueBackoffSeconds(message.attempts) });
    }
  });
  return rest;
}

/** Queue messages can be lost (a restarted `wrangler dev` drops them): overdue sends are queued again, a few times. */
export const REPLAY_SWEEP_GRACE_MS = 2 * 60_000;
export const MAX_REPLAY_SWEEPS = 5;
export const REPLAY_SWEEP_GAVE_UP = `The replay was re-queued ${MAX_REPLAY_SWEEPS} times without being picked up; it was ended.`;

export async function sweepReplaySends({
  db,
  queue,
  now,
  limit = 200,
}: {
  db: Db;
  queue: Queue<ReplayMessage>;
  now: Date;
  limit?: number;
}) {
  const t = now.getTime();
  const idle = sql`status = 'pending' AND (lease_until IS NULL OR lease_until <= ${t})`;
  await db.run(
    sql`UPDATE webhook_replay_sends SET status = 'failed', error = ${REPLAY_SWEEP_GAVE_UP}
      WHERE ${idle} AND sweeps >= ${MAX_REPLAY_SWEEPS} AND created_at < ${t} - (sweeps + 1) * ${REPLAY_SWEEP_GRACE_MS}`,
  );
  const due = await db.all<{ id: string }>(
    sql`UPDATE webhook_replay_sends SET sweeps = sweeps + 1
      WHERE id IN (SELECT id FROM webhook_replay_sends WHERE ${idle} AND sweeps < ${MAX_REPLAY_SWEEPS}
        AND created_at < ${t} - (sweeps + 1) * ${REPLAY_SWEEP_GRACE_MS} ORDER BY created_at LIMIT ${limit})
      RETURNING id`,
  );
  for (let i = 0; i < due.length; i += 100)
    await queue.sendBatch(due.slice(i, i + 100).map((r) => ({ body: { kind: "replay" as const, replaySendId: r.id } })));
  return due.length;
}
