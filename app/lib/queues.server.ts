import { createDb } from "./db/client";
import type { DeliveriesMessage, Env, EventsMessage } from "./env";
import { consumeEvents } from "./events/consumer.server";
import { registryInbound, registrySubscriber } from "./integrations/pipeline.server";
import { storeDeadLetters } from "./queues/dead-letters.server";
import { QUEUE_NAMES } from "./queues/names";
import { consumeDeliveries } from "./webhooks/consumer.server";
import { consumeReplaySends } from "./webhooks/replay-sends.server";

type Consumer = (batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext) => Promise<void>;

const keepDeadLetters: Consumer = (batch, env) => storeDeadLetters(createDb(env.DB), batch, new Date());

/**
 * Exact queue name → its consumer (producers and consumers live in one Worker). The engine knows
 * no integration: the events consumer gets the registry's subscriber and inbound handlers here,
 * the deliveries consumer the registry's deliverers from `deliveryDeps` (deps.server.ts). The
 * dead-letter queues' consumer keeps each message in D1 for an operator (scripts/dlq.mjs).
 */
const CONSUMERS: Readonly<Record<string, Consumer>> = {
  [QUEUE_NAMES.events]: (batch, env, ctx) =>
    consumeEvents(batch as MessageBatch<EventsMessage>, env, ctx, { subscribers: [registrySubscriber(env)], inbound: registryInbound() }),
  // Replay-anywhere sends ride the deliveries queue as their own message kind.
  [QUEUE_NAMES.deliveries]: async (batch, env, ctx) => {
    const rest = await consumeReplaySends(batch, env);
    if (rest.length > 0) await consumeDeliveries({ ...batch, messages: rest } as MessageBatch<DeliveriesMessage>, env, ctx);
  },
  [QUEUE_NAMES.eventsDeadLetters]: keepDeadLetters,
  [QUEUE_NAMES.deliveriesDeadLetters]: keepDeadLetters,
};

export async function handleQueueBatch(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  const consumer = Object.hasOwn(CONSUMERS, batch.queue) ? CONSUMERS[batch.queue] : undefined;
  if (consumer) return consumer(batch, env, ctx);
  // A queue wired in wrangler.toml but not here: keep the messages in the queue (retried, then its DLQ).
  console.error("message for an unknown queue", batch.queue);
  for (const m of batch.messages) m.retry();
}
