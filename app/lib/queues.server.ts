import type { DeliveriesMessage, Env, EventsMessage } from "./env";
import { consumeEvents } from "./events/consumer.server";
import { consumeDeliveries } from "./webhooks/consumer.server";

/** Dispatches a batch to its consumer by queue name (producers and consumers live in one Worker). */
export async function handleQueueBatch(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  if (batch.queue.endsWith("-dlq")) {
    // Dead letters are kept by the queue for inspection; delivery state already says failed.
    for (const m of batch.messages) m.ack();
    return;
  }
  if (batch.queue.includes("events")) {
    return consumeEvents(batch as MessageBatch<EventsMessage>, env, ctx);
  }
  if (batch.queue.includes("deliveries")) {
    return consumeDeliveries(batch as MessageBatch<DeliveriesMessage>, env, ctx);
  }
  console.error("message for an unknown queue", batch.queue);
  for (const m of batch.messages) m.retry();
}
