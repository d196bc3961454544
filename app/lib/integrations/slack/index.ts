/** Slack: channel notifications (as deliveries), a daily summary (cron), replies from threads. */
import { eq } from "drizzle-orm";
import { slackThreads } from "../../db/schema";
import { defineAdapter, type EventSubscription } from "../adapter";
import { CATALOG } from "../catalog";
import { postAlertToSlack } from "./alert.server";
import { readSlackConfig, type SlackConfig, slackConfigSchema } from "./config";
import { forgetSlackCaches } from "./disconnect.server";
import { purgeSlackReceipts } from "./inbound.server";
import { deliverToSlack, slackWants } from "./notify.server";
import { processSlackEvent } from "./reply.server";
import { postDailySummaries, purgeSummaryClaims } from "./summary.server";

/**
 * The card's line when the saved toggles make the catalog's "Get notified about new conversations"
 * untrue: what is still posted, or that nothing is.
 */
export function slackCardLine(config: SlackConfig): string | undefined {
  if (config.notify_new_conversations) return undefined;
  const posted = [
    config.notify_escalations && "escalations",
    config.notify_all_messages && "every message",
    config.daily_summary && "a daily summary",
  ].filter((x): x is string => Boolean(x));
  if (posted.length === 0) return "Notifications are off: nothing is posted to Slack";
  const list = posted.length === 1 ? posted[0] : `${posted.slice(0, -1).join(", ")} and ${posted[posted.length - 1]}`;
  return `Get notified about ${list} (not new conversations)`;
}

const notify: EventSubscription = { wants: slackWants, deliver: deliverToSlack };

export const slackAdapter = defineAdapter({
  id: "slack",
  provider: CATALOG.slack,
  features: CATALOG.slack.features,
  settings: slackConfigSchema,
  card: {
    info: ({ connection }) => {
      const config = readSlackConfig(connection.config);
      const { channel } = config;
      return {
        info: channel
          ? `Connected to: ${channel.startsWith("#") ? channel : `#${channel}`}`
          : `Workspace: ${connection.accountLabel ?? "unknown"} · no channel chosen yet`,
        description: slackCardLine(config),
      };
    },
  },
  subscriptions: {
    "conversation.created": notify,
    "message.received": notify,
    "message.sent": notify,
    "escalation.triggered": notify,
    "conversation.closed": notify,
  },
  // Events API callbacks (replies from threads), stored by POST /slack/events and handled on the queue.
  inbound: (rt, id) => processSlackEvent(rt, id),
  // Health alerts (ADR 0110) go to the chosen channel.
  notify: postAlertToSlack,
  cron: async ({ db, kv, env, fetch, now }) => {
    const results = await Promise.allSettled([
      postDailySummaries({ db, kv, env, fetch, now: () => now }),
      purgeSlackReceipts({ db, now }),
      purgeSummaryClaims({ db, now }),
    ]);
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  },
  disconnect: {
    // The conversation → thread map goes: no reply from Slack after this point.
    statements: ({ db, connection }) => [db.delete(slackThreads).where(eq(slackThreads.companyId, connection.companyId))],
    after: ({ kv, connection }) => forgetSlackCaches(kv, connection.id),
  },
});
