/**
 * The product's word lists: the closed sets of values that storage, the API schemas and the UI
 * all spell the same way. No storage imports here, so components can use them too.
 */
export const userRoles = ["company_admin", "agent"] as const;
export type UserRole = (typeof userRoles)[number];

export const connectionStatuses = ["connected", "needs_reauth", "error"] as const;
export type ConnectionStatus = (typeof connectionStatuses)[number];

/**
 * Health alerts (ADR 0110): a connection that needs reconnecting, a webhook endpoint failing for
 * an hour or auto-disabled, a channel's inbound address refusing mail it should take.
 */
export const alertKinds = ["connection", "endpoint_failing", "endpoint_disabled", "channel_refusing"] as const;
export type AlertKind = (typeof alertKinds)[number];

/**
 * `hooks` reaches only Zapier REST-hook subscriptions (/v1/hooks): the Zapier key's one
 * webhook-related scope, so it can never read, repoint or re-key a user's own endpoints.
 */
export const apiScopes = [
  "conversations:read",
  "conversations:write",
  "webhooks:read",
  "webhooks:write",
  "hooks",
  "orders:read",
  "contacts:read",
] as const;
export type ApiScope = (typeof apiScopes)[number];

export const webhookEventTypes = [
  "conversation.created",
  "conversation.updated",
  "conversation.closed",
  "message.received",
  "message.sent",
  "escalation.triggered",
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];
/** What each webhook event means, as the Webhooks section and the endpoint form describe it. */
export const EVENT_DESCRIPTIONS: Record<WebhookEventType, string> = {
  "conversation.created": "A new conversation started (widget, email, API or Slack).",
  "conversation.updated": "A conversation's status or details changed.",
  "conversation.closed": "A conversation was closed.",
  "message.received": "A contact sent a message.",
  "message.sent": "An agent or the AI replied.",
  "escalation.triggered": "A conversation was escalated to a human agent.",
};
export const eventTypes = [...webhookEventTypes, "webhook.test"] as const;
export type EventType = (typeof eventTypes)[number];

/**
 * Who made a webhook endpoint: the company (`user`), or an integration whose subscriptions are
 * endpoints it manages (`rest_hook`: REST hook subscriptions such as Zapier's, whose target URL is
 * the subscriber's bearer secret). Which integration owns a source is the registry's answer
 * (`hookSubscriptionOwner`), never a provider name in generic code.
 */
export const endpointSources = ["user", "rest_hook"] as const;
export type EndpointSource = (typeof endpointSources)[number];
export type HookSubscriptionSource = Exclude<EndpointSource, "user">;

export const deliveryStatuses = ["pending", "succeeded", "failed"] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

export const conversationChannels = ["widget", "email", "api", "slack", "whatsapp"] as const;
export type ConversationChannel = (typeof conversationChannels)[number];
export const conversationStatuses = ["open", "escalated", "closed"] as const;
export type ConversationStatus = (typeof conversationStatuses)[number];

export const authorKinds = ["contact", "ai", "agent"] as const;
export type AuthorKind = (typeof authorKinds)[number];

/** What a customer channel (WhatsApp) last reported for an outbound message. */
export const channelStatuses = ["accepted", "sent", "delivered", "read", "failed"] as const;
export type ChannelStatus = (typeof channelStatuses)[number];

/**
 * Who caused an event, as webhook payloads carry it. Besides the kinds named here, an integration
 * that acts with its own key performs changes as its catalog `actsAs` word (see INTEGRATION_PERFORMERS).
 */
export type PerformedBy = {
  type: "contact" | "ai" | "agent" | "api_key" | "system" | (string & {});
  id: string | null;
  name: string | null;
};
