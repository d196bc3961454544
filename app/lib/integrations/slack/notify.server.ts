/**
 * Slack notifications ride the delivery pipeline: the adapter subscribes to these events, `wants`
 * tells the fan-out which become a Slack delivery (by the admin's toggles), and `deliverToSlack`
 * performs one attempt, which the engine records and retries like a webhook.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Contact } from "../../conversations/contact";
import { listMessages } from "../../conversations/conversations.server";
import type { Db } from "../../db/client";
import { conversations, deliveries, events, slackThreads } from "../../db/schema";
import { appBaseUrl } from "../../env";
import type { DeliveryContext, DeliveryOutcome, EventRow, WantsContext } from "../adapter";
import { SlackApiError, type SlackDeps, slackCall } from "./api.server";
import { escalationMessage, parentMessage, type SlackMessage, threadMessage } from "./blocks";
import { readSlackConfig, type SlackConfig } from "./config";
import { findThread } from "./connection.server";

type ConversationPayload = {
  id: string;
  status: "open" | "escalated" | "closed";
  contact: Contact;
  subject: string | null;
  created_at: string;
  reason?: string | null;
};
type MessagePayload = {
  id: string;
  author: string;
  author_name: string | null;
  body: string;
  source: string;
  created_at: string;
  conversation: ConversationPayload;
};

const conversationIdOf = (event: EventRow): string | null => {
  const p = event.payload as Partial<ConversationPayload & MessagePayload>;
  return event.type.startsWith("message.") ? (p.conversation?.id ?? null) : (p.id ?? null);
};

/** The first message arrives with conversation.created and is already in the parent message. */
function isFirstMessage(p: MessagePayload) {
  return p.created_at === p.conversation?.created_at;
}

async function wants(db: Db, event: EventRow, companyId: string, config: SlackConfig): Promise<boolean> {
  switch (event.type) {
    case "conversation.created":
      return config.notify_new_conversations;
    case "message.received":
    case "message.sent": {
      const p = event.payload as MessagePayload;
      // A reply written in Slack is already in the thread: never echo it back.
      return config.notify_all_messages && p.source !== "slack" && !isFirstMessage(p);
    }
    case "escalation.triggered":
      return config.notify_escalations;
    case "conversation.closed": {
      const id = conversationIdOf(event);
      return Boolean(id && (await findThread(db, companyId, id)));
    }
    default:
      return false;
  }
}

/** Fan-out filter: a channel is chosen and the admin's toggle for this event is on. */
export async function slackWants({ db, event, connection }: WantsContext): Promise<boolean> {
  const config = readSlackConfig(connection.row.config);
  if (!config.channel_id) return false;
  return wants(db, event, event.companyId, config);
}

const gone = (error: string): DeliveryOutcome => ({ ok: false, gone: true, statusCode: null, error });
const done = (excerpt: string, headers: Record<string, string> = {}): DeliveryOutcome => ({
  ok: true,
  statusCode: 200,
  responseExcerpt: excerpt,
  summary: excerpt,
  requestHeaders: headers,
});

/** Channel-level errors that no retry will fix. */
const CHANNEL_GONE = new Set([
  "channel_not_found",
  "not_in_channel",
  "is_archived",
  "msg_too_long",
  "invalid_blocks",
  "no_text",
  "cant_update_message",
  "message_not_found",
]);

export async function deliverToSlack({ db, env, fetch, event, signal, connection: conn, now }: DeliveryContext): Promise<DeliveryOutcome> {
  const delivery = { companyId: event.companyId };
  const config = readSlackConfig(conn.row.config);
  if (!config.channel_id) return gone("No Slack channel is configured.");
  if (!(await wants(db, event, delivery.companyId, config)))
    return done("Not posted: this notification is turned off in the Slack settings.");
  const api: SlackDeps = { fetch, env, signal };
  const method = { current: "" };
  const token = conn.credential.accessToken;
  if (!token) return { ok: false, statusCode: null, needsReauth: true, error: "Slack needs to be reconnected." };
  try {
    const post = async (m: SlackMessage, extra: Record<string, unknown>) => {
      method.current = "chat.postMessage";
      return slackCall<{ ts: string; channel: string }>(api, token, "chat.postMessage", {
        ...m,
        unfurl_links: false,
        unfurl_media: false,
        ...extra,
      });
    };
    const headers = () => ({ "x-slack-method": method.current, "x-slack-channel": config.channel_id! });
    const conversationId = conversationIdOf(event);
    if (!conversationId) return gone("The event names no conversation.");
    const url = `${appBaseUrl(env)}/conversations/${conversationId}`;

    /** The conversation's thread; posts the parent first when it does not exist yet. */
    const ensureThread = async (): Promise<{ channel: string; threadTs: string } | "wait"> => {
      const existing = await findThread(db, delivery.companyId, conversationId);
      if (existing) return { channel: existing.channel, threadTs: existing.threadTs };
      if (event.type !== "conversation.created" && (await parentPending(db, delivery.companyId, conversationId))) return "wait";
      const conv = await db
        .select()
        .from(conversations)
        .where(and(eq(conversations.companyId, delivery.companyId), eq(conversations.id, conversationId)))
        .get();
      if (!conv) throw new SlackApiError("lookup", "conversation_not_found", null);
      const [first] = await listMessages({ db, companyId: delivery.companyId, conversationId, limit: 1 });
      const parent = parentMessage({
        conversationId,
        contact: { email: conv.contactEmail, phone: conv.contactPhone, name: conv.contactName },
        subject: conv.subject,
        firstMessage: first?.body ?? null,
        url,
        status: conv.status === "closed" ? "closed" : "open",
      });
      const res = await post(parent, { channel: config.channel_id });
      await db
        .insert(slackThreads)
        .values({
          conversationId,
          companyId: delivery.companyId,
          channel: res.channel ?? config.channel_id!,
          threadTs: res.ts,
          createdAt: now(),
        })
        .onConflictDoNothing();
      return { channel: res.channel ?? config.channel_id!, threadTs: res.ts };
    };

    switch (event.type) {
      case "conversation.created": {
        const thread = await ensureThread();
        if (thread === "wait") return { ok: false, statusCode: null, error: "Waiting for the parent message.", retryAfterSeconds: 5 };
        return done(`posted ts=${thread.threadTs}`, headers());
      }
      case "message.received":
      case "message.sent": {
        const p = event.payload as MessagePayload;
        const thread = await ensureThread();
        if (thread === "wait") return { ok: false, statusCode: null, error: "Waiting for the parent message.", retryAfterSeconds: 5 };
        const res = await post(threadMessage({ author: p.author, authorName: p.author_name, body: p.body }), {
          channel: thread.channel,
          thread_ts: thread.threadTs,
        });
        return done(`posted ts=${res.ts} in thread ${thread.threadTs}`, headers());
      }
      case "escalation.triggered": {
        const p = event.payload as ConversationPayload;
        const thread = await ensureThread();
        if (thread === "wait") return { ok: false, statusCode: null, error: "Waiting for the parent message.", retryAfterSeconds: 5 };
        const res = await post(escalationMessage({ contact: p.contact, reason: p.reason ?? null, url }), {
          channel: thread.channel,
          thread_ts: thread.threadTs,
          reply_broadcast: true,
        });
        return done(`posted ts=${res.ts} in thread ${thread.threadTs}`, headers());
      }
      case "conversation.closed": {
        const p = event.payload as ConversationPayload;
        const thread = await findThread(db, delivery.companyId, conversationId);
        if (!thread) return done("Not posted: the conversation has no Slack thread.");
        const [first] = await listMessages({ db, companyId: delivery.companyId, conversationId, limit: 1 });
        const m = parentMessage({
          conversationId,
          contact: p.contact,
          subject: p.subject,
          firstMessage: first?.body ?? null,
          url,
          status: "closed",
        });
        method.current = "chat.update";
        await slackCall(api, token, "chat.update", { channel: thread.channel, ts: thread.threadTs, ...m });
        return done(`updated ts=${thread.threadTs}`, headers());
      }
      default:
        return done("Not posted: Slack does not react to this event.");
    }
  } catch (error) {
    if (!(error instanceof SlackApiError)) throw error;
    const requestHeaders = { "x-slack-method": error.method };
    if (error.rateLimited)
      return {
        ok: false,
        statusCode: 429,
        error: `Slack rate limited ${error.method}.`,
        retryAfterSeconds: error.retryAfterSeconds,
        requestHeaders,
      };
    if (error.authFailed)
      return {
        ok: false,
        needsReauth: true,
        statusCode: error.status,
        error: `Slack refused the app's token (${error.code}). Reconnect Slack.`,
        requestHeaders,
      };
    if (CHANNEL_GONE.has(error.code) || error.code === "conversation_not_found")
      return { ...gone(`Slack answered ${error.code}.`), statusCode: error.status, requestHeaders };
    // Slack's other errors come with HTTP 200 ({ ok: false }): a 5xx or a network error is retried.
    return {
      ok: false,
      statusCode: error.status && error.status >= 500 ? error.status : null,
      error: `Slack answered ${error.code}.`,
      requestHeaders,
    };
  }
}

/** A Slack delivery of this conversation's conversation.created is still waiting to be sent. */
async function parentPending(db: Db, companyId: string, conversationId: string): Promise<boolean> {
  const row = await db
    .select({ id: deliveries.id })
    .from(deliveries)
    .innerJoin(events, and(eq(events.id, deliveries.eventId), eq(events.companyId, deliveries.companyId)))
    .where(
      and(
        eq(deliveries.companyId, companyId),
        eq(deliveries.targetKind, "integration"),
        eq(deliveries.targetId, "slack"),
        eq(deliveries.status, "pending"),
        eq(events.type, "conversation.created"),
        sql`json_extract(${events.payload}, '$.id') = ${conversationId}`,
      ),
    )
    .get();
  return Boolean(row);
}
