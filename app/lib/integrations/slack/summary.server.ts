/**
 * The daily summary (cron, every minute): once the configured hour has come in the company's
 * timezone, post yesterday's numbers (new, closed and escalated conversations, and the busiest
 * hour by messages) to the channel, once per local day. The day is claimed in KV before posting
 * and released if the post fails, so two overlapping runs cannot both post.
 */
import { and, eq, gte, lt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { companies, connections, events, messages } from "../../db/schema";
import { NeedsReauthError } from "../access.server";
import { SlackApiError, slackCall } from "./api.server";
import { type SummaryInput, summaryMessage } from "./blocks";
import { readSlackConfig } from "./config";
import { botToken, markSlackNeedsReauth, type SlackRuntime } from "./connection.server";
import { isoDate, localParts, previousDay, safeTimeZone, startOfLocalDay } from "./timezone";

export const summaryMarkerKey = (connectionId: string) => `slack_summary_last:${connectionId}`;

export async function summaryForDay(
  db: Db,
  companyId: string,
  day: { year: number; month: number; day: number },
  timeZone: string,
): Promise<SummaryInput> {
  const from = startOfLocalDay(day, timeZone);
  const to = startOfLocalDay({ ...day, day: day.day + 1 }, timeZone);
  const inDay = and(eq(events.companyId, companyId), gte(events.createdAt, from), lt(events.createdAt, to));
  const distinctConversations = sql<number>`count(distinct json_extract(${events.payload}, '$.id'))`;
  const [created, closed, escalated, times] = await db.batch([
    db
      .select({ n: distinctConversations })
      .from(events)
      .where(and(inDay, eq(events.type, "conversation.created"))),
    db
      .select({ n: distinctConversations })
      .from(events)
      .where(and(inDay, eq(events.type, "conversation.closed"))),
    db
      .select({ n: distinctConversations })
      .from(events)
      .where(and(inDay, eq(events.type, "escalation.triggered"))),
    db
      .select({ at: messages.createdAt })
      .from(messages)
      .where(and(eq(messages.companyId, companyId), gte(messages.createdAt, from), lt(messages.createdAt, to)))
      .limit(20_000),
  ]);
  const perHour = new Array<number>(24).fill(0);
  for (const m of times) perHour[localParts(m.at, timeZone).hour]!++;
  const busiestCount = Math.max(...perHour);
  return {
    date: isoDate(day),
    timezone: timeZone,
    created: Number(created[0]?.n ?? 0),
    closed: Number(closed[0]?.n ?? 0),
    escalated: Number(escalated[0]?.n ?? 0),
    busiestHour: busiestCount > 0 ? perHour.indexOf(busiestCount) : null,
    busiestCount,
  };
}

export type SummaryRun = { posted: string[]; failed: string[] };

export async function postDailySummaries(rt: SlackRuntime): Promise<SummaryRun> {
  const { db, kv } = rt;
  const now = rt.now();
  const rows = await db
    .select({ connection: connections, timezone: companies.timezone })
    .from(connections)
    .innerJoin(companies, eq(companies.id, connections.companyId))
    .where(and(eq(connections.provider, "slack"), eq(connections.status, "connected")))
    .all();
  const run: SummaryRun = { posted: [], failed: [] };
  for (const { connection, timezone } of rows) {
    const config = readSlackConfig(connection.config);
    if (!config.daily_summary || !config.channel_id) continue;
    const tz = safeTimeZone(timezone);
    const local = localParts(now, tz);
    if (local.hour < config.summary_hour) continue;
    const today = isoDate(local);
    const marker = summaryMarkerKey(connection.id);
    if ((await kv.get(marker)) === today) continue;
    await kv.put(marker, today, { expirationTtl: 3 * 86_400 });
    try {
      const summary = await summaryForDay(db, connection.companyId, previousDay(local), tz);
      const token = await botToken(rt, connection);
      await slackCall({ fetch: rt.fetch, env: rt.env }, token, "chat.postMessage", {
        channel: config.channel_id,
        ...summaryMessage(summary),
      });
      run.posted.push(connection.companyId);
    } catch (error) {
      await kv.delete(marker);
      run.failed.push(connection.companyId);
      if (error instanceof SlackApiError && error.authFailed) await markSlackNeedsReauth(db, connection, error.code, now);
      else if (!(error instanceof NeedsReauthError))
        console.error("slack summary failed", connection.companyId, error instanceof Error ? error.message : "unknown");
    }
  }
  return run;
}
