import { and, desc, eq, gt, isNull, or, type Placeholder, sql } from "drizzle-orm";
import { type AuditActor, auditInsert } from "../audit.server";
import type { Db } from "../db/client";
import { compiledQuery } from "../db/compiled";
import { type ApiScope, apiKeys, apiScopes } from "../db/schema";
import { newId } from "../ids";
import type { ProviderId } from "../integrations/catalog";
import { randomToken, sha256Hex } from "../security/crypto";

export const API_KEY_PREFIX = "sk_live_";
export const overlapChoices = ["now", "1h", "24h", "7d"] as const;
export type Overlap = (typeof overlapChoices)[number];
const OVERLAP_MS: Record<Overlap, number> = { now: 0, "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000 };

export type ApiKeySummary = {
  id: string;
  name: string;
  kind: string;
  masked: string;
  scopes: ApiScope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  /** Set once the key was regenerated: it keeps working until expiresAt, then the new key alone does. */
  replacedBy: string | null;
};

/**
 * What created a key, for the UI: the company's default key, one an admin added, or an
 * integration's own key (its provider id, e.g. Zapier's; see `ProviderAdapter.apiKeyActor`).
 */
export type ApiKeyKind = "default" | "custom" | ProviderId;

type Ctx = { db: Db; companyId: string; actor: AuditActor; now: Date; ip?: string | null };

/** A fresh secret: sk_live_ + base64url of 32 random bytes. Only its hash is ever stored. */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomToken(32);
}

export function maskKey(last4: string): string {
  return `${API_KEY_PREFIX}…${last4}`;
}

async function keyValues(input: {
  id: string;
  companyId: string;
  name: string;
  scopes: ApiScope[];
  kind: string;
  createdBy: string;
  now: Date;
}) {
  const secret = generateApiKey();
  const values = {
    id: input.id,
    companyId: input.companyId,
    name: input.name,
    prefix: API_KEY_PREFIX,
    last4: secret.slice(-4),
    hash: await sha256Hex(secret),
    scopes: input.scopes,
    kind: input.kind,
    createdBy: input.createdBy,
    createdAt: input.now,
  };
  return { secret, values };
}

function normalizeScopes(scopes: readonly ApiScope[]): ApiScope[] {
  return apiScopes.filter((s) => scopes.includes(s));
}

/** Creates a key and returns its secret (to be shown once, never stored). */
export async function createApiKey(ctx: Ctx & { name: string; scopes: readonly ApiScope[]; kind?: ApiKeyKind }) {
  const id = newId("key", ctx.now);
  const scopes = normalizeScopes(ctx.scopes);
  const { secret, values } = await keyValues({
    id,
    companyId: ctx.companyId,
    name: ctx.name,
    scopes,
    kind: ctx.kind ?? "custom",
    createdBy: ctx.actor.id ?? "system",
    now: ctx.now,
  });
  await ctx.db.batch([
    ctx.db.insert(apiKeys).values(values),
    auditInsert(ctx.db, {
      companyId: ctx.companyId,
      actor: ctx.actor,
      action: "api_key.created",
      target: id,
      details: { name: ctx.name, scopes, last4: values.last4 },
      ip: ctx.ip,
      at: ctx.now,
    }),
  ]);
  return { id, secret, last4: values.last4 };
}

/** Not revoked, not expired at `now` (a Date, or a compiled query's placeholder for epoch ms). */
function usable(now: Date | Placeholder) {
  return and(isNull(apiKeys.revokedAt), or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, now)));
}

// built once per isolate: the API & Webhooks tab runs it on every view (ADR 0163)
const usableKeys = compiledQuery<{ companyId: string; now: number }>()((db) =>
  db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.companyId, sql.placeholder("companyId")), usable(sql.placeholder("now"))))
    .orderBy(desc(apiKeys.id)),
);

/** Keys that still authenticate (including old keys inside their overlap), newest first. */
export async function listApiKeys({ db, companyId, now }: { db: Db; companyId: string; now: Date }): Promise<ApiKeySummary[]> {
  const rows = await usableKeys(db, { companyId, now: now.getTime() });
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    kind: r.kind,
    masked: maskKey(r.last4),
    scopes: r.scopes,
    createdAt: r.createdAt,
    lastUsedAt: r.lastUsedAt,
    expiresAt: r.expiresAt,
    replacedBy: r.replacedBy,
  }));
}

export async function findUsableKey({ db, companyId, keyId, now }: { db: Db; companyId: string; keyId: string; now: Date }) {
  return db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.companyId, companyId), usable(now)))
    .get();
}

/**
 * Replaces a key with a new one (same name, scopes and kind). The old key keeps working for the
 * overlap, then expires; `replaced_by` links the two. Returns null for an unknown or other company's key,
 * or one that was already replaced.
 */
export async function regenerateApiKey(ctx: Ctx & { keyId: string; overlap: Overlap }) {
  const old = await findUsableKey({ db: ctx.db, companyId: ctx.companyId, keyId: ctx.keyId, now: ctx.now });
  // a key already replaced is winding down: regenerating it again would fork a second successor
  if (!old || old.replacedBy) return null;
  const id = newId("key", ctx.now);
  const { secret, values } = await keyValues({
    id,
    companyId: ctx.companyId,
    name: old.name,
    scopes: old.scopes,
    kind: old.kind,
    createdBy: ctx.actor.id ?? "system",
    now: ctx.now,
  });
  const expiresAt = new Date(ctx.now.getTime() + OVERLAP_MS[ctx.overlap]);
  // An old key already expiring sooner keeps its earlier expiry.
  const oldExpiry = old.expiresAt && old.expiresAt < expiresAt ? old.expiresAt : expiresAt;
  await ctx.db.batch([
    ctx.db.insert(apiKeys).values(values),
    ctx.db
      .update(apiKeys)
      .set({ expiresAt: oldExpiry, replacedBy: id })
      .where(and(eq(apiKeys.id, old.id), eq(apiKeys.companyId, ctx.companyId))),
    auditInsert(ctx.db, {
      companyId: ctx.companyId,
      actor: ctx.actor,
      action: "api_key.regenerated",
      target: old.id,
      details: { name: old.name, replaced_by: id, overlap: ctx.overlap, old_expires_at: oldExpiry.toISOString(), last4: values.last4 },
      ip: ctx.ip,
      at: ctx.now,
    }),
  ]);
  return { id, secret, last4: values.last4, oldExpiresAt: oldExpiry };
}

/** Revokes a key at once. Returns false for an unknown, already revoked or other company's key. */
export async function revokeApiKey(ctx: Ctx & { keyId: string }): Promise<boolean> {
  const key = await findUsableKey({ db: ctx.db, companyId: ctx.companyId, keyId: ctx.keyId, now: ctx.now });
  if (!key) return false;
  await ctx.db.batch([
    ctx.db
      .update(apiKeys)
      .set({ revokedAt: ctx.now })
      .where(and(eq(apiKeys.id, key.id), eq(apiKeys.companyId, ctx.companyId))),
    auditInsert(ctx.db, {
      companyId: ctx.companyId,
      actor: ctx.actor,
      action: "api_key.revoked",
      target: key.id,
      details: { name: key.name, last4: key.last4 },
      ip: ctx.ip,
      at: ctx.now,
    }),
  ]);
  return true;
}
