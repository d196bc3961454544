import { sampleEvent } from "../events/samples";
import type { WebhookEventType } from "../vocabulary";

/**
 * A representative webhook body per event type (Zapier's fallback samples). One source of truth
 * with /docs/api (events/samples), whose shapes follow conversations/representation.
 */
export function sampleEventBody(type: WebhookEventType, companyId = "co_acme") {
  return { ...sampleEvent(type), company_id: companyId };
}
