import type { conversations, messages } from "../db/schema";

type ConversationRow = typeof conversations.$inferSelect;
type MessageRow = typeof messages.$inferSelect;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The API representation of a conversation: also the `data` of conversation.* events. */
export function conversationRepresentation(c: ConversationRow) {
  return {
    id: c.id,
    channel: c.channel,
    status: c.status,
    contact: { email: c.contactEmail, phone: c.contactPhone, name: c.contactName, marketing_consent: c.contactMarketingConsent },
    subject: c.subject,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
    closed_at: iso(c.closedAt),
    escalated_at: iso(c.escalatedAt),
    metadata: c.metadata ?? {},
  };
}

/** The API representation of a message: also the `data` of message.* events (with its conversation). */
export function messageRepresentation(m: MessageRow) {
  return {
    id: m.id,
    conversation_id: m.conversationId,
    direction: m.direction,
    author: m.authorKind,
    author_name: m.authorName,
    body: m.body,
    source: m.source,
    attachments: (m.attachments ?? []).map((a) => ({ filename: a.filename, mime_type: a.mimeType, size: a.size ?? null })),
    /** What the customer's channel (WhatsApp) last reported for an outbound message; null otherwise. */
    channel_delivery: m.channelStatus ? { status: m.channelStatus, at: iso(m.channelStatusAt), error: m.channelError } : null,
    created_at: m.createdAt.toISOString(),
  };
}
