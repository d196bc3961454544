import { decodeBase64, encodeBase64 } from "@oslojs/encoding";
import type { PerformedBy } from "../vocabulary";

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): a pure function of the secret(s),
 * the message id, the attempt's timestamp and the exact body bytes that are sent.
 */
export const SECRET_PREFIX = "whsec_";

/** `whsec_` + base64 of 32 random bytes. */
export function generateSecret(random: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n))): string {
  return SECRET_PREFIX + encodeBase64(random(32));
}

const keyCache = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    const raw = decodeBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
    key = crypto.subtle.importKey("raw", new Uint8Array(raw), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    if (keyCache.size > 500) keyCache.clear();
    keyCache.set(secret, key);
  }
  return key;
}

export type SignedHeaders = { "webhook-id": string; "webhook-timestamp": string; "webhook-signature": string };

/**
 * Headers for one attempt. `secrets` is the current secret first and, during a rotation's
 * overlap, the previous one: receivers accept the message if any signature matches.
 */
export async function signWebhook(input: {
  id: string;
  timestamp: number;
  body: string;
  secrets: readonly string[];
}): Promise<SignedHeaders> {
  if (input.secrets.length === 0) throw new Error("signWebhook needs at least one secret");
  const timestamp = String(Math.floor(input.timestamp));
  const content = new TextEncoder().encode(`${input.id}.${timestamp}.${input.body}`);
  const signatures: string[] = [];
  for (const secret of input.secrets) {
    const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), content);
    signatures.push(`v1,${encodeBase64(new Uint8Array(mac))}`);
  }
  return { "webhook-id": input.id, "webhook-timestamp": timestamp, "webhook-signature": signatures.join(" ") };
}

export type WebhookBody = {
  id: string;
  type: string;
  created_at: string;
  company_id: string;
  data: Record<string, unknown>;
  performed_by: PerformedBy;
};

/** The JSON body of an event; the string returned is exactly what is signed and sent. */
export function buildWebhookBody(event: {
  id: string;
  type: string;
  createdAt: Date;
  companyId: string;
  payload: Record<string, unknown>;
  performedBy: PerformedBy;
}): string {
  const body: WebhookBody = {
    id: event.id,
    type: event.type,
    created_at: event.createdAt.toISOString(),
    company_id: event.companyId,
    data: event.payload,
    performed_by: event.performedBy,
  };
  return JSON.stringify(body);
}
