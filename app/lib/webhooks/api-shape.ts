import type { EndpointView } from "./endpoints.server";
import type { DeliveryView } from "./deliveries.server";

/**
 * JSON shapes for the /v1 webhooks API (snake_case, ISO dates), so the API routes the lead adds
 * serialise endpoints and deliveries the same way everywhere. Never includes a secret.
 */
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function endpointJson(e: EndpointView) {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    events: e.events,
    status: e.status,
    disabled_reason: e.disabledReason,
    disabled_at: iso(e.disabledAt),
    source: e.source,
    failing_since: iso(e.failingSince),
    previous_secret_expires_at: iso(e.rotationEndsAt),
    created_at: iso(e.createdAt),
    updated_at: iso(e.updatedAt),
  };
}

export function deliveryJson(d: DeliveryView) {
  return {
    id: d.id,
    event_id: d.eventId,
    event_type: d.eventType,
    endpoint_id: d.targetId,
    status: d.status,
    attempts: d.attempts,
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    last_attempt_at: iso(d.lastAttemptAt),
    last_duration_ms: d.lastDurationMs,
    next_attempt_at: iso(d.nextAttemptAt),
    created_at: iso(d.createdAt),
    attempt_log: d.attemptsList.map((a) => ({
      n: a.n,
      at: iso(a.at),
      duration_ms: a.durationMs,
      status_code: a.statusCode,
      response_excerpt: a.responseExcerpt,
      error: a.error,
    })),
  };
}
