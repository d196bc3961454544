/** Configure and disconnect: always looked up with the session's company id (another company's → null → 404). */
import { and, eq } from "drizzle-orm";
import { auditInsert, userActor } from "../audit.server";
import type { CurrentUser } from "../auth/users.server";
import { connections, deliveries } from "../db/schema";
import { revokeToken } from "../oauth/client.server";
import { deleteCredentials, loadCredentials, type StoredCredentials } from "../oauth/token-store.server";
import { keyringFromEnv } from "../security/encryption";
import type { DisconnectContext } from "./adapter";
import type { Provider } from "./catalog";
import { type ConnectDeps, cleanUpRemote } from "./connect.server";
import { type ConnectionRow, findConnection } from "./connections.server";
import { forgetExternalRefs } from "./external-refs.server";
import { findAdapter } from "./registry";

type Who = { user: CurrentUser; ip: string | null };

/** Writes validated settings (the caller parsed them with the provider's schema) + one audit row. */
export async function saveConnectionConfig(
  deps: Pick<ConnectDeps, "db" | "now">,
  { connection, user, ip, config }: Who & { connection: ConnectionRow; config: Record<string, unknown> },
) {
  const { db } = deps;
  const now = deps.now();
  const changed = Object.keys(config).filter((k) => JSON.stringify(config[k]) !== JSON.stringify(connection.config[k]));
  await db.batch([
    db
      .update(connections)
      .set({ config, updatedAt: now })
      .where(and(eq(connections.id, connection.id), eq(connections.companyId, user.company.id))),
    auditInsert(db, {
      companyId: user.company.id,
      actor: userActor(user),
      action: "integration.configured",
      target: connection.id,
      details: { provider: connection.provider, changed },
      ip,
      at: now,
    }),
  ]);
}

/**
 * Revokes at the provider where possible (a failed revocation does not keep the admin connected:
 * it is reported and the local credentials are deleted anyway), then deletes the KV entry and the
 * connection row (its config goes with it) together with one audit row.
 */
export async function disconnectIntegration(deps: ConnectDeps, { provider, user, ip }: Who & { provider: Provider }) {
  const { db } = deps;
  const connection = await findConnection({ db, companyId: user.company.id, provider: provider.id });
  if (!connection) return null;
  const steps = findAdapter(provider.id)?.disconnect;
  let stored: StoredCredentials | null = null;
  let revoked: "yes" | "not_supported" | "failed" = "not_supported";
  if (provider.oauth?.revoke || steps?.remote) {
    try {
      stored = await loadCredentials(
        { kv: deps.kv, ring: await keyringFromEnv(deps.env) },
        { companyId: user.company.id, connectionId: connection.id },
      );
    } catch {
      revoked = "failed"; // unreadable (a retired key): nothing to revoke with
    }
  }
  if (provider.oauth?.revoke && stored) {
    try {
      const token = stored.refreshToken && provider.oauth.revoke.style === "rfc7009" ? stored.refreshToken : stored.accessToken;
      if (token) revoked = (await revokeToken(deps, provider.oauth, deps.env, token)) ? "yes" : "not_supported";
    } catch {
      revoked = "failed";
    }
  }
  // What connecting set up at the provider (Zendesk's status webhook) goes with the connection.
  const cleanup = await cleanUpRemote(deps, provider, stored, connection.context ?? {});
  const now = deps.now();
  const companyId = user.company.id;
  const ctx: DisconnectContext = { db, kv: deps.kv, env: deps.env, connection, user, ip, now };
  // In the same batch as the connection row: the adapter's own steps (Zapier revokes its key and
  // subscriptions), every pending delivery to it (nothing is sent after this point), its references.
  const extra = (await steps?.statements?.(ctx)) ?? [];
  await db.batch([
    db.delete(connections).where(and(eq(connections.id, connection.id), eq(connections.companyId, companyId))),
    ...extra,
    db
      .update(deliveries)
      .set({ status: "failed", lastError: `${provider.name} was disconnected.`, nextAttemptAt: null, updatedAt: now })
      .where(
        and(
          eq(deliveries.companyId, companyId),
          eq(deliveries.targetKind, "integration"),
          eq(deliveries.targetId, provider.id),
          eq(deliveries.status, "pending"),
        ),
      ),
    forgetExternalRefs(db, companyId, provider.id),
    auditInsert(db, {
      companyId,
      actor: userActor(user),
      action: "integration.disconnected",
      target: connection.id,
      details: { provider: provider.id, revoked, ...(cleanup === "none" ? {} : { provider_cleanup: cleanup }) },
      ip,
      at: now,
    }),
  ]);
  await deleteCredentials(deps, connection.id);
  await steps?.after?.(ctx);
  return { revoked };
}
