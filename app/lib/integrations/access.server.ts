/**
 * Using a connection's token: refresh ahead of expiry (on use and from cron), and turn a provider
 * 401 into `needs_reauth` so the Connected tab offers Reconnect.
 */
import { and, eq, isNull, lte, or } from "drizzle-orm";
import { connections } from "../db/schema";
import { ProviderError, refreshAccessToken } from "../oauth/client.server";
import { loadCredentials, saveCredentials } from "../oauth/token-store.server";
import { keyringFromEnv } from "../security/encryption";
import { findProvider } from "./catalog";
import type { ConnectDeps } from "./connect.server";
import { type ConnectionRow, connectionsExpiringSoon, markNeedsReauth } from "./connections.server";

/** Refresh when the token has less than this left. */
export const REFRESH_MARGIN_MS = 5 * 60 * 1000;

export class NeedsReauthError extends Error {
  constructor(readonly provider: string) {
    super(`${provider} needs to be reconnected`);
    this.name = "NeedsReauthError";
  }
}

type Conn = Pick<ConnectionRow, "id" | "companyId" | "provider">;

/**
 * Another worker holds the refresh claim (or our copy of the credentials is older than the last
 * refresh) and the access token has already expired: nothing valid to use yet. Transient: the
 * caller's retry finds the refreshed token.
 */
export class RefreshInProgressError extends Error {
  constructor(readonly provider: string) {
    super(`${provider}: a token refresh is in progress elsewhere`);
    this.name = "RefreshInProgressError";
  }
}

/** How long one refresher may hold the claim: longer than a token request can take. */
export const REFRESH_CLAIM_MS = 30_000;
const WAIT_FOR_REFRESH = { tries: 4, everyMs: 250 };

/**
 * The right to spend the refresh token, taken with one conditional UPDATE (ADR 0082): free (no
 * claim, or an expired one) and our credentials are not older than the last refresh. Exactly one
 * of any number of concurrent callers gets `true`.
 */
async function claimRefresh(deps: ConnectDeps, connection: Conn, version: number, now: Date): Promise<boolean> {
  const result = await deps.db
    .update(connections)
    .set({ refreshClaimedUntil: new Date(now.getTime() + REFRESH_CLAIM_MS) })
    .where(
      and(
        eq(connections.id, connection.id),
        eq(connections.companyId, connection.companyId),
        lte(connections.credentialsVersion, version),
        or(isNull(connections.refreshClaimedUntil), lte(connections.refreshClaimedUntil, now)),
      ),
    )
    .run();
  return result.meta.changes === 1;
}

function releaseClaim(deps: ConnectDeps, connection: Conn) {
  return deps.db
    .update(connections)
    .set({ refreshClaimedUntil: null })
    .where(and(eq(connections.id, connection.id), eq(connections.companyId, connection.companyId)))
    .run();
}

export async function getAccessToken(deps: ConnectDeps, connection: Conn, { marginMs = REFRESH_MARGIN_MS } = {}): Promise<string> {
  const provider = findProvider(connection.provider);
  const ring = await keyringFromEnv(deps.env);
  const ref = { companyId: connection.companyId, connectionId: connection.id };
  const creds = await loadCredentials({ kv: deps.kv, ring }, ref);
  if (!creds?.accessToken || !provider?.oauth) throw new NeedsReauthError(connection.provider);
  const now = deps.now();
  if (!creds.expiresAt || creds.expiresAt - now.getTime() > marginMs) return creds.accessToken;
  if (!creds.refreshToken) {
    if (creds.expiresAt > now.getTime()) return creds.accessToken;
    await markNeedsReauth({ db: deps.db, connection, now, reason: "The access token expired and cannot be refreshed." });
    throw new NeedsReauthError(connection.provider);
  }
  const version = creds.version ?? 0;
  if (!(await claimRefresh(deps, connection, version, now))) {
    // Someone else is refreshing, or already has: use their token, or ours while it is still valid.
    for (let i = 0; i < WAIT_FOR_REFRESH.tries; i++) {
      const latest = await loadCredentials({ kv: deps.kv, ring }, ref);
      if (latest?.accessToken && (latest.version ?? 0) > version) return latest.accessToken;
      if (i < WAIT_FOR_REFRESH.tries - 1) await new Promise((r) => setTimeout(r, WAIT_FOR_REFRESH.everyMs));
    }
    if (creds.expiresAt > now.getTime()) return creds.accessToken;
    throw new RefreshInProgressError(connection.provider);
  }
  try {
    const fresh = await refreshAccessToken(deps, provider.oauth, deps.env, creds.refreshToken);
    await saveCredentials({ kv: deps.kv, ring }, ref, {
      accessToken: fresh.accessToken,
      refreshToken: fresh.refreshToken,
      expiresAt: fresh.expiresAt,
      version: version + 1,
      // Keep what was stored beside the tokens at connect (Discord's webhook token).
      ...(creds.secrets ? { secrets: creds.secrets } : {}),
    });
    await deps.db
      .update(connections)
      .set({
        tokenExpiresAt: fresh.expiresAt ? new Date(fresh.expiresAt) : null,
        credentialsVersion: version + 1,
        refreshClaimedUntil: null,
        lastSuccessAt: now,
        updatedAt: now,
      })
      .where(and(eq(connections.id, connection.id), eq(connections.companyId, connection.companyId)))
      .run();
    return fresh.accessToken;
  } catch (e) {
    if (e instanceof ProviderError && (e.status === 400 || e.status === 401)) {
      await markNeedsReauth({ db: deps.db, connection, now, reason: "The provider refused to refresh the token." });
      await releaseClaim(deps, connection);
      throw new NeedsReauthError(connection.provider);
    }
    await releaseClaim(deps, connection);
    throw e;
  }
}

/** A call to the provider's API with the connection's token. A 401 marks the connection needs_reauth. */
export async function providerFetch(deps: ConnectDeps, connection: Conn, url: string, init: RequestInit = {}): Promise<Response> {
  const token = await getAccessToken(deps, connection);
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${token}`);
  const res = await deps.fetch(new Request(url, { ...init, headers }));
  const now = deps.now();
  if (res.status === 401) {
    await res.body?.cancel();
    await markNeedsReauth({ db: deps.db, connection, now, reason: "The provider answered 401: access was revoked or expired." });
    throw new NeedsReauthError(connection.provider);
  }
  if (res.ok) {
    await deps.db
      .update(connections)
      .set({ lastSuccessAt: now })
      .where(and(eq(connections.id, connection.id), eq(connections.companyId, connection.companyId)))
      .run();
  }
  return res;
}

/** Cron: refresh tokens that expire within the next 10 minutes. Failures are per connection. */
export async function refreshExpiringTokens(deps: ConnectDeps): Promise<{ refreshed: number; failed: number }> {
  const due = await connectionsExpiringSoon({ db: deps.db, now: deps.now(), withinMs: 10 * 60 * 1000 });
  let refreshed = 0;
  let failed = 0;
  for (const connection of due) {
    try {
      await getAccessToken(deps, connection, { marginMs: 10 * 60 * 1000 });
      refreshed++;
    } catch {
      failed++;
    }
  }
  return { refreshed, failed };
}
