import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { type ApiScope, apiKeys, companies } from "../db/schema";
import { constantTimeEqualStrings, sha256Hex } from "../security/crypto";
import { API_KEY_PREFIX } from "./keys.server";

export type AuthenticatedKey = {
  id: string;
  name: string;
  scopes: ApiScope[];
  /** "default", "custom", or the provider id of the integration that made it (`ApiKeyKind`). */
  kind: (typeof apiKeys.$inferSelect)["kind"];
  companyId: string;
  companyName: string;
  companySlug: string;
  last4: string;
  createdAt: Date;
  expiresAt: Date | null;
};

export type AuthResult = { ok: true; key: AuthenticatedKey } | { ok: false; reason: "missing" | "invalid" | "revoked" | "expired" };

const KEY_SHAPE = /^sk_live_[A-Za-z0-9_-]{20,200}$/;
const LAST_USED_GRANULARITY_MS = 60_000;

export function bearerToken(header: string | null): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

/**
 * Finds the key by the SHA-256 of what was presented (the index lookup), then compares the
 * hashes in constant time. Time is injected so expiry is testable. `waitUntil` receives the
 * last_used_at write (at most once a minute per key) so it does not delay the response.
 */
export async function authenticateApiKey({
  db,
  token,
  now,
  waitUntil,
}: {
  db: Db;
  token: string | null;
  now: Date;
  waitUntil?: (p: Promise<unknown>) => void;
}): Promise<AuthResult> {
  if (!token) return { ok: false, reason: "missing" };
  if (!token.startsWith(API_KEY_PREFIX) || !KEY_SHAPE.test(token)) return { ok: false, reason: "invalid" };
  const hash = await sha256Hex(token);
  const row = await db
    .select({ key: apiKeys, companyName: companies.name, companySlug: companies.slug })
    .from(apiKeys)
    .innerJoin(companies, eq(companies.id, apiKeys.companyId))
    .where(eq(apiKeys.hash, hash))
    .get();
  if (!row || !constantTimeEqualStrings(row.key.hash, hash)) return { ok: false, reason: "invalid" };
  const key = row.key;
  if (key.revokedAt && key.revokedAt.getTime() <= now.getTime()) return { ok: false, reason: "revoked" };
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: "expired" };
  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() >= LAST_USED_GRANULARITY_MS) {
    const write = db
      .update(apiKeys)
      .set({ lastUsedAt: now })
      .where(eq(apiKeys.id, key.id))
      .run()
      .catch((e: unknown) => console.error("last_used_at update failed", key.id, e instanceof Error ? e.message : "unknown"));
    if (waitUntil) waitUntil(write);
    else await write;
  }
  return {
    ok: true,
    key: {
      id: key.id,
      name: key.name,
      scopes: key.scopes,
      kind: key.kind,
      companyId: key.companyId,
      companyName: row.companyName,
      companySlug: row.companySlug,
      last4: key.last4,
      createdAt: key.createdAt,
      expiresAt: key.expiresAt,
    },
  };
}
