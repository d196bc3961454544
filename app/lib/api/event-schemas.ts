import * as z from "zod";
import { eventDescriptions } from "../events/catalog";
import { type WebhookEventType, webhookEventTypes } from "../vocabulary";
import { Conversation, Id, Message, PerformedBy, Timestamp } from "./schemas";

/**
 * The typed event catalog: one JSON Schema per webhook event type, the body a receiver gets and
 * GET /v1/events lists. Output schemas (closed: `additionalProperties: false`), so a field the app
 * starts sending without documenting it fails tests/workers/event-catalog.test.ts.
 */
const MessageWithConversation = Message.extend({
  conversation: Conversation,
}).meta({ id: "MessageWithConversation", description: "A message and the conversation it belongs to." });

const Escalation = Conversation.extend({
  reason: z.string().max(1000).nullable().meta({ description: "Why it was escalated, as given to POST /v1/conversations/{id}/escalate." }),
}).meta({ id: "Escalation", description: "The escalated conversation and the reason given." });

const dataOf: Record<WebhookEventType, z.ZodType> = {
  "conversation.created": Conversation,
  "conversation.updated": Conversation,
  "conversation.closed": Conversation,
  "message.received": MessageWithConversation,
  "message.sent": MessageWithConversation,
  "escalation.triggered": Escalation,
};

/** "conversation.created" → "ConversationCreatedEvent" (the component's name). */
export function eventSchemaName(type: WebhookEventType): string {
  return `${type
    .split(/[._]/)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("")}Event`;
}

export const eventSchemas = Object.fromEntries(
  webhookEventTypes.map((type) => [
    type,
    z
      .object({
        id: Id.meta({ description: "The event id; also the `webhook-id` header, the same on every retry. Deduplicate by it." }),
        type: z.literal(type),
        created_at: Timestamp.meta({ description: "When the change happened." }),
        company_id: Id,
        data: dataOf[type],
        performed_by: PerformedBy,
      })
      .meta({ id: eventSchemaName(type), description: eventDescriptions[type] }),
  ]),
) as unknown as Record<WebhookEventType, z.ZodType>;
