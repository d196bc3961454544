import type { PerformedBy, WebhookEventType } from "../vocabulary";

/**
 * Sample webhook bodies, one per event type: shown in /docs/api and usable as Zapier's
 * "perform list" samples. Same shapes as real events (see conversations/representation).
 */
const at = "2026-01-15T09:30:00.000Z";
const conversation = {
  id: "conv_01jh9x2k3m4n5p6q7r8s9t0v1w",
  channel: "api",
  status: "open",
  contact: { email: "pat@example.com", phone: null, name: "Pat Doe", marketing_consent: false },
  subject: "Where is my order?",
  created_at: at,
  updated_at: at,
  closed_at: null,
  escalated_at: null,
  metadata: {},
};
const message = {
  id: "msg_01jh9x2k3m8a7b6c5d4e3f2g1h",
  conversation_id: conversation.id,
  direction: "inbound",
  author: "contact",
  author_name: "Pat Doe",
  body: "Hi, my order #1042 has not arrived yet.",
  source: "api",
  attachments: [],
  channel_delivery: null,
  created_at: at,
};
const byKey: PerformedBy = { type: "api_key", id: "key_01jh9w0000aaaabbbbccccdddd", name: "Default key" };

const data: Record<WebhookEventType, Record<string, unknown>> = {
  "conversation.created": conversation,
  "conversation.updated": { ...conversation, status: "closed", closed_at: at },
  "conversation.closed": { ...conversation, status: "closed", closed_at: at },
  "message.received": { ...message, conversation },
  "message.sent": {
    ...message,
    id: "msg_01jh9x2k3n0000aaaabbbbcccc",
    direction: "outbound",
    author: "agent",
    author_name: "Sarah Lee",
    body: "It ships today.",
    conversation,
  },
  "escalation.triggered": { ...conversation, status: "escalated", escalated_at: at, reason: "Customer asked for a human" },
};

export function sampleEvent(type: WebhookEventType) {
  return {
    id: `evt_01jh9x2k3p0000sample${type.replace(/\W/g, "").slice(0, 6)}`,
    type,
    created_at: at,
    company_id: "co_acme",
    data: data[type],
    performed_by: type === "message.sent" ? { type: "agent", id: "usr_sarah", name: "Sarah Lee" } : byKey,
  };
}
