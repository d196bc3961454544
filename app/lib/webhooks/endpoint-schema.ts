import * as z from "zod";
import { webhookEventTypes } from "../vocabulary";
import { checkWebhookUrl, type GuardPolicy, MAX_URL_LENGTH } from "./url-guard";

/** The shape of an endpoint form / API body. Shared by the UI, the API and the lib (which adds the URL guard). */
export const MAX_ENDPOINTS_PER_COMPANY = 20;

export const EndpointInputSchema = z.object({
  url: z
    .string({ error: "Enter the endpoint URL" })
    .trim()
    .min(1, "Enter the endpoint URL")
    .max(MAX_URL_LENGTH, `The URL must be at most ${MAX_URL_LENGTH} characters.`),
  description: z.string().trim().max(500, "The description must be at most 500 characters.").optional().default(""),
  events: z
    .array(z.enum(webhookEventTypes, { error: "Choose events from the list." }), { error: "Choose at least one event." })
    .min(1, "Choose at least one event.")
    .max(webhookEventTypes.length),
});
export type EndpointInput = z.infer<typeof EndpointInputSchema>;

/**
 * The Add/Edit form's schema: the same shape with the URL guard's rules on the URL field, so that
 * one submit reports every field's error at once (the browser runs it too, with the policy the
 * loader sent). The lib runs the guard again on save.
 */
export function endpointFormSchema(policy: GuardPolicy) {
  return EndpointInputSchema.extend({
    url: EndpointInputSchema.shape.url.superRefine((url, ctx) => {
      const verdict = checkWebhookUrl(url, policy);
      if (!verdict.ok) ctx.addIssue({ code: "custom", message: verdict.reason });
    }),
  });
}

/** The events the Add Webhook form starts with checked (the spec's form): everything but the high-volume message.sent and conversation.updated. */
export const DEFAULT_ENDPOINT_EVENTS = [
  "conversation.created",
  "conversation.closed",
  "message.received",
  "escalation.triggered",
] as const satisfies readonly (typeof webhookEventTypes)[number][];

export const EndpointPatchSchema = EndpointInputSchema.partial();
