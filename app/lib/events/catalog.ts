import type { WebhookEventType } from "../vocabulary";

/**
 * What each event type means, in one line a reader can act on: shown on /docs/api, in the
 * OpenAPI document's `webhooks` section and on the Add Webhook screen ("what will I receive?").
 * The JSON Schema of each lives in api/event-schemas.ts.
 */
export const eventDescriptions: Record<WebhookEventType, string> = {
  "conversation.created":
    "A conversation was started: through the API, the chat widget, a forwarded email or WhatsApp. `data` is the Conversation.",
  "conversation.updated":
    "A conversation changed: closed, reopened (a reply to a closed email thread reopens it) or its contact's marketing consent changed. `data` is the Conversation as it is now.",
  "conversation.closed":
    "A conversation was closed: by an agent, the API, or a help desk ticket solved in Zendesk or Freshdesk. Sent right after the conversation.updated of the same change. `data` is the Conversation.",
  "message.received": "The contact wrote: through the API, the widget, email or WhatsApp. `data` is the Message with its `conversation`.",
  "message.sent": "An agent (also replying from Slack) or the AI answered. `data` is the Message with its `conversation`.",
  "escalation.triggered": "The conversation was handed to a human. `data` is the Conversation with the `reason` given, if any.",
};
