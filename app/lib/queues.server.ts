import type { DeliveriesMessage, Env, EventsMessage } from "./env";
import { consumeEvents } from "./events/consumer.server";
import { registrySubscriber } from "./integrations/pipeline.server";
import { consumeSlackEvents } from "./integrations/slack/consumer.server";
import { consumeDeliveries } from "./webhooks/consumer.server";
import { consumeReplaySends } from "./webhooks/replay-sends.server";

/**
 * Dispatches a batch to its consumer by queue name (producers and consumers live in one Worker).
 * The engine knows no integration: the events fan-out gets the registry's subscriber here, the
 * deliveries consumer the registry's deliverers from `deliveryDeps` (deps.server.ts).
 */
export async function handleQueueBatch(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  if (batch.queue.endsWith("-dlq")) {
    // Dead letters are kept by the queue for inspection; delivery state already says failed.
    for (const m of batch.messages) m.ack();
    return;
  }
  if (batch.queue.includes("events")) {
    // Slack Events API callbacks share the EVENTS queue (their own message kind: an id in KV).
    const rest = await consumeSlackEvents(batch, env);
    if (rest.length === 0) return;
    return consumeEvents({ ...batch, messages: rest } as MessageBatch<EventsMessage>, env, ctx, { subscribers: [registrySubscriber(env)] });
  }
  if (batch.queue.includes("deliveries")) {
    // Replay-anywhere sends share the DELIVERIES queue (their own message kind: a replay send id).
    const rest = await consumeReplaySends(batch, env);
    if (rest.length === 0) return;
    return consumeDeliveries({ ...batch, messages: rest } as MessageBatch<DeliveriesMessage>, env, ctx);
  }
  console.error("message for an unknown queue", batch.queue);
  for (const m of batch.messages) m.retry();
}
