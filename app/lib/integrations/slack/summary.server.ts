/**
 * The daily summary (cron, every minute): once the configured hour has come in the company's
 * timezone, post yesterday's numbers (new, closed and escalated conversations, and the busiest
 * hour by messages) to the channel, once per company and local day. The day is claimed in D1
 * before posting (an INSERT into slack_summaries that only one run wins; a claim left by a run that
 * died is taken over after SUMMARY_CLAIM_STALE_MS) and released if the post fails, so overlapping
 * runs, a reconnect or a second connection row never post the same day twice.
 */
import { and, eq, gte, isNotNull, isNull, lt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { companies, connections, events, messages, slackSummaries } from "../../db/schema";
import { NeedsReauthError } from "../access.server";
import { SlackApiError, slackCall } from "./api.server";
import { type SummaryInput, summaryMessage } from "./blocks";
import { readSlackConfig } from "./config";
import { botToken, markSlackNeedsReauth, type SlackRuntime } from "./connection.server";
import { isoDate, localParts, previousDay, safeTimeZone, startOfLocalDay } from "./timezone";

export const SUMMARY_CLAIM_STALE_MS = 15 * 60_000;

/** One claim per company and local day: inserted, or taken over when stale and never posted. */
async function claimDay(db: Db, c: { companyId: string; connectionId: string; day: string; now: Date }): Promise<boolean> {
  const t = c.now.getTime();
  const rows = await db.all<{ day: string }>(sql`INSERT INTO ${slackSummaries} (company_id, day, connection_id, claimed_at)
    VALUES (${c.companyId}, ${c.day}, ${c.connectionId}, ${t})
    ON CONFLICT (company_id, day) DO UPDATE SET connection_id = excluded.connection_id, claimed_at = excluded.claimed_at
      WHERE ${slackSummaries}.posted_at IS NULL AND ${slackSummaries}.claimed_at < ${t - SUMMARY_CLAIM_STALE_MS}
    RETURNING day`);
  return rows.length === 1;
}

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
  const { db } = rt;
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
    const day = and(eq(slackSummaries.companyId, connection.companyId), eq(slackSummaries.day, today));
    // A cheap read first (most ticks of the day find it done); the INSERT below is the claim.
    if (
      await db
        .select({ day: slackSummaries.day })
        .from(slackSummaries)
        .where(and(day, isNotNull(slackSummaries.postedAt)))
        .get()
    )
      continue;
    if (!(await claimDay(db, { companyId: connection.companyId, connectionId: connection.id, day: today, now }))) continue;
    try {
      const summary = await summaryForDay(db, connection.companyId, previousDay(local), tz);
      const token = await botToken(rt, connection);
      await slackCall({ fetch: rt.fetch, env: rt.env }, token, "chat.postMessage", {
        channel: config.channel_id,
        ...summaryMessage(summary),
      });
      await db.update(slackSummaries).set({ postedAt: now }).where(day);
      run.posted.push(connection.companyId);
    } catch (error) {
      await db
        .delete(slackSummaries)
        .where(and(day, isNull(slackSummaries.postedAt), eq(slackSummaries.claimedAt, now)))
        .catch(() => {});
      run.failed.push(connection.companyId);
      if (error instanceof SlackApiError && error.authFailed) await markSlackNeedsReauth(db, connection, error.code, now);
      else if (!(error instanceof NeedsReauthError))
        console.error("slack summary failed", connection.companyId, error instanceof Error ? error.message : "unknown");
    }
  }
  return run;
}

/** Claims of days more than a week old only take space (cron). */
export async function purgeSummaryClaims({ db, now }: { db: Db; now: Date }) {
  await db.delete(slackSummaries).where(lt(slackSummaries.claimedAt, new Date(now.getTime() - 7 * 86_400_000)));
}
