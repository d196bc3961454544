import * as z from "zod";
import { apiKeyCaller, deliveryDeps, endpointDeps } from "../../deps.server";
import { hitLimit, type LimitBucket, limitMessage } from "../../security/limits.server";
import { getEndpoint, type Result } from "../../webhooks/endpoints.server";
import { MAX_REPLAY_EVENTS, RECEIVER_CHECK_NAMES, STALE_AGE_SECONDS } from "../../webhooks/receiver-tools";
import { getReplay, type ReplayMessage, type ReplaySendView, type ReplaySummary, startReplay } from "../../webhooks/replay-anywhere.server";
import { verifyReceiver } from "../../webhooks/verify-receiver.server";
import { type ApiRequestContext, type ApiRoute, defineRoute, jsonResponse } from "../define";
import { problem } from "../problem";
import { Count, Id, Timestamp } from "../schemas";

/** /v1/webhooks/:id/verify and /v1/webhooks/:id/replays (issue 18): thin adapters over app/lib/webhooks. */
const TAG = "Webhooks";
const NOT_FOUND = "No webhook endpoint with that id.";
const HttpStatus = z.int32().min(100).max(599);
const Instant = z.iso.datetime({ offset: true, error: "Must be an ISO 8601 date-time" }).max(40);

const ReceiverVerification = z
  .object({
    passed: z.boolean().meta({ description: "True when all three checks passed." }),
    checks: z
      .array(
        z.object({
          name: z.enum(RECEIVER_CHECK_NAMES).meta({
            description: `signed: a correctly signed delivery, which must be accepted (2xx). bad_signature: signed with a wrong secret, which must be refused (any other answer). stale_timestamp: correctly signed with a webhook-timestamp ${STALE_AGE_SECONDS / 60} minutes old, which must be refused.`,
          }),
          passed: z.boolean(),
          status: HttpStatus.nullable().meta({ description: "The receiver's HTTP status; null when nothing was delivered." }),
          detail: z.string().max(1000).meta({ description: "What happened and, when the check failed, what to change." }),
        }),
      )
      .min(3)
      .max(3),
  })
  .meta({ id: "ReceiverVerification" });

const ReplayCreate = z
  .object({
    url: z.string().max(2048).meta({ description: "Where to send the copies (checked like an endpoint URL)." }),
    delivery_id: Id.optional().meta({ description: "Replay this one delivery of the endpoint." }),
    from: Instant.optional().meta({ description: "Or replay every delivery of the endpoint created at or after this instant…" }),
    to: Instant.optional().meta({ description: "…and at or before this one (default: now)." }),
  })
  .superRefine((b, ctx) => {
    if (b.delivery_id !== undefined && (b.from !== undefined || b.to !== undefined))
      ctx.addIssue({ code: "custom", path: ["delivery_id"], message: "Give delivery_id or a from/to range, not both" });
    if (b.delivery_id === undefined && b.from === undefined)
      ctx.addIssue({ code: "custom", path: ["from"], message: "Give delivery_id, or from (and optionally to)" });
  })
  .meta({ id: "WebhookReplayCreate" });

const replayFields = {
  id: Id,
  endpoint_id: Id,
  url: z.string().max(2048),
  delivery_id: Id.nullable(),
  from: Timestamp.nullable(),
  to: Timestamp.nullable(),
  total: Count.max(MAX_REPLAY_EVENTS),
  pending: Count.max(MAX_REPLAY_EVENTS),
  succeeded: Count.max(MAX_REPLAY_EVENTS),
  failed: Count.max(MAX_REPLAY_EVENTS),
  created_at: Timestamp,
};
const WebhookReplay = z.object(replayFields).meta({ id: "WebhookReplay" });
const WebhookReplayDetail = z
  .object({
    ...replayFields,
    sends: z
      .array(
        z.object({
          event_id: Id,
          event_type: z.string().max(100).nullable(),
          status: z.enum(["pending", "succeeded", "failed"]),
          status_code: HttpStatus.nullable(),
          error: z.string().max(500).nullable(),
          duration_ms: z.int32().min(0).nullable(),
          attempted_at: Timestamp.nullable(),
        }),
      )
      .max(MAX_REPLAY_EVENTS)
      .meta({ description: "One per event, oldest first. Each is a single signed POST; replays are not retried." }),
  })
  .meta({ id: "WebhookReplayDetail" });

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function replayRepresentation(r: ReplaySummary) {
  return {
    id: r.id,
    endpoint_id: r.endpointId,
    url: r.url,
    delivery_id: r.deliveryId,
    from: iso(r.rangeFrom),
    to: iso(r.rangeTo),
    total: r.total,
    pending: r.pending,
    succeeded: r.succeeded,
    failed: r.failed,
    created_at: r.createdAt.toISOString(),
  };
}

function sendRepresentation(s: ReplaySendView) {
  return {
    event_id: s.eventId,
    event_type: s.eventType,
    status: s.status,
    status_code: s.statusCode,
    error: s.error,
    duration_ms: s.durationMs,
    attempted_at: iso(s.attemptedAt),
  };
}

function failure(result: Extract<Result<unknown>, { ok: false }>): Response {
  if (result.status === 404) return problem(404, NOT_FOUND);
  const errors = Object.fromEntries(Object.entries(result.errors).map(([k, v]) => [k === "" ? "_" : k, v]));
  return problem(400, "The request has invalid fields.", { errors });
}

/**
 * The endpoint must be the caller's before any budget is spent (another company's id is a 404 that
 * costs nothing), so these routes count their unit here rather than through the table's companyLimit.
 */
async function ownedThenBudgeted(c: ApiRequestContext<unknown, unknown>, bucket: LimitBucket): Promise<Response | null> {
  if (!(await getEndpoint({ db: c.db, companyId: c.key.companyId }, c.params.id!, c.now))) return problem(404, NOT_FOUND);
  const d = await hitLimit(c.env, bucket, c.key.companyId);
  return d.allowed ? null : problem(429, limitMessage(bucket, d), {}, { "Retry-After": String(d.resetSeconds) });
}

export const webhookToolRoutes: ApiRoute[] = [
  defineRoute({
    method: "POST",
    path: "/v1/webhooks/:id/verify",
    scope: "webhooks:write",
    operationId: "verifyWebhookReceiver",
    summary: "Check that the receiver verifies signatures and timestamps",
    description:
      "Sends three `webhook.test` deliveries to the endpoint's URL: one correctly signed (must be accepted with a 2xx), one with a wrong signature and one correctly signed with a timestamp older than the five-minute tolerance (both must be refused). They are not recorded as deliveries. Counts against the same per-company budget as the Test button (10 a minute; 429 with Retry-After when spent).",
    tag: TAG,
    responses: { 200: { description: "The verdict on each check.", schema: ReceiverVerification } },
    handler: async (c) => {
      const deps = await endpointDeps(c.env, apiKeyCaller(c.key, c.request.headers.get("CF-Connecting-IP")), { db: c.db, now: c.now });
      const spent = await ownedThenBudgeted(c, "webhook.test");
      if (spent) return spent;
      const result = await verifyReceiver({ ...deps, send: await deliveryDeps(c.env) }, c.params.id!);
      if (!result.ok) return failure(result);
      return jsonResponse({ passed: result.value.passed, checks: result.value.checks });
    },
  }),
  defineRoute({
    method: "POST",
    path: "/v1/webhooks/:id/replays",
    scope: "webhooks:write",
    operationId: "replayWebhookDeliveries",
    summary: "Replay one delivery or a time range of deliveries to another URL",
    description: `Sends copies of the endpoint's deliveries (at most ${MAX_REPLAY_EVENTS}) to \`url\`, signed with the endpoint's secret and with the original \`webhook-id\`, e.g. to a staging receiver. The endpoint's own delivery log and counters are not touched. Each copy is sent once; follow the outcome with GET …/replays/{replayId}. Counts against the same per-company budget as Replay failed (5 an hour; 429 with Retry-After when spent).`,
    tag: TAG,
    body: ReplayCreate,
    responses: { 202: { description: "Queued.", schema: WebhookReplay } },
    handler: async (c) => {
      const deps = await endpointDeps(c.env, apiKeyCaller(c.key, c.request.headers.get("CF-Connecting-IP")), { db: c.db, now: c.now });
      const spent = await ownedThenBudgeted(c, "webhook.replay");
      if (spent) return spent;
      const input =
        c.body.delivery_id !== undefined
          ? { url: c.body.url, deliveryId: c.body.delivery_id }
          : { url: c.body.url, from: new Date(c.body.from!), to: c.body.to ? new Date(c.body.to) : c.now };
      const result = await startReplay({ ...deps, queue: c.env.DELIVERIES as unknown as Queue<ReplayMessage> }, c.params.id!, input);
      if (!result.ok) return failure(result);
      return jsonResponse(replayRepresentation(result.value), 202, {
        Location: `/v1/webhooks/${result.value.endpointId}/replays/${result.value.id}`,
      });
    },
  }),
  defineRoute({
    method: "GET",
    path: "/v1/webhooks/:id/replays/:replayId",
    scope: "webhooks:read",
    operationId: "getWebhookReplay",
    summary: "One replay with the outcome of each copy",
    tag: TAG,
    responses: { 200: { description: "The replay.", schema: WebhookReplayDetail } },
    handler: async (c) => {
      const found = await getReplay({ db: c.db, companyId: c.key.companyId }, c.params.id!, c.params.replayId!);
      if (!found) return problem(404, "No replay with that id on this endpoint.");
      return jsonResponse({ ...replayRepresentation(found.replay), sends: found.sends.map(sendRepresentation) });
    },
  }),
];
