import { createDb } from "../../db/client";
import type { Env } from "../../env";
import { isSlackQueueMessage } from "./inbound.server";
import { processSlackEvent } from "./reply.server";

/**
 * Handles the Slack messages of an EVENTS batch (ack or retry each) and returns the others for
 * the events consumer.
 */
export async function consumeSlackEvents(
  batch: MessageBatch<unknown>,
  env: Env,
  fetchFn: typeof fetch = (i, init) => fetch(i, init),
): Promise<Message<unknown>[]> {
  const rest: Message<unknown>[] = [];
  const db = createDb(env.DB);
  for (const message of batch.messages) {
    if (!isSlackQueueMessage(message.body)) {
      rest.push(message);
      continue;
    }
    try {
      await processSlackEvent({ db, kv: env.KV, env, fetch: fetchFn, now: () => new Date() }, message.body.slackEventId);
      message.ack();
    } catch (error) {
      console.error("slack event failed", message.body.slackEventId, error instanceof Error ? error.message : "unknown");
      message.retry({ delaySeconds: Math.min(300, 5 * 2 ** Math.min(message.attempts, 6)) });
    }
  }
  return rest;
}
