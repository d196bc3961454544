import type { WebhookEventType } from "../db/schema";

/** A representative `data` object per event type (shown on the page; usable as Zapier samples). */
const conversation = {
  id: "conv_01hzx3example",
  channel: "widget",
  status: "open",
  contact: { email: "jane@example.com", name: "Jane Doe" },
  subject: "Question about my order",
  created_at: "2026-01-15T10:30:00.000Z",
};
const message = { id: "msg_01hzx3example", conversation_id: conversation.id, direction: "inbound", author: "contact", body: "Hi, where is my order #1042?", created_at: "2026-01-15T10:30:00.000Z" };

export const SAMPLE_DATA: Record<WebhookEventType, Record<string, unknown>> = {
  "conversation.created": { conversation },
  "conversation.updated": { conversation: { ...conversation, status: "escalated" }, changes: { status: { from: "open", to: "escalated" } } },
  "conversation.closed": { conversation: { ...conversation, status: "closed", closed_at: "2026-01-15T11:02:00.000Z" } },
  "message.received": { conversation_id: conversation.id, message },
  "message.sent": { conversation_id: conversation.id, message: { ...message, id: "msg_01hzx4example", direction: "outbound", author: "ai", body: "Your order shipped yesterday." } },
  "escalation.triggered": { conversation: { ...conversation, status: "escalated" }, reason: "The contact asked for a human." },
};

export function sampleEventBody(type: WebhookEventType, companyId = "co_acme") {
  return {
    id: "evt_01hzx3example",
    type,
    created_at: "2026-01-15T10:30:00.000Z",
    company_id: companyId,
    data: SAMPLE_DATA[type],
    performed_by: { type: "contact", id: null, name: "Jane Doe" },
  };
}
