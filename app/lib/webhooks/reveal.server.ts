import { aad, decryptSecret, encryptSecret, type Keyring } from "../security/encryption";

/**
 * One-time reveal of a signing secret after create/rotate (ADR 0004): the secret is stashed in
 * KV, encrypted and bound to (company, user, endpoint), for 10 minutes, and deleted on first read.
 * It never travels through a form field or a URL.
 */
const TTL_SECONDS = 600;

type Key = { kv: KVNamespace; ring: Keyring; companyId: string; userId: string; endpointId: string };

function kvKey(k: Key) {
  return `whsec-reveal:${k.companyId}:${k.userId}:${k.endpointId}`;
}

function binding(k: Key) {
  return aad(k.companyId, `${k.endpointId}:reveal:${k.userId}`);
}

export async function stashSecretReveal(k: Key, secret: string): Promise<void> {
  await k.kv.put(kvKey(k), await encryptSecret(k.ring, secret, binding(k)), { expirationTtl: TTL_SECONDS });
}

export async function takeSecretReveal(k: Key): Promise<string | null> {
  const sealed = await k.kv.get(kvKey(k));
  if (!sealed) return null;
  await k.kv.delete(kvKey(k));
  try {
    return await decryptSecret(k.ring, sealed, binding(k));
  } catch {
    return null;
  }
}
