/**
 * Zapier: REST hooks. Its subscriptions are webhook endpoints (source "rest_hook", declared in source.ts) delivered by the
 * webhook pipeline, so the adapter has no deliverer of its own: it shows the live Zap count and
 * revokes its key and subscriptions on disconnect. Connecting has its own screen (the key shown once).
 */
import { defineAdapter } from "../adapter";
import { CATALOG } from "../catalog";
import { zapierDisconnectStatements } from "./account.server";
import { activeZapsLine, type ZapierCardRow, zapierCardQuery } from "./hooks.server";
import { ZAPIER_HOOKS } from "./source";

export const zapierAdapter = defineAdapter({
  id: "zapier",
  provider: CATALOG.zapier,
  features: CATALOG.zapier.features,
  configureScreen: true,
  ownConnectScreen: true,
  hookSubscriptions: ZAPIER_HOOKS,
  // The public contract's own performer type for a Zap's action (architecture.md §4).
  apiKeyActor: (key) => ({ type: "zapier", id: key.id, name: key.name }),
  card: {
    query: (db, companyId, now) => zapierCardQuery(db, companyId, now),
    info: ({ queried }) => {
      const row = (queried as ZapierCardRow[] | undefined)?.[0];
      return {
        info: activeZapsLine(Number(row?.zaps ?? 0)),
        // A Zap's work is the deliveries to its subscription, so they are the card's health.
        health: {
          lastSuccessAt: row?.lastSuccessAt ? new Date(Number(row.lastSuccessAt)) : null,
          actions24h: Number(row?.deliveries24h ?? 0),
          errors24h: Number(row?.errors24h ?? 0),
        },
      };
    },
  },
  disconnect: {
    statements: ({ db, user, ip, now }) => zapierDisconnectStatements(db, { user, ip, now }),
  },
});
