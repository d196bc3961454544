import type { Env } from "./env";
import { sweepOutbox } from "./events/outbox.server";
import { createDb } from "./db/client";
import { refreshExpiringTokens } from "./integrations/access.server";

/** Every cron tick runs each job; each job is idempotent and bounded. */
export async function runScheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
  const now = new Date(controller.scheduledTime);
  const db = createDb(env.DB);
  await sweepOutbox({ db, queue: env.EVENTS, now });
  await refreshExpiringTokens({ db, kv: env.KV, env, fetch: (input, init) => fetch(input, init), now: () => now });
}
