import * as z from "zod";
import { apiKeyCaller, deliveryDeps, endpointDeps } from "../../deps.server";
import { DEFAULT_RETENTION, retentionWindows } from "../../retention";
import { endpointSources, webhookEventTypes } from "../../vocabulary";
import { type DeliveryView, listDeliveries, resendDelivery, sendTestEvent } from "../../webhooks/deliveries.server";
import { EndpointInputSchema, EndpointPatchSchema } from "../../webhooks/endpoint-schema";
import {
  createEndpoint,
  deleteEndpoint,
  type EndpointDeps,
  type EndpointView,
  getEndpoint,
  listEndpoints,
  type Result,
  reenableEndpoint,
  rotateSecret,
  updateEndpoint,
} from "../../webhooks/endpoints.server";
import { type ApiRequestContext, type ApiRoute, defineRoute, jsonResponse } from "../define";
import { problem } from "../problem";
import { Count, Cursor, Id, Limit, page, Timestamp } from "../schemas";

/** How far back a delivery log goes (the deployment's retention windows, docs/decisions/0087-retention.md). */
const DeliveryRetention = z
  .object({
    deliveries_days: z.int32().min(1).max(3650).meta({ description: "Days a delivery is kept after its last attempt." }),
    attempts_days: z.int32().min(1).max(3650).meta({ description: "Days the details of each attempt are kept." }),
  })
  .meta({ id: "DeliveryRetention" });

/** The API lists the latest attempts of a delivery (every attempt stays in the page's history). */
const ATTEMPT_LOG_MAX = 100;
const HttpStatus = z.int32().min(100).max(599);
const Duration = z.int32().min(0);
// an excerpt is at most RESPONSE_EXCERPT_BYTES (1,024) of the body; an error at most 300 characters plus a short prefix
const Excerpt = z.string().max(1024);
const ErrorText = z.string().max(500);

/** /v1/webhooks… and /v1/deliveries…: thin adapters over the same lib functions the UI uses. */
const TAG = "Webhooks";

export const WebhookEndpoint = z
  .object({
    id: Id,
    url: z.string().max(2048),
    description: z.string().max(500),
    events: z.array(z.enum(webhookEventTypes)).max(webhookEventTypes.length),
    status: z.enum(["active", "disabled"]),
    disabled_reason: z.string().max(500).nullable(),
    source: z.enum(endpointSources).meta({
      description:
        "`user`: made by the company. `rest_hook`: a subscription an integration manages through `/v1/hooks` (Zapier); its URL is masked.",
    }),
    previous_secret_expires_at: Timestamp.nullable().meta({ description: "While a rotated-out secret still signs beside the new one." }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: "WebhookEndpoint" });

const WebhookEndpointWithSecret = WebhookEndpoint.extend({
  secret: z.string().max(100).meta({ description: "The `whsec_…` signing secret. Returned only here, once." }),
}).meta({ id: "WebhookEndpointWithSecret" });

const Attempt = z.object({
  n: Count,
  at: Timestamp,
  duration_ms: Duration,
  status_code: HttpStatus.nullable(),
  response_excerpt: Excerpt.nullable(),
  error: ErrorText.nullable(),
});

export const Delivery = z
  .object({
    id: Id,
    event_id: Id,
    event_type: z.string().max(100),
    status: z.enum(["pending", "succeeded", "failed"]),
    attempts: Count,
    last_status_code: HttpStatus.nullable(),
    next_attempt_at: Timestamp.nullable(),
    created_at: Timestamp,
    attempt_log: z
      .array(Attempt)
      .max(ATTEMPT_LOG_MAX)
      .meta({ description: `The latest ${ATTEMPT_LOG_MAX} attempts, oldest first.` }),
  })
  .meta({ id: "Delivery" });

const TestResult = z
  .object({
    delivery_id: Id,
    event_id: Id,
    ok: z.boolean(),
    status_code: HttpStatus.nullable(),
    duration_ms: Duration,
    response_excerpt: Excerpt.nullable(),
    error: ErrorText.nullable(),
  })
  .meta({ id: "WebhookTestResult" });

const WebhookPatchBody = EndpointPatchSchema.extend({
  status: z.literal("active", 'Only "active" can be set (it re-enables a disabled endpoint)').optional(),
}).meta({ id: "WebhookEndpointUpdate" });

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function endpointRepresentation(e: EndpointView) {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    events: e.events,
    status: e.status,
    disabled_reason: e.disabledReason,
    source: e.source,
    previous_secret_expires_at: iso(e.rotationEndsAt),
    created_at: e.createdAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
  };
}

function deliveryRepresentation(d: DeliveryView) {
  return {
    id: d.id,
    event_id: d.eventId,
    event_type: d.eventType,
    status: d.status,
    attempts: d.attempts,
    last_status_code: d.lastStatusCode,
    next_attempt_at: iso(d.nextAttemptAt),
    created_at: d.createdAt.toISOString(),
    attempt_log: d.attemptsList.slice(-ATTEMPT_LOG_MAX).map((a) => ({
      n: a.n,
      at: a.at.toISOString(),
      duration_ms: a.durationMs,
      status_code: a.statusCode,
      response_excerpt: a.responseExcerpt,
      error: a.error,
    })),
  };
}

function deps(c: ApiRequestContext<unknown, unknown>): Promise<EndpointDeps> {
  return endpointDeps(c.env, apiKeyCaller(c.key, c.request.headers.get("CF-Connecting-IP")), { db: c.db, now: c.now });
}

const NOT_FOUND = "No webhook endpoint with that id.";

function failure(result: Extract<Result<unknown>, { ok: false }>, notFound = NOT_FOUND): Response {
  if (result.status === 404) return problem(404, notFound);
  const errors = Object.fromEntries(Object.entries(result.errors).map(([k, v]) => [k === "" ? "_" : k, v]));
  return problem(400, "The request has invalid fields.", { errors });
}

export const webhookRoutes: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/v1/webhooks",
    scope: "webhooks:read",
    operationId: "listWebhookEndpoints",
    summary: "List webhook endpoints (at most 20 per company)",
    tag: TAG,
    responses: { 200: { description: "All endpoints of the company.", schema: page(WebhookEndpoint, "WebhookEndpointPage") } },
    handler: async (c) => {
      const rows = await listEndpoints({ db: c.db, companyId: c.key.companyId }, c.now);
      return jsonResponse({ data: rows.map(endpointRepresentation), next_cursor: null });
    },
  }),
  defineRoute({
    method: "POST",
    path: "/v1/webhooks",
    scope: "webhooks:write",
    operationId: "createWebhookEndpoint",
    companyLimit: "webhook.create",
    summary: "Register a webhook endpoint",
    description: "Returns the endpoint with its `whsec_…` signing secret: the only time the API shows it.",
    tag: TAG,
    body: EndpointInputSchema.meta({ id: "WebhookEndpointCreate" }),
    responses: { 201: { description: "The endpoint and its signing secret.", schema: WebhookEndpointWithSecret } },
    handler: async (c) => {
      const result = await createEndpoint(await deps(c), c.body);
      if (!result.ok) return failure(result);
      const { endpoint, secret } = result.value;
      return jsonResponse({ ...endpointRepresentation(endpoint), secret }, 201, { Location: `/v1/webhooks/${endpoint.id}` });
    },
  }),
  defineRoute({
    method: "GET",
    path: "/v1/webhooks/:id",
    scope: "webhooks:read",
    operationId: "getWebhookEndpoint",
    summary: "One webhook endpoint",
    tag: TAG,
    responses: { 200: { description: "The endpoint.", schema: WebhookEndpoint } },
    handler: async (c) => {
      const row = await getEndpoint({ db: c.db, companyId: c.key.companyId }, c.params.id!, c.now);
      return row ? jsonResponse(endpointRepresentation(row)) : problem(404, NOT_FOUND);
    },
  }),
  defineRoute({
    method: "PATCH",
    path: "/v1/webhooks/:id",
    scope: "webhooks:write",
    operationId: "updateWebhookEndpoint",
    summary: "Change an endpoint's URL, description or events, or re-enable it",
    tag: TAG,
    body: WebhookPatchBody,
    responses: { 200: { description: "The updated endpoint.", schema: WebhookEndpoint } },
    handler: async (c) => {
      const d = await deps(c);
      const { status, ...patch } = c.body;
      // each step answers the endpoint as it left it: no read-back (one round trip fewer)
      let view: EndpointView | null = null;
      if (Object.keys(patch).length > 0 || status === undefined) {
        const updated = await updateEndpoint(d, c.params.id!, patch);
        if (!updated.ok) return failure(updated);
        view = updated.value;
      }
      if (status === "active") {
        const enabled = await reenableEndpoint(d, c.params.id!);
        if (!enabled.ok) return failure(enabled);
        view = enabled.value;
      }
      return view ? jsonResponse(endpointRepresentation(view)) : problem(404, NOT_FOUND);
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/v1/webhooks/:id",
    scope: "webhooks:write",
    operationId: "deleteWebhookEndpoint",
    summary: "Delete an endpoint and its delivery history",
    tag: TAG,
    responses: { 204: { description: "Deleted." } },
    handler: async (c) => {
      const result = await deleteEndpoint(await deps(c), c.params.id!);
      return result.ok ? new Response(null, { status: 204 }) : failure(result);
    },
  }),
  defineRoute({
    method: "POST",
    path: "/v1/webhooks/:id/test",
    scope: "webhooks:write",
    operationId: "testWebhookEndpoint",
    companyLimit: "webhook.test",
    summary: "Send a signed webhook.test event now and report the receiver's answer",
    tag: TAG,
    responses: { 200: { description: "The attempt's outcome (also recorded as a delivery attempt).", schema: TestResult } },
    handler: async (c) => {
      const d = await deps(c);
      const result = await sendTestEvent({ ...d, attempt: await deliveryDeps(c.env) }, c.params.id!);
      if (!result.ok) return failure(result);
      const r = result.value;
      return jsonResponse({
        delivery_id: r.deliveryId,
        event_id: r.eventId,
        ok: r.ok,
        status_code: r.statusCode,
        duration_ms: r.durationMs,
        response_excerpt: r.responseExcerpt,
        error: r.error,
      });
    },
  }),
  defineRoute({
    method: "POST",
    path: "/v1/webhooks/:id/rotate-secret",
    scope: "webhooks:write",
    operationId: "rotateWebhookSecret",
    summary: "Issue a new signing secret; the old one keeps signing beside it for 24 hours",
    tag: TAG,
    responses: { 200: { description: "The endpoint with its new secret (shown once).", schema: WebhookEndpointWithSecret } },
    handler: async (c) => {
      const result = await rotateSecret(await deps(c), c.params.id!);
      if (!result.ok) return failure(result);
      return jsonResponse({ ...endpointRepresentation(result.value.endpoint), secret: result.value.secret });
    },
  }),
  defineRoute({
    method: "GET",
    path: "/v1/webhooks/:id/deliveries",
    scope: "webhooks:read",
    operationId: "listWebhookDeliveries",
    summary: "Deliveries to an endpoint with their attempts, newest first",
    description: [
      `History is kept for a limited time, then deleted: by default a delivery for **${DEFAULT_RETENTION.deliveriesDays} days** after its last attempt, and its attempts for ${DEFAULT_RETENTION.attemptsDays} days.`,
      "`retention` in each response gives this deployment's windows; `next_cursor` stops where the kept history ends.",
      "A pending delivery (waiting for a retry) is never deleted, whatever its age.",
    ].join("\n"),
    tag: TAG,
    query: z.object({ limit: Limit, cursor: Cursor.optional() }),
    responses: {
      200: {
        description: "A page of deliveries, and how far back the history goes.",
        schema: z
          .object({ data: z.array(Delivery).max(100), next_cursor: Id.nullable(), retention: DeliveryRetention })
          .meta({ id: "DeliveryPage" }),
      },
    },
    handler: async (c) => {
      const result = await listDeliveries({ db: c.db, companyId: c.key.companyId }, c.params.id!, {
        limit: c.query.limit,
        before: c.query.cursor ?? null,
      });
      if (!result.ok) return problem(404, NOT_FOUND);
      const w = retentionWindows(c.env);
      return jsonResponse({
        data: result.value.data.map(deliveryRepresentation),
        next_cursor: result.value.nextCursor,
        retention: { deliveries_days: w.deliveriesDays, attempts_days: Math.min(w.attemptsDays, w.deliveriesDays) },
      });
    },
  }),
  defineRoute({
    method: "POST",
    path: "/v1/deliveries/:id/resend",
    scope: "webhooks:write",
    operationId: "resendDelivery",
    companyLimit: "webhook.resend",
    summary: "Send one delivery again (a fresh run of the retry schedule)",
    tag: TAG,
    responses: {
      202: { description: "Queued.", schema: z.object({ id: Id, status: z.literal("pending") }).meta({ id: "DeliveryQueued" }) },
    },
    handler: async (c) => {
      const result = await resendDelivery({ ...(await deps(c)), queue: c.env.DELIVERIES }, c.params.id!);
      if (!result.ok) return failure(result, "No delivery with that id.");
      return jsonResponse({ id: result.value.id, status: "pending" }, 202);
    },
  }),
];
