import { aad, decryptSecret, encryptSecret, type Keyring } from "../security/encryption";

/**
 * Provider credentials (OAuth tokens or API keys) in KV under the connection id, AES-GCM encrypted
 * with AAD = company id + connection id: a value copied onto another connection does not decrypt.
 */
export type StoredCredentials = {
  accessToken?: string;
  refreshToken?: string | null;
  /** ms since the epoch; null when the token does not expire */
  expiresAt?: number | null;
  /** API-key integrations: the secret fields the admin entered. */
  secrets?: Record<string, string>;
  /** The connection's `credentials_version` these were saved as (refresh claim, ADR 0082). */
  version?: number;
};

export const credentialsKey = (connectionId: string) => `conn_tokens:${connectionId}`;

type Deps = { kv: KVNamespace; ring: Keyring };

export async function saveCredentials({ kv, ring }: Deps, ref: { companyId: string; connectionId: string }, creds: StoredCredentials) {
  const sealed = await encryptSecret(ring, JSON.stringify(creds), aad(ref.companyId, ref.connectionId));
  await kv.put(credentialsKey(ref.connectionId), sealed);
}

export async function loadCredentials(
  { kv, ring }: Deps,
  ref: { companyId: string; connectionId: string },
): Promise<StoredCredentials | null> {
  const sealed = await kv.get(credentialsKey(ref.connectionId));
  if (!sealed) return null;
  return JSON.parse(await decryptSecret(ring, sealed, aad(ref.companyId, ref.connectionId))) as StoredCredentials;
}

export async function deleteCredentials({ kv }: Pick<Deps, "kv">, connectionId: string) {
  await kv.delete(credentialsKey(connectionId));
}
