import { createDb } from "../../db/client";
import type { Env } from "../../env";
import { processWhatsAppJob } from "./inbound.server";
import { isWhatsAppQueueMessage } from "./webhook.server";

/** Handles the WhatsApp jobs of an EVENTS batch (ack or retry each) and returns the other messages. */
export async function consumeWhatsAppJobs(messages: readonly Message<unknown>[], env: Env): Promise<Message<unknown>[]> {
  const rest: Message<unknown>[] = [];
  const db = createDb(env.DB);
  for (const message of messages) {
    if (!isWhatsAppQueueMessage(message.body)) {
      rest.push(message);
      continue;
    }
    try {
      await processWhatsAppJob({ db, kv: env.KV, env, now: () => new Date() }, message.body.whatsappJobId);
      message.ack();
    } catch (error) {
      console.error("whatsapp job failed", message.body.whatsappJobId, error instanceof Error ? error.message : "unknown");
      message.retry({ delaySeconds: Math.min(300, 5 * 2 ** Math.min(message.attempts, 6)) });
    }
  }
  return rest;
}
