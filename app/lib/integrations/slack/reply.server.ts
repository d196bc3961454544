/**
 * Reply from Slack, on the queue: a human's message in a conversation's thread becomes an agent
 * message on that conversation (message.sent, performed_by the Slack user's real name), and so
 * reaches webhooks through the normal pipeline. Everything else is ignored: the app's own posts,
 * edits and deletions, top-level messages, unmapped threads, and workspaces with the toggle off.
 */
import { and, eq } from "drizzle-orm";
import { addMessage } from "../../conversations/conversations.server";
import { connections, inboundReceipts, type PerformedBy, slackThreads } from "../../db/schema";
import { enqueueEvents } from "../../events/emit.server";
import { SlackApiError, slackCall } from "./api.server";
import { readSlackConfig } from "./config";
import { botToken, markSlackNeedsReauth, type SlackRuntime } from "./connection.server";
import { RECEIPT_SOURCE } from "./inbound.server";

type SlackMessageEvent = {
  type?: string;
  subtype?: string;
  bot_id?: string;
  user?: string;
  text?: string;
  ts?: string;
  thread_ts?: string;
  channel?: string;
  team?: string;
};
type Envelope = { team_id?: string; event?: SlackMessageEvent; authorizations?: { user_id?: string; is_bot?: boolean }[] };

export type ReplyOutcome = { kind: "added"; conversationId: string; messageId: string } | { kind: "ignored"; reason: string };

const ignored = (reason: string): ReplyOutcome => ({ kind: "ignored", reason });

/** Slack's mrkdwn escapes these three; the conversation stores plain text. */
export function unescapeSlackText(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/**
 * The adapter's `inbound` hook: one stored Slack event (its inbound_receipts row). The payload is
 * cleared once handled, so a duplicate queue message finds nothing to do; an error leaves it for
 * the queue's retry (and, in the end, the dead-letter list).
 */
export async function processSlackEvent(rt: SlackRuntime, slackEventId: string): Promise<ReplyOutcome> {
  const where = and(eq(inboundReceipts.source, RECEIPT_SOURCE), eq(inboundReceipts.externalId, slackEventId));
  const row = await rt.db.select({ payload: inboundReceipts.payload }).from(inboundReceipts).where(where).get();
  if (!row) return ignored("the event is no longer stored");
  if (row.payload === null) return ignored("already handled");
  let envelope: Envelope;
  try {
    envelope = JSON.parse(row.payload) as Envelope;
  } catch {
    envelope = {};
  }
  const outcome = await handleEnvelope(rt, envelope);
  await rt.db.update(inboundReceipts).set({ payload: null }).where(where);
  return outcome;
}

async function handleEnvelope(rt: SlackRuntime, envelope: Envelope): Promise<ReplyOutcome> {
  const e = envelope.event ?? {};
  if (e.type !== "message") return ignored("not a message");
  if (e.subtype && e.subtype !== "thread_broadcast") return ignored(`subtype ${e.subtype}`);
  if (e.bot_id) return ignored("a bot's message");
  const botUsers = new Set((envelope.authorizations ?? []).filter((a) => a.is_bot && a.user_id).map((a) => a.user_id));
  if (!e.user || botUsers.has(e.user)) return ignored("the app's own message");
  if (!e.thread_ts || !e.ts || e.thread_ts === e.ts || !e.channel) return ignored("not a thread reply");
  const body = unescapeSlackText(e.text ?? "").trim();
  if (!body) return ignored("empty");
  const teamId = envelope.team_id ?? e.team;
  if (!teamId) return ignored("no team");

  // The thread names the conversation; the workspace (team id) must be the company's connection.
  const { db } = rt;
  const match = await db
    .select({ conversationId: slackThreads.conversationId, companyId: slackThreads.companyId, connection: connections })
    .from(slackThreads)
    .innerJoin(connections, and(eq(connections.companyId, slackThreads.companyId), eq(connections.provider, "slack")))
    .where(and(eq(connections.accountId, teamId), eq(slackThreads.channel, e.channel), eq(slackThreads.threadTs, e.thread_ts)))
    .get();
  if (!match) return ignored("not a mapped thread");
  if (match.connection.status !== "connected") return ignored("the connection needs attention");
  if (!readSlackConfig(match.connection.config).allow_replies) return ignored("replies from Slack are turned off");

  const name = await slackUserName(rt, match.connection, e.user);
  const performedBy: PerformedBy = { type: "agent", id: `slack:${e.user}`, name };
  try {
    const result = await addMessage(
      { db, companyId: match.companyId, performedBy, now: rt.now() },
      {
        conversationId: match.conversationId,
        body: body.slice(0, 20_000),
        author: "agent",
        authorName: name,
        source: "slack",
        externalId: e.ts,
      },
    );
    if (!result) return ignored("the conversation no longer exists");
    await enqueueEvents(rt.env.EVENTS, result.events);
    return { kind: "added", conversationId: match.conversationId, messageId: result.message.id };
  } catch (error) {
    // The same Slack message (same ts) twice: the unique (company, source, external id) refuses it.
    if (error instanceof Error && /UNIQUE/i.test(`${error.message} ${String((error as { cause?: unknown }).cause ?? "")}`))
      return ignored("already added");
    throw error;
  }
}

/** The replier's real name from users.info; the Slack user id when it cannot be looked up. */
async function slackUserName(rt: SlackRuntime, connection: typeof connections.$inferSelect, userId: string): Promise<string> {
  try {
    const token = await botToken(rt, connection);
    const data = await slackCall<{ user?: { real_name?: string; name?: string; profile?: { real_name?: string; display_name?: string } } }>(
      { fetch: rt.fetch, env: rt.env },
      token,
      "users.info",
      { user: userId },
    );
    const u = data.user ?? {};
    return (u.profile?.real_name || u.real_name || u.profile?.display_name || u.name || userId).slice(0, 100);
  } catch (error) {
    if (error instanceof SlackApiError && error.authFailed) await markSlackNeedsReauth(rt.db, connection, error.code, rt.now());
    return userId;
  }
}
