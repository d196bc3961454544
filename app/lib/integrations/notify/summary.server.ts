/**
 * The daily summary for Teams and Discord (cron, every minute), the same numbers and rule as
 * Slack's: once the configured hour has come in the company's timezone, post yesterday's counts
 * once per local day. The day is claimed in KV before posting and released if the post fails.
 * A provider refusing the credential marks the connection needs_reauth (Reconnect on the card).
 */
import { inArray } from "drizzle-orm";
import type { Db } from "../../db/client";
import { companies } from "../../db/schema";
import type { CronContext, DeliveryConnection } from "../adapter";
import { markNeedsReauth } from "../connections.server";
import { ProviderApiError } from "../provider-http.server";
import type { SummaryInput } from "../slack/blocks";
import { summaryForDay } from "../slack/summary.server";
import { isoDate, localParts, previousDay, safeTimeZone } from "../slack/timezone";
import { readNotifySettings } from "./settings";

export type { SummaryInput };

export const notifySummaryMarker = (connectionId: string) => `notify_summary_last:${connectionId}`;

type PostSummary = (connection: DeliveryConnection, summary: SummaryInput) => Promise<void>;

async function timezones(db: Db, companyIds: string[]): Promise<Map<string, string>> {
  if (companyIds.length === 0) return new Map();
  const rows = await db.select({ id: companies.id, tz: companies.timezone }).from(companies).where(inArray(companies.id, companyIds)).all();
  return new Map(rows.map((r) => [r.id, r.tz]));
}

export async function postDueSummaries(
  ctx: CronContext,
  { name, post, refused }: { name: string; post: PostSummary; refused: (error: ProviderApiError) => boolean },
): Promise<{ posted: string[]; failed: string[] }> {
  const run = { posted: [] as string[], failed: [] as string[] };
  const due = (await ctx.connections()).filter((c) => readNotifySettings(c.row.config).daily_summary);
  if (due.length === 0) return run;
  const zones = await timezones(ctx.db, [...new Set(due.map((c) => c.row.companyId))]);
  for (const connection of due) {
    const { row } = connection;
    const tz = safeTimeZone(zones.get(row.companyId));
    const local = localParts(ctx.now, tz);
    if (local.hour < readNotifySettings(row.config).summary_hour) continue;
    const today = isoDate(local);
    const marker = notifySummaryMarker(row.id);
    if ((await ctx.kv.get(marker)) === today) continue;
    await ctx.kv.put(marker, today, { expirationTtl: 3 * 86_400 });
    try {
      await post(connection, await summaryForDay(ctx.db, row.companyId, previousDay(local), tz));
      run.posted.push(row.companyId);
    } catch (error) {
      await ctx.kv.delete(marker);
      run.failed.push(row.companyId);
      if (error instanceof ProviderApiError && refused(error))
        await markNeedsReauth({
          db: ctx.db,
          connection: row,
          now: ctx.now,
          reason: `${name} refused the daily summary (${error.message}).`,
        });
      else console.error(`${name} summary failed`, row.companyId, error instanceof Error ? error.message : "unknown");
    }
  }
  return run;
}

/** Forgets the summary marker when the connection goes (a reconnect starts a fresh day count). */
export const forgetSummaryMarker = (kv: KVNamespace, connectionId: string) => kv.delete(notifySummaryMarker(connectionId));
