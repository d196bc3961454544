/**
 * Segment: conversation events into one source through the HTTP Tracking API. Conversation
 * Started (with an identify call for the contact, by email), Conversation Escalated and
 * Conversation Closed, each with `messageId` = our event id, so a retried delivery is deduplicated
 * by Segment. Connecting checks the write key against the source settings Segment's own libraries
 * load (the tracking API itself accepts any key). No message text is sent.
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
import { type SegmentMessage, sendBatch, sourceSettings } from "./client.server";

/** Our event types → Segment track event names (only what we emit: there is no CSAT event yet). */
export const SEGMENT_EVENTS = {
  "conversation.created": "Conversation Started",
  "escalation.triggered": "Conversation Escalated",
  "conversation.closed": "Conversation Closed",
} as const satisfies Partial<Record<WebhookEventType, string>>;

type ConversationPayload = {
  id?: string;
  channel?: string;
  status?: string;
  contact?: { email?: string; name?: string | null };
  reason?: string | null;
  metadata?: Record<string, string>;
};

const CONTEXT = { library: { name: "integrations-hub", version: "1.0.0" } };

/** The calls one event becomes: identify first on a new conversation, then the track. */
export function segmentMessages(event: { id: string; type: string; createdAt: Date; payload: unknown }): SegmentMessage[] | null {
  const name = SEGMENT_EVENTS[event.type as keyof typeof SEGMENT_EVENTS];
  const p = event.payload as ConversationPayload;
  const email = p.contact?.email?.trim().toLowerCase();
  if (!name || !p.id || !email) return null;
  const anonymousId = p.metadata?.segment_anonymous_id;
  const who = { userId: email, ...(anonymousId ? { anonymousId } : {}) };
  const timestamp = event.createdAt.toISOString();
  const properties: Record<string, string> = { conversation_id: p.id };
  if (p.channel) properties.channel = p.channel;
  if (p.status) properties.status = p.status;
  if (event.type === "escalation.triggered" && p.reason) properties.reason = p.reason.slice(0, 500);
  const track: SegmentMessage = { type: "track", messageId: event.id, event: name, ...who, properties, timestamp, context: CONTEXT };
  if (event.type !== "conversation.created") return [track];
  const traits: Record<string, string> = { email };
  if (p.contact?.name) traits.name = p.contact.name;
  return [{ type: "identify", messageId: `${event.id}-identify`, ...who, traits, timestamp, context: CONTEXT }, track];
}

async function deliver(ctx: DeliveryContext): Promise<DeliveryOutcome> {
  const writeKey = ctx.connection.credential.fields?.write_key;
  if (!writeKey) return { ok: false, statusCode: null, needsReauth: true, error: "The Segment write key is missing. Reconnect Segment." };
  const batch = segmentMessages(ctx.event);
  if (!batch) return { ok: false, gone: true, statusCode: null, error: "Not sent: the event names no conversation or contact." };
  try {
    await sendBatch({ fetch: ctx.fetch, signal: ctx.signal, now: ctx.now, env: ctx.env }, writeKey, batch, ctx.now());
  } catch (error) {
    if (!(error instanceof ProviderApiError)) throw error;
    return { ok: false, statusCode: error.status, error: error.message, retryAfterSeconds: error.retryAfterSeconds };
  }
  const track = batch[batch.length - 1]!;
  return {
    ok: true,
    statusCode: 200,
    summary: `Sent “${String(track.event)}”${batch.length > 1 ? " and identify" : ""} for ${String(track.userId)}`,
    requestHeaders: { "x-segment-message-id": ctx.event.id },
  };
}

export async function verifySegment(input: VerifyInput): Promise<VerifyResult> {
  const writeKey = input.fields?.write_key ?? "";
  try {
    await sourceSettings({ fetch: input.fetch, signal: input.signal, now: () => input.now, env: input.env }, writeKey);
  } catch (error) {
    if (error instanceof ProviderApiError && (error.status === 404 || error.status === 401 || error.status === 403))
      return { ok: false, fieldErrors: { write_key: ["Segment does not know this write key. Copy it again from the source's settings."] } };
    return {
      ok: false,
      fieldErrors: {
        "": [`Segment could not be asked about the write key${error instanceof ProviderApiError ? ` (${error.message})` : ""}. Try again.`],
      },
    };
  }
  return { ok: true, accountLabel: input.fields?.source_name?.trim() || null, accountId: null };
}

const sub: EventSubscription = { deliver };

export const segmentAdapter = defineAdapter({
  id: "segment",
  provider: CATALOG.segment,
  features: CATALOG.segment.features,
  configureScreen: true,
  verifyCredential: verifySegment,
  card: { info: ({ connection }) => ({ info: `Source: ${connection.accountLabel ?? "Segment"}` }) },
  subscriptions: { "conversation.created": sub, "escalation.triggered": sub, "conversation.closed": sub },
});
