/**
 * Zendesk webhook signing: X-Zendesk-Webhook-Signature is base64(HMAC-SHA256(signing secret,
 * timestamp + raw body)), the timestamp being X-Zendesk-Webhook-Signature-Timestamp (ISO 8601).
 * Requests whose timestamp is more than 300 s away are refused (no later replay); the comparison
 * is constant-time.
 */
import { encodeBase64 } from "@oslojs/encoding";
import { constantTimeEqualStrings } from "../../security/crypto";

export const SIGNATURE_WINDOW_SECONDS = 300;
export type SignatureVerdict = "ok" | "missing" | "stale" | "mismatch";

export async function zendeskSignature(secret: string, timestamp: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return encodeBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(timestamp + body))));
}

export async function verifyZendeskSignature(input: {
  secret: string;
  timestamp: string | null;
  signature: string | null;
  body: string;
  now: Date;
}): Promise<SignatureVerdict> {
  const { timestamp, signature } = input;
  if (!timestamp || !signature || timestamp.length > 40) return "missing";
  const at = Date.parse(timestamp);
  if (Number.isNaN(at)) return "missing";
  if (Math.abs(input.now.getTime() - at) > SIGNATURE_WINDOW_SECONDS * 1000) return "stale";
  return constantTimeEqualStrings(await zendeskSignature(input.secret, timestamp, input.body), signature) ? "ok" : "mismatch";
}
