/**
 * Zapier: REST hooks. Its subscriptions are webhook endpoints (source "zapier") delivered by the
 * webhook pipeline, so the adapter has no deliverer of its own: it shows the live Zap count and
 * revokes its key and subscriptions on disconnect. Connecting has its own screen (the key shown once).
 */
import { defineAdapter } from "../adapter";
import { CATALOG } from "../catalog";
import { zapierDisconnectStatements } from "./account.server";
import { activeZapsLine, zapierSubscriptionCountQuery } from "./hooks.server";

export const zapierAdapter = defineAdapter({
  id: "zapier",
  provider: CATALOG.zapier,
  features: CATALOG.zapier.features,
  configureScreen: true,
  ownConnectScreen: true,
  card: {
    query: (db, companyId) => zapierSubscriptionCountQuery(db, companyId),
    info: ({ queried }) => ({ info: activeZapsLine(Number((queried as { n: number }[] | undefined)?.[0]?.n ?? 0)) }),
  },
  disconnect: {
    statements: ({ db, user, ip, now }) => zapierDisconnectStatements(db, { user, ip, now }),
  },
});
