import * as z from "zod";
import { apiKeyCaller, endpointDeps } from "../../deps.server";
import { findHook, type HookView, hookSamples, subscribeHook, unsubscribeHook } from "../../integrations/zapier/hooks.server";
import { webhookEventTypes } from "../../vocabulary";
import { MAX_URL_LENGTH } from "../../webhooks/url-guard";
import { type ApiRequestContext, type ApiRoute, defineRoute, jsonResponse } from "../define";
import { problem } from "../problem";
import { Event, Id, Timestamp } from "../schemas";

/**
 * Zapier REST hooks (architecture.md §6): subscribe, unsubscribe and sample data for Zapier's triggers.
 * A subscription is a webhook endpoint with source "rest_hook", so it rides the same signed pipeline.
 */
const TAG = "Zapier";

const Hook = z
  .object({
    id: Id,
    target_url: z.string().max(2048),
    event: z.enum(webhookEventTypes),
    created_at: Timestamp,
  })
  .meta({ id: "ZapierHook" });

const HookSubscribe = z
  .object({
    target_url: z
      .string({ error: "Send the target_url Zapier gave you" })
      .trim()
      .min(1, "Send the target_url Zapier gave you")
      .max(MAX_URL_LENGTH, `The URL must be at most ${MAX_URL_LENGTH} characters.`),
    event: z.enum(webhookEventTypes, { error: `Choose one of: ${webhookEventTypes.join(", ")}` }),
  })
  .meta({ id: "ZapierHookSubscribe" });

const GONE = "This subscription was removed. Zapier: drop it and subscribe again.";
const NOT_FOUND = "No Zapier subscription with that id.";

function hookRepresentation(h: HookView) {
  return { id: h.id, target_url: h.targetUrl, event: h.event, created_at: h.createdAt.toISOString() };
}

function deps(c: ApiRequestContext<unknown, unknown>) {
  return endpointDeps(c.env, apiKeyCaller(c.key, c.request.headers.get("CF-Connecting-IP")), { db: c.db, now: c.now });
}

export const hookRoutes: ApiRoute[] = [
  defineRoute({
    method: "POST",
    path: "/v1/hooks",
    scope: "hooks",
    operationId: "subscribeZapierHook",
    companyLimit: "webhook.create",
    summary: "Subscribe a Zapier REST hook to one event",
    description:
      "Zapier's performSubscribe. Creates a webhook endpoint with `source: \"rest_hook\"` for one event; deliveries are signed like any webhook. The URL rules of webhook endpoints apply, and the company's 20-endpoint limit counts subscriptions too.",
    tag: TAG,
    body: HookSubscribe,
    responses: { 201: { description: "The subscription. Keep its `id` to unsubscribe.", schema: Hook } },
    handler: async (c) => {
      const result = await subscribeHook(await deps(c), { targetUrl: c.body.target_url, event: c.body.event });
      if (!result.ok) {
        const errors = Object.fromEntries(Object.entries(result.errors).map(([k, v]) => [k === "" ? "_" : k, v]));
        return problem(400, "The request has invalid fields.", { errors });
      }
      return jsonResponse(hookRepresentation(result.hook), 201, { Location: `/v1/hooks/${result.hook.id}` });
    },
  }),
  defineRoute({
    method: "GET",
    path: "/v1/hooks/:id",
    scope: "hooks",
    operationId: "getZapierHook",
    summary: "One Zapier subscription",
    description: "410 Gone once the subscription has been removed.",
    tag: TAG,
    responses: { 200: { description: "The subscription.", schema: Hook }, 410: { description: "The subscription was removed." } },
    handler: async (c) => {
      const found = await findHook({ db: c.db, companyId: c.key.companyId }, c.params.id!);
      if (found.kind === "found") return jsonResponse(hookRepresentation(found.hook));
      return found.kind === "gone" ? problem(410, GONE) : problem(404, NOT_FOUND);
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/v1/hooks/:id",
    scope: "hooks",
    operationId: "unsubscribeZapierHook",
    summary: "Unsubscribe a Zapier REST hook",
    description:
      "Zapier's performUnsubscribe. The target gets no further deliveries (pending ones are dropped). Only Zapier subscriptions can be removed here; a removed id answers 410 Gone.",
    tag: TAG,
    responses: { 204: { description: "Removed." }, 410: { description: "Already removed." } },
    handler: async (c) => {
      const outcome = await unsubscribeHook(await deps(c), c.params.id!);
      if (outcome === "deleted") return new Response(null, { status: 204 });
      return outcome === "gone" ? problem(410, GONE) : problem(404, NOT_FOUND);
    },
  }),
  defineRoute({
    method: "GET",
    path: "/v1/hooks/samples/:event",
    scope: "hooks",
    operationId: "listZapierHookSamples",
    summary: "Sample payloads for an event (Zapier's performList)",
    description:
      "An array of event objects exactly as a subscription receives them: the company's three most recent events of the type when the key has `conversations:read`, otherwise (or when there are none yet) one realistic sample.",
    tag: TAG,
    responses: {
      200: { description: "Newest first; each item has an `id`.", schema: z.array(Event).max(3).meta({ id: "ZapierHookSamples" }) },
    },
    handler: async (c) => {
      const event = z.enum(webhookEventTypes).safeParse(c.params.event);
      if (!event.success) return problem(404, `Unknown event type. Use one of: ${webhookEventTypes.join(", ")}.`);
      const samples = await hookSamples({ db: c.db, companyId: c.key.companyId }, event.data, {
        includeRecent: c.key.scopes.includes("conversations:read"),
      });
      return jsonResponse(samples);
    },
  }),
];
