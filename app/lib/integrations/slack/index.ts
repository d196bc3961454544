/** Slack: channel notifications (as deliveries), a daily summary (cron), replies from threads. */
import { eq } from "drizzle-orm";
import { slackThreads } from "../../db/schema";
import { defineAdapter, type EventSubscription } from "../adapter";
import { CATALOG } from "../catalog";
import { readSlackConfig, slackConfigSchema } from "./config";
import { forgetSlackCaches } from "./disconnect.server";
import { purgeSlackReceipts } from "./inbound.server";
import { deliverToSlack, slackWants } from "./notify.server";
import { processSlackEvent } from "./reply.server";
import { postDailySummaries, purgeSummaryClaims } from "./summary.server";

const notify: EventSubscription = { wants: slackWants, deliver: deliverToSlack };

export const slackAdapter = defineAdapter({
  id: "slack",
  provider: CATALOG.slack,
  features: CATALOG.slack.features,
  settings: slackConfigSchema,
  card: {
    info: ({ connection }) => {
      const { channel } = readSlackConfig(connection.config);
      return {
        info: channel
          ? `Connected to: ${channel.startsWith("#") ? channel : `#${channel}`}`
          : `Workspace: ${connection.accountLabel ?? "unknown"} · no channel chosen yet`,
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
