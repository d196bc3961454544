/** The company's Slack connection, its settings, and its bot token (from the encrypted KV store). */
import { and, eq, isNotNull } from "drizzle-orm";
import type { Db } from "../../db/client";
import { slackThreads } from "../../db/schema";
import type { Env } from "../../env";
import { getAccessToken } from "../access.server";
import { type ConnectionRow, markNeedsReauth } from "../connections.server";
import type { Fetch } from "./api.server";

export type SlackRuntime = { db: Db; kv: KVNamespace; env: Env; fetch: Fetch; now: () => Date };

export function botToken(rt: SlackRuntime, connection: Pick<ConnectionRow, "id" | "companyId" | "provider">): Promise<string> {
  return getAccessToken(rt, connection);
}

/** Slack said the token is dead (invalid_auth, token_revoked…): the card then offers Reconnect. */
export async function markSlackNeedsReauth(db: Db, connection: Pick<ConnectionRow, "id" | "companyId">, code: string, now: Date) {
  await markNeedsReauth({ db, connection, now, reason: `Slack refused the app's token (${code}). Reconnect Slack.` });
}

/** The conversation's posted thread (a row that is only a claim, its parent not yet posted, is not one). */
export function findThread(db: Db, companyId: string, conversationId: string) {
  return db
    .select()
    .from(slackThreads)
    .where(and(eq(slackThreads.companyId, companyId), eq(slackThreads.conversationId, conversationId), isNotNull(slackThreads.threadTs)))
    .get();
}
