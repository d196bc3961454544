import type { WebhookEventType } from "../vocabulary";
import { sampleEvent } from "../events/samples";

/**
 * A representative body per event type (shown on the page; Zapier's fallback samples). One source
 * of truth with /docs/api (events/samples), whose shapes follow conversations/representation.
 */
export const SAMPLE_DATA = Object.fromEntries(
  (["conversation.created", "conversation.updated", "conversation.closed", "message.received", "message.sent", "escalation.triggered"] as const).map((t) => [t, sampleEvent(t).data]),
) as Record<WebhookEventType, Record<string, unknown>>;

export function sampleEventBody(type: WebhookEventType, companyId = "co_acme") {
  return { ...sampleEvent(type), company_id: companyId };
}
