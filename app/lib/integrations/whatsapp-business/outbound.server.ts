/**
 * Agent and AI replies (`message.sent`) in a WhatsApp conversation, delivered through the Cloud
 * API by the delivery pipeline (attempt rows, retries, 401 → needs_reauth). Inside the 24-hour
 * customer-service window the text is sent; outside it the configured approved template is sent
 * instead, and without one the reply is refused with the reason (in the activity, and as a 422 by
 * the API before it is even stored).
 */
import { and, desc, eq } from "drizzle-orm";
import { whatsAppIdFromPhone } from "../../conversations/contact";
import type { Db } from "../../db/client";
import { conversations, messages } from "../../db/schema";
import type { DeliveryContext, DeliveryOutcome } from "../adapter";
import { GraphApiError, type OutboundBody, sendMessage, templateMessage, textMessage } from "./client.server";
import { findWhatsAppConnection } from "./connection.server";
import { MESSAGE_SOURCE } from "./inbound.server";
import { parseWhatsAppSettings, templateOf } from "./settings";
import { serviceWindow, type WindowState, windowClosedReason } from "./window";

type ConversationRow = typeof conversations.$inferSelect;

/** When the customer last wrote on WhatsApp in this conversation. */
export async function lastInboundAt({
  db,
  companyId,
  conversationId,
}: {
  db: Db;
  companyId: string;
  conversationId: string;
}): Promise<Date | null> {
  const row = await db
    .select({ at: messages.createdAt })
    .from(messages)
    .where(
      and(
        eq(messages.companyId, companyId),
        eq(messages.conversationId, conversationId),
        eq(messages.source, MESSAGE_SOURCE),
        eq(messages.direction, "inbound"),
      ),
    )
    .orderBy(desc(messages.id))
    .limit(1)
    .get();
  return row?.at ?? null;
}

/**
 * Why an agent's or the AI's reply cannot go out on WhatsApp now, or null when it can (not a
 * WhatsApp conversation, the window is open, or a template will be sent instead).
 */
export async function whatsAppReplyRefusal({
  db,
  companyId,
  conversation,
  now,
}: {
  db: Db;
  companyId: string;
  conversation: ConversationRow;
  now: Date;
}): Promise<string | null> {
  if (conversation.channel !== "whatsapp") return null;
  const window = serviceWindow(await lastInboundAt({ db, companyId, conversationId: conversation.id }), now);
  if (window.open) return null;
  const connection = await findWhatsAppConnection({ db, companyId });
  if (connection && templateOf(parseWhatsAppSettings(connection.config))) return null;
  return windowClosedReason(window);
}

type SentPayload = { id?: unknown; conversation?: { id?: unknown; channel?: unknown } };

/** The fan-out filter: only replies in WhatsApp conversations. */
export function isWhatsAppReply(payload: unknown): boolean {
  return (payload as SentPayload | null)?.conversation?.channel === "whatsapp";
}

async function recordChannelStatus(db: Db, companyId: string, messageId: string, set: Partial<typeof messages.$inferInsert>) {
  await db
    .update(messages)
    .set(set)
    .where(and(eq(messages.companyId, companyId), eq(messages.id, messageId)));
}

export async function deliverWhatsAppReply(ctx: DeliveryContext): Promise<DeliveryOutcome> {
  const { db, event } = ctx;
  const companyId = event.companyId;
  const payload = event.payload as SentPayload;
  const messageId = typeof payload.id === "string" ? payload.id : "";
  const message = await db
    .select()
    .from(messages)
    .where(and(eq(messages.companyId, companyId), eq(messages.id, messageId)))
    .get();
  if (!message) return { ok: false, statusCode: null, gone: true, error: "The message no longer exists." };
  if (message.channelMessageId) return { ok: true, statusCode: null, summary: `Already sent (${message.channelMessageId})` };
  const conversation = await db
    .select()
    .from(conversations)
    .where(and(eq(conversations.companyId, companyId), eq(conversations.id, message.conversationId)))
    .get();
  if (!conversation?.contactPhone)
    return { ok: false, statusCode: null, gone: true, error: "The conversation has no WhatsApp phone number." };

  const now = ctx.now();
  const window: WindowState = serviceWindow(await lastInboundAt({ db, companyId, conversationId: conversation.id }), now);
  const template = templateOf(parseWhatsAppSettings(ctx.connection.settings));
  const to = whatsAppIdFromPhone(conversation.contactPhone);
  let body: OutboundBody;
  if (window.open) body = textMessage(to, message.body);
  else if (template) body = templateMessage(to, template);
  else {
    const reason = windowClosedReason(window);
    await recordChannelStatus(db, companyId, message.id, { channelStatus: "failed", channelStatusAt: now, channelError: reason });
    return { ok: false, statusCode: null, gone: true, error: reason };
  }

  const fields = ctx.connection.credential.fields ?? {};
  const auth = { token: fields.access_token ?? "", appSecret: fields.app_secret ?? "" };
  const phoneNumberId = ctx.connection.row.accountId ?? fields.phone_number_id ?? "";
  try {
    const { wamid } = await sendMessage({ env: ctx.env, fetch: ctx.fetch, signal: ctx.signal }, { ...auth, phoneNumberId, body });
    await recordChannelStatus(db, companyId, message.id, {
      channelMessageId: wamid,
      channelStatus: "accepted",
      channelStatusAt: now,
      channelError: null,
    });
    const what = body.type === "template" ? `template “${body.template.name}” (the 24-hour window is closed)` : "the reply";
    return {
      ok: true,
      statusCode: 200,
      summary: `Sent ${what} to ${conversation.contactPhone} on WhatsApp`,
      requestHeaders: { "x-whatsapp-type": body.type },
    };
  } catch (error) {
    if (!(error instanceof GraphApiError))
      return { ok: false, statusCode: null, error: error instanceof Error ? error.name : "network error" };
    const retryable = error.status === 429 || error.status >= 500;
    // A revoked token or a rotated app secret: the admin must reconnect.
    const reauth = error.badToken || error.badAppSecret;
    if (!retryable && !reauth) {
      await recordChannelStatus(db, companyId, message.id, { channelStatus: "failed", channelStatusAt: now, channelError: error.message });
    }
    return {
      ok: false,
      statusCode: error.status,
      error: error.code ? `${error.message} (code ${error.code})` : error.message,
      needsReauth: reauth,
      retryAfterSeconds: error.retryAfterSeconds,
    };
  }
}
