import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import type { Guard } from "../db/guarded-d1";
import { apiKeys } from "../db/schema";
import { sha256Hex } from "../security/crypto";
import { type AuthenticatedKey, type AuthResult, authenticateApiKey } from "./authenticate.server";

/**
 * A per-isolate cache of WHO an API key is (its id, company, scopes: none of which ever change
 * for a key), never of WHETHER it is still valid: a cached key is only trusted together with
 * `keyStillValidGuard`, which rides in the request's first D1 batch (guardedD1), so a revoked or
 * expired key is refused on its very next request. See docs/decisions/0045-api-key-check-in-the-batch.md.
 */
const TTL_MS = 60_000;
const MAX_ENTRIES = 1000;
const LAST_USED_GRANULARITY_MS = 60_000;

type Entry = { key: AuthenticatedKey; cachedAt: number; lastUsedWrite: number };
const entries = new Map<string, Entry>();

export type CachedAuthResult =
  | (AuthResult & { hash: string | null; cached: false })
  | { ok: true; key: AuthenticatedKey; hash: string; cached: true };

export async function authenticateApiKeyCached(input: {
  db: Db;
  token: string | null;
  now: Date;
  waitUntil?: (p: Promise<unknown>) => void;
}): Promise<CachedAuthResult> {
  const { db, token, now, waitUntil } = input;
  const hash = token ? await sha256Hex(token) : null;
  const hit = hash ? entries.get(hash) : undefined;
  if (hash && hit && now.getTime() - hit.cachedAt < TTL_MS) {
    if (now.getTime() - hit.lastUsedWrite >= LAST_USED_GRANULARITY_MS) {
      hit.lastUsedWrite = now.getTime();
      const write = db
        .update(apiKeys)
        .set({ lastUsedAt: now })
        .where(eq(apiKeys.id, hit.key.id))
        .run()
        .catch((e: unknown) => console.error("last_used_at update failed", hit.key.id, e instanceof Error ? e.message : "unknown"));
      if (waitUntil) waitUntil(write);
    }
    return { ok: true, key: hit.key, hash, cached: true };
  }
  const result = await authenticateApiKey(input);
  if (hash) {
    entries.delete(hash);
    if (result.ok) {
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      entries.set(hash, { key: result.key, cachedAt: now.getTime(), lastUsedWrite: now.getTime() });
    }
  }
  return { ...result, hash, cached: false };
}

/** Drops a key from this isolate's cache (its guard failed: the next request looks it up again). */
export function forgetApiKey(hash: string) {
  entries.delete(hash);
}

export const KEY_GUARD_ABORT = "api key no longer valid";

/**
 * "This key is still the key we cached (same scopes and kind) and is neither revoked nor expired
 * at `now`": as a SELECT for read-only batches, and as an INSERT into the api_key_guard view
 * (migration 0130) whose trigger aborts the whole batch otherwise, for batches that write.
 */
export function keyStillValidGuard(
  d1: D1Database,
  key: { id: string; hash: string; scopes: readonly string[]; kind: string },
  now: Date,
): Guard {
  const at = now.getTime();
  const scopes = JSON.stringify(key.scopes);
  return {
    read: () =>
      d1
        .prepare(
          "SELECT 1 AS ok FROM api_keys WHERE id = ?1 AND hash = ?2 AND json(scopes) = json(?3) AND kind = ?4 AND (revoked_at IS NULL OR revoked_at > ?5) AND (expires_at IS NULL OR expires_at > ?5)",
        )
        .bind(key.id, key.hash, scopes, key.kind, at),
    write: () =>
      d1
        .prepare("INSERT INTO api_key_guard (key_id, key_hash, scopes, kind, at) VALUES (?1, ?2, ?3, ?4, ?5)")
        .bind(key.id, key.hash, scopes, key.kind, at),
    passed: (result) => result.results.length === 1,
    abortMessage: KEY_GUARD_ABORT,
  };
}
