import type { DeliveriesMessage, Env } from "../env";

/** The `deliveries` consumer: one signed HTTP attempt per message (built by the Webhooks issue). */
export async function consumeDeliveries(batch: MessageBatch<DeliveriesMessage>, _env: Env, _ctx: ExecutionContext): Promise<void> {
  for (const message of batch.messages) message.retry({ delaySeconds: 60 });
}
