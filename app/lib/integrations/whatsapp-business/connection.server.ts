/**
 * The WhatsApp connection of a company: its row (account_id = the business phone number id;
 * context = the display number, the business account id and the verify token we generated for
 * Meta's handshake) and its credentials, AES-GCM encrypted in KV like every API-key integration's
 * (the access token and the Meta app secret that verifies webhooks).
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { connections } from "../../db/schema";
import type { Env } from "../../env";
import { loadCredentials } from "../../oauth/token-store.server";
import { keyringFromEnv } from "../../security/encryption";

export const WHATSAPP_PROVIDER = "whatsapp-business";

export type ConnectionRow = typeof connections.$inferSelect;
export type WhatsAppSecrets = { accessToken: string; appSecret: string };

/** Connections (any company) for these business phone number ids. */
export async function findConnectionsByPhoneNumberIds({
  db,
  phoneNumberIds,
}: {
  db: Db;
  phoneNumberIds: string[];
}): Promise<ConnectionRow[]> {
  if (phoneNumberIds.length === 0) return [];
  return db
    .select()
    .from(connections)
    .where(and(eq(connections.provider, WHATSAPP_PROVIDER), inArray(connections.accountId, phoneNumberIds.slice(0, 50))));
}

export async function findWhatsAppConnection({ db, companyId }: { db: Db; companyId: string }): Promise<ConnectionRow | undefined> {
  return db
    .select()
    .from(connections)
    .where(and(eq(connections.companyId, companyId), eq(connections.provider, WHATSAPP_PROVIDER)))
    .get();
}

/** The decrypted secrets of a connection; null when they are missing or incomplete. */
export async function loadWhatsAppSecrets({ kv, env }: { kv: KVNamespace; env: Env }, row: ConnectionRow): Promise<WhatsAppSecrets | null> {
  const creds = await loadCredentials({ kv, ring: await keyringFromEnv(env) }, { companyId: row.companyId, connectionId: row.id });
  const s = creds?.secrets;
  if (!s?.access_token || !s.app_secret) return null;
  return { accessToken: s.access_token, appSecret: s.app_secret };
}

/** Whether a verify token is one a WhatsApp connection was given (Meta's handshake). */
export async function isKnownVerifyToken(db: Db, verifyToken: string): Promise<boolean> {
  if (!/^whv_[A-Za-z0-9_-]{20,100}$/.test(verifyToken)) return false;
  const row = await db
    .select({ id: connections.id })
    .from(connections)
    .where(and(eq(connections.provider, WHATSAPP_PROVIDER), sql`json_extract(${connections.context}, '$.verify_token') = ${verifyToken}`))
    .limit(1)
    .get();
  return Boolean(row);
}
