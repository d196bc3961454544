/**
 * What disconnecting Slack removes besides the connection row and its KV token (manage.server does
 * those and revokes with auth.revoke): the conversation → thread map (no reply from Slack any more)
 * and every Slack delivery still pending (no notification after this point).
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { deliveries, slackThreads } from "../../db/schema";
import { channelCacheKey } from "./channels.server";
import { summaryMarkerKey } from "./summary.server";

export function slackDisconnectStatements(db: Db, companyId: string, now: Date) {
  return [
    db.delete(slackThreads).where(eq(slackThreads.companyId, companyId)),
    db
      .update(deliveries)
      .set({ status: "failed", lastError: "Slack was disconnected.", nextAttemptAt: null, updatedAt: now })
      .where(and(eq(deliveries.companyId, companyId), eq(deliveries.targetKind, "integration"), eq(deliveries.targetId, "slack"), eq(deliveries.status, "pending"))),
  ] as const;
}

export async function forgetSlackCaches(kv: KVNamespace, connectionId: string) {
  await Promise.all([kv.delete(channelCacheKey(connectionId)), kv.delete(summaryMarkerKey(connectionId))]);
}
