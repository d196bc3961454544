import { decodeBase64, encodeBase64 } from "@oslojs/encoding";
import { randomBytes } from "./crypto";

/**
 * AES-256-GCM for secrets at rest (OAuth tokens in KV, webhook signing secrets in D1).
 * Format: "v1.<kid>.<base64 iv(12)>.<base64 ciphertext+tag>". AAD binds the ciphertext to its
 * owner (company id + record id), so a value copied onto another record does not decrypt.
 * ENCRYPTION_KEYS = "kid:base64key,kid2:base64key2": the first encrypts, all decrypt (rotation).
 */
export class DecryptionError extends Error {
  constructor(message = "could not decrypt") {
    super(message);
    this.name = "DecryptionError";
  }
}

export type Keyring = { primary: string; keys: Map<string, CryptoKey> };

const cache = new Map<string, Promise<Keyring>>();

export function keyringFromEnv(env: { ENCRYPTION_KEYS?: string }): Promise<Keyring> {
  const spec = env.ENCRYPTION_KEYS ?? "";
  let ring = cache.get(spec);
  if (!ring) {
    ring = importKeyring(spec);
    cache.set(spec, ring);
  }
  return ring;
}

async function importKeyring(spec: string): Promise<Keyring> {
  const entries = spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error("ENCRYPTION_KEYS is not set");
  const keys = new Map<string, CryptoKey>();
  for (const entry of entries) {
    const i = entry.indexOf(":");
    const kid = entry.slice(0, i);
    const raw = decodeBase64(entry.slice(i + 1));
    if (i < 1 || raw.length !== 32 || !/^[A-Za-z0-9_-]+$/.test(kid))
      throw new Error("ENCRYPTION_KEYS entries must be kid:base64(32 bytes)");
    keys.set(kid, await crypto.subtle.importKey("raw", new Uint8Array(raw), "AES-GCM", false, ["encrypt", "decrypt"]));
  }
  return { primary: entries[0]!.slice(0, entries[0]!.indexOf(":")), keys };
}

export function aad(companyId: string, recordId: string): string {
  return `${companyId}:${recordId}`;
}

export async function encryptSecret(ring: Keyring, plaintext: string, additionalData: string): Promise<string> {
  const iv = randomBytes(12);
  const key = ring.keys.get(ring.primary)!;
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(additionalData) },
    key,
    new TextEncoder().encode(plaintext),
  );
  return `v1.${ring.primary}.${encodeBase64(iv)}.${encodeBase64(new Uint8Array(ct))}`;
}

export async function decryptSecret(ring: Keyring, sealed: string, additionalData: string): Promise<string> {
  const [version, kid, ivB64, ctB64] = sealed.split(".");
  if (version !== "v1" || !kid || !ivB64 || !ctB64) throw new DecryptionError("unknown format");
  const key = ring.keys.get(kid);
  if (!key) throw new DecryptionError("unknown key id");
  try {
    const pt = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: new Uint8Array(decodeBase64(ivB64)), additionalData: new TextEncoder().encode(additionalData) },
      key,
      new Uint8Array(decodeBase64(ctB64)),
    );
    return new TextDecoder().decode(pt);
  } catch {
    throw new DecryptionError();
  }
}
