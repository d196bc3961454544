/**
 * Google Analytics 4 through the Measurement Protocol: conversation_started, conversation_escalated
 * and conversation_closed, attributed to the visitor by the GA client id the chat widget put in the
 * conversation's metadata (`ga_client_id`, and `ga_session_id` when it has one). A conversation
 * without a client id cannot be attributed, so nothing is sent and the activity says so. GA4 has no
 * idempotency key: each event is sent once under an external-reference claim (send-once). No
 * personal data (email, names, message text) is sent: Google's terms forbid it.
 */
import type { WebhookEventType } from "../../db/schema";
import {
  type DeliveryContext,
  type DeliveryOutcome,
  defineAdapter,
  type EventSubscription,
  type VerifyInput,
  type VerifyResult,
} from "../adapter";
import { CATALOG } from "../catalog";
import { ProviderApiError } from "../provider-http.server";
import { sendOnce } from "../send-once.server";
import { collect, type Ga4Body, type Ga4Credentials, validate } from "./client.server";

export const GA4_EVENTS = {
  "conversation.created": "conversation_started",
  "escalation.triggered": "conversation_escalated",
  "conversation.closed": "conversation_closed",
} as const satisfies Partial<Record<WebhookEventType, string>>;

export const MEASUREMENT_ID = /^G-[A-Z0-9]{4,20}$/;
const CLIENT_ID = /^[A-Za-z0-9._-]{1,100}$/;
const SESSION_ID = /^\d{1,20}$/;

type ConversationPayload = { id?: string; channel?: string; metadata?: Record<string, string> };

export const NO_CLIENT_ID =
  "Not sent: the conversation has no Google Analytics client id (metadata.ga_client_id, passed by the chat widget), so GA4 could not attribute it.";

/** The Measurement Protocol body for one event, or why there is none. */
export function ga4Body(event: { type: string; createdAt: Date; payload: unknown }): Ga4Body | "no_client_id" | null {
  const name = GA4_EVENTS[event.type as keyof typeof GA4_EVENTS];
  const p = event.payload as ConversationPayload;
  if (!name || !p.id) return null;
  const clientId = p.metadata?.ga_client_id?.trim();
  if (!clientId || !CLIENT_ID.test(clientId)) return "no_client_id";
  const params: Record<string, string | number> = { conversation_id: p.id.slice(0, 100), engagement_time_msec: 1 };
  if (p.channel) params.channel = p.channel;
  const session = p.metadata?.ga_session_id?.trim();
  if (session && SESSION_ID.test(session)) params.session_id = session;
  return { client_id: clientId, timestamp_micros: String(event.createdAt.getTime() * 1000), events: [{ name, params }] };
}

function credentialsOf(fields: Record<string, string> | undefined): Ga4Credentials | null {
  const measurement_id = fields?.measurement_id?.trim().toUpperCase() ?? "";
  const api_secret = fields?.api_secret ?? "";
  return MEASUREMENT_ID.test(measurement_id) && api_secret ? { measurement_id, api_secret } : null;
}

async function deliver(ctx: DeliveryContext): Promise<DeliveryOutcome> {
  const creds = credentialsOf(ctx.connection.credential.fields);
  if (!creds)
    return {
      ok: false,
      statusCode: null,
      needsReauth: true,
      error: "The Measurement ID or API secret is missing. Reconnect Google Analytics.",
    };
  const body = ga4Body(ctx.event);
  if (body === null) return { ok: false, gone: true, statusCode: null, error: "Not sent: the event names no conversation." };
  if (body === "no_client_id") return { ok: false, gone: true, statusCode: null, error: NO_CLIENT_ID };
  const name = body.events[0]!.name;
  try {
    return await sendOnce(ctx.refs, "ga4_event", ctx.event.id, async () => {
      const status = await collect({ fetch: ctx.fetch, signal: ctx.signal, now: ctx.now, env: ctx.env }, creds, body);
      return {
        remoteId: `${creds.measurement_id}:${status}`,
        summary: `Sent ${name} for client ${body.client_id} to ${creds.measurement_id}`,
      };
    });
  } catch (error) {
    if (!(error instanceof ProviderApiError)) throw error;
    return { ok: false, statusCode: error.status, error: error.message, retryAfterSeconds: error.retryAfterSeconds };
  }
}

/** The Measurement ID's shape, then the validation server on an event like the ones we send. */
export async function verifyGa4(input: VerifyInput): Promise<VerifyResult> {
  const creds = credentialsOf(input.fields);
  if (!creds) return { ok: false, fieldErrors: { measurement_id: ["Enter the web stream's Measurement ID, like G-ABC123XYZ9."] } };
  const sample = ga4Body({
    type: "conversation.created",
    createdAt: input.now,
    payload: { id: "conv_connection_check", channel: "widget", metadata: { ga_client_id: "1234567890.1234567890" } },
  }) as Ga4Body;
  let messages: Awaited<ReturnType<typeof validate>>;
  try {
    messages = await validate({ fetch: input.fetch, signal: input.signal, now: () => input.now, env: input.env }, creds, sample);
  } catch (error) {
    return {
      ok: false,
      fieldErrors: {
        "": [
          `Google's validation server could not be reached${error instanceof ProviderApiError ? ` (${error.message})` : ""}. Try again.`,
        ],
      },
    };
  }
  if (messages.length) {
    const text = messages.map((m) => m.description ?? m.validationCode ?? "invalid").join(" ");
    const onId = messages.some((m) => /measurement_id/i.test(`${m.fieldPath ?? ""} ${m.description ?? ""}`));
    return {
      ok: false,
      fieldErrors: onId ? { measurement_id: [text] } : { "": [`Google's validation server refused our events: ${text}`] },
    };
  }
  return { ok: true, accountLabel: creds.measurement_id, accountId: creds.measurement_id };
}

const sub: EventSubscription = { deliver };

export const googleAnalyticsAdapter = defineAdapter({
  id: "google-analytics",
  provider: CATALOG["google-analytics"],
  features: CATALOG["google-analytics"].features,
  configureScreen: true,
  verifyCredential: verifyGa4,
  card: { info: ({ connection }) => ({ info: `Web stream: ${connection.accountLabel ?? "GA4"}` }) },
  subscriptions: { "conversation.created": sub, "escalation.triggered": sub, "conversation.closed": sub },
});
