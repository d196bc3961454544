/**
 * Slack notifications ride the delivery pipeline: the adapter subscribes to these events, `wants`
 * tells the fan-out which become a Slack delivery (by the admin's toggles), and `deliverToSlack`
 * performs one attempt, which the engine records and retries like a webhook.
 */
import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { Contact } from "../../conversations/contact";
import { listMessages } from "../../conversations/conversations.server";
import type { Db } from "../../db/client";
import { conversations, slackThreads } from "../../db/schema";
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

/** While another delivery posts the conversation's parent message, this one waits this long (uncounted). */
export const PARENT_WAIT_SECONDS = 5;
/** A parent claim older than this is taken over: its claimant died before posting (or recording) it. */
export const PARENT_CLAIM_STALE_MS = 60_000;
const waitForParent = (): DeliveryOutcome => ({
  ok: false,
  statusCode: null,
  deferSeconds: PARENT_WAIT_SECONDS,
  error: "Waiting for the parent message.",
});

export async function deliverToSlack({
  db,
  env,
  fetch,
  event,
  signal,
  connection: conn,
  now,
  deliveryId,
}: DeliveryContext): Promise<DeliveryOutcome> {
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

    /**
     * The conversation's thread. When it does not exist yet, this delivery claims the parent in D1
     * and posts it (one parent per conversation, whichever event comes first); while another
     * delivery holds the claim, "wait" (a short deferral, not an error).
     */
    const ensureThread = async (): Promise<{ channel: string; threadTs: string } | "wait"> => {
      const claim = await claimParent(db, { companyId: delivery.companyId, conversationId, deliveryId, now: now() });
      if (claim.kind === "thread") return claim.thread;
      if (claim.kind === "held") return "wait";
      try {
        const posted = await postParent();
        await completeParent(db, { conversationId, deliveryId, ...posted });
        return posted;
      } catch (error) {
        await releaseParent(db, { conversationId, deliveryId }).catch(() => {});
        throw error;
      }
    };
    const postParent = async (): Promise<{ channel: string; threadTs: string }> => {
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
      return { channel: res.channel ?? config.channel_id!, threadTs: res.ts };
    };

    switch (event.type) {
      case "conversation.created": {
        const thread = await ensureThread();
        if (thread === "wait") return waitForParent();
        return done(`posted ts=${thread.threadTs}`, headers());
      }
      case "message.received":
      case "message.sent": {
        const p = event.payload as MessagePayload;
        const thread = await ensureThread();
        if (thread === "wait") return waitForParent();
        const res = await post(threadMessage({ author: p.author, authorName: p.author_name, body: p.body }), {
          channel: thread.channel,
          thread_ts: thread.threadTs,
        });
        return done(`posted ts=${res.ts} in thread ${thread.threadTs}`, headers());
      }
      case "escalation.triggered": {
        const p = event.payload as ConversationPayload;
        const thread = await ensureThread();
        if (thread === "wait") return waitForParent();
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
        if (!thread?.threadTs || !thread.channel) return done("Not posted: the conversation has no Slack thread.");
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

type Claim = { kind: "claimed" } | { kind: "held" } | { kind: "thread"; thread: { channel: string; threadTs: string } };

/**
 * The parent message of a conversation is claimed in D1 before it is posted: a slack_threads row
 * without thread_ts, naming the claiming delivery. INSERT … ON CONFLICT DO NOTHING takes a free
 * conversation; a conditional UPDATE takes over a claim that is stale (or this delivery's own,
 * from an attempt that died). Anyone else sees the thread, or a claim held by another delivery.
 */
async function claimParent(db: Db, c: { companyId: string; conversationId: string; deliveryId: string; now: Date }): Promise<Claim> {
  const inserted = await db
    .insert(slackThreads)
    .values({ conversationId: c.conversationId, companyId: c.companyId, claimedBy: c.deliveryId, claimedAt: c.now, createdAt: c.now })
    .onConflictDoNothing()
    .returning({ id: slackThreads.conversationId });
  if (inserted.length === 1) return { kind: "claimed" };
  const mine = and(eq(slackThreads.conversationId, c.conversationId), eq(slackThreads.companyId, c.companyId));
  const takenOver = await db
    .update(slackThreads)
    .set({ claimedBy: c.deliveryId, claimedAt: c.now })
    .where(
      and(
        mine,
        isNull(slackThreads.threadTs),
        or(eq(slackThreads.claimedBy, c.deliveryId), lt(slackThreads.claimedAt, new Date(c.now.getTime() - PARENT_CLAIM_STALE_MS))),
      ),
    )
    .returning({ id: slackThreads.conversationId });
  if (takenOver.length === 1) return { kind: "claimed" };
  const row = await db.select().from(slackThreads).where(mine).get();
  if (row?.threadTs && row.channel) return { kind: "thread", thread: { channel: row.channel, threadTs: row.threadTs } };
  return { kind: "held" };
}

async function completeParent(db: Db, c: { conversationId: string; deliveryId: string; channel: string; threadTs: string }) {
  await db
    .update(slackThreads)
    .set({ channel: c.channel, threadTs: c.threadTs, claimedBy: null, claimedAt: null })
    .where(and(eq(slackThreads.conversationId, c.conversationId), eq(slackThreads.claimedBy, c.deliveryId)));
}

async function releaseParent(db: Db, c: { conversationId: string; deliveryId: string }) {
  await db
    .delete(slackThreads)
    .where(and(eq(slackThreads.conversationId, c.conversationId), eq(slackThreads.claimedBy, c.deliveryId), isNull(slackThreads.threadTs)));
}
