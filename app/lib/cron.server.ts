import { sweepHealthAlerts } from "./alerts/alerts.server";
import { notifyDueAlerts } from "./alerts/notify.server";
import { purgeExpiredIdempotencyKeys } from "./api/idempotency.server";
import { createDb } from "./db/client";
import type { Env } from "./env";
import { sweepOutbox } from "./events/outbox.server";
import { refreshExpiringTokens } from "./integrations/access.server";
import { runAdapterCrons } from "./integrations/pipeline.server";
import { purgeDeadLetters, replayDeadLetters } from "./queues/dead-letters.server";
import { QUEUE_NAMES } from "./queues/names";
import { retentionWindows } from "./retention";
import { purgeExpiredHistory } from "./retention.server";
import { autoDisableFailingEndpoints } from "./webhooks/auto-disable.server";
import type { ReplayMessage } from "./webhooks/replay-anywhere.server";
import { sweepReplaySends } from "./webhooks/replay-sends.server";
import { sweepStuckDeliveries } from "./webhooks/sweeper.server";

/**
 * Every cron tick runs each job; each job is idempotent and bounded, and one failing job does
 * not stop the others.
 */
export async function runScheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
  const now = new Date(controller.scheduledTime);
  const db = createDb(env.DB);
  const jobs: Record<string, () => Promise<unknown>> = {
    sweepOutbox: () => sweepOutbox({ db, queue: env.EVENTS, now }),
    sweepStuckDeliveries: () => sweepStuckDeliveries({ db, queue: env.DELIVERIES, now }),
    sweepReplaySends: () => sweepReplaySends({ db, queue: env.DELIVERIES as unknown as Queue<ReplayMessage>, now }),
    autoDisableFailingEndpoints: () => autoDisableFailingEndpoints({ db, now }),
    // Dead letters an operator asked to replay (scripts/dlq.mjs), each back to its own queue.
    replayDeadLetters: async () => {
      await replayDeadLetters({ db, now, queues: { [QUEUE_NAMES.events]: env.EVENTS, [QUEUE_NAMES.deliveries]: env.DELIVERIES } });
      await purgeDeadLetters({ db, now });
    },
    // Expired delivery history, events and audit rows, in bounded batches (docs/decisions/0087-retention.md).
    purgeExpiredHistory: () => purgeExpiredHistory({ db, now, windows: retentionWindows(env) }),
    // Idempotency keys past their 24 hours (ADR 0173), in bounded batches.
    purgeExpiredIdempotencyKeys: () => purgeExpiredIdempotencyKeys({ db, now }),
    refreshExpiringTokens: () => refreshExpiringTokens({ db, kv: env.KV, env, fetch: (input, init) => fetch(input, init), now: () => now }),
    // Each integration's own hook (Slack's daily summary, polling a provider that cannot push).
    integrations: async () => {
      const failed = await runAdapterCrons({ db, kv: env.KV, env, fetch: (input, init) => fetch(input, init), now });
      if (failed.length) throw new Error(`adapters failed: ${failed.join(", ")}`);
    },
    // Last, so it sees what the jobs above found (ADR 0110): open/resolve alerts, then the day's notifications.
    healthAlerts: async () => {
      await sweepHealthAlerts({ db, now });
      const run = await notifyDueAlerts({ db, kv: env.KV, env, fetch: (input, init) => fetch(input, init), now });
      if (run.failed.length) throw new Error(`alert notifications failed: ${run.failed.length}`);
    },
  };
  const failures: string[] = [];
  for (const [name, job] of Object.entries(jobs)) {
    try {
      await job();
    } catch (error) {
      failures.push(name);
      console.error(`cron job ${name} failed`, error instanceof Error ? error.message : "unknown");
    }
  }
  if (failures.length) throw new Error(`cron jobs failed: ${failures.join(", ")}`);
}
