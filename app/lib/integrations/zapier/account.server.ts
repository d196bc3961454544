import { and, eq, isNull } from "drizzle-orm";
import { createApiKey, maskKey, revokeApiKey } from "../../api-keys/keys.server";
import { auditInsert, userActor } from "../../audit.server";
import type { CurrentUser } from "../../auth/users.server";
import type { Db } from "../../db/client";
import { type ApiScope, apiKeys } from "../../db/schema";
import { CATALOG } from "../catalog";
import { type ConnectDeps, enableBuiltIn } from "../connect.server";
import { removeHooksStatements, zapierEndpointIds } from "./hooks.server";

/**
 * The Zapier connection on our side: a dedicated API key (kind "zapier") that the admin pastes
 * into Zapier once, plus the connection row. Disconnecting revokes every Zapier key and removes
 * every Zapier subscription, so nothing keeps flowing to Zaps the admin turned off here.
 */
export const ZAPIER_KEY_NAME = "Zapier";
/**
 * Every scope the Zapier key carries, in this one list (issue 16, ADR 0080): triggers read
 * conversations and subscribe through /v1/hooks; the actions (creates) write conversations.
 * `hooks` is its only webhook-related scope: never `webhooks:read`/`webhooks:write`, which would
 * reach the company's own endpoints and secrets.
 */
export const ZAPIER_KEY_SCOPES: readonly ApiScope[] = ["conversations:read", "conversations:write", "hooks"];

/** The catalog entry, reachable from a .server module (routes importing the catalog ship zod to the browser). */
export const zapierProvider = CATALOG.zapier;

type Who = { user: CurrentUser; ip: string | null };

/** Creates the key and the connection row; returns the key's secret (to show once, never stored). */
export async function connectZapier(deps: ConnectDeps, { user, ip }: Who) {
  const now = deps.now();
  const key = await createApiKey({
    db: deps.db,
    companyId: user.company.id,
    actor: userActor(user),
    now,
    ip,
    name: ZAPIER_KEY_NAME,
    scopes: ZAPIER_KEY_SCOPES,
    kind: "zapier",
  });
  try {
    const connection = await enableBuiltIn(deps, { provider: CATALOG.zapier, user, ip, accountLabel: `API key ${maskKey(key.last4)}` });
    return { keyId: key.id, secret: key.secret, connectionId: connection.connectionId };
  } catch (error) {
    // Nothing half-saved: a key without its connection would be an orphan credential.
    await revokeApiKey({ db: deps.db, companyId: user.company.id, actor: userActor(user), now: deps.now(), ip, keyId: key.id });
    throw error;
  }
}

/**
 * For the disconnect batch: revoke the company's Zapier keys and remove its Zapier subscriptions
 * (delivery history, tombstones and audit rows included).
 */
export async function zapierDisconnectStatements(db: Db, { user, ip, now }: Who & { now: Date }) {
  const companyId = user.company.id;
  const [keys, hookIds] = await Promise.all([
    db
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(and(eq(apiKeys.companyId, companyId), eq(apiKeys.kind, "zapier"), isNull(apiKeys.revokedAt)))
      .all(),
    zapierEndpointIds({ db, companyId }),
  ]);
  const actor = userActor(user);
  return [
    db
      .update(apiKeys)
      .set({ revokedAt: now })
      .where(and(eq(apiKeys.companyId, companyId), eq(apiKeys.kind, "zapier"), isNull(apiKeys.revokedAt))),
    ...keys.map((k) =>
      auditInsert(db, {
        companyId,
        actor,
        action: "api_key.revoked",
        target: k.id,
        details: { reason: "Zapier disconnected" },
        ip,
        at: now,
      }),
    ),
    ...removeHooksStatements(db, { companyId, ids: hookIds, actor, action: "zapier_hook.removed", ip, now }),
  ];
}
