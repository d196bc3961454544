/**
 * Slack request signing (v0): HMAC-SHA256 over `v0:{timestamp}:{raw body}` with the app's signing
 * secret, hex, prefixed `v0=`. Requests older (or newer) than 300 s are refused so a captured
 * request cannot be replayed later; the comparison is constant-time.
 */
import { constantTimeEqualStrings } from "../../security/crypto";

export const SIGNATURE_WINDOW_SECONDS = 300;

export type SignatureVerdict = "ok" | "missing" | "stale" | "mismatch";

export async function slackSignature(secret: string, timestamp: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`v0:${timestamp}:${body}`)));
  return `v0=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export async function verifySlackSignature(input: {
  secret: string;
  timestamp: string | null;
  signature: string | null;
  body: string;
  now: Date;
}): Promise<SignatureVerdict> {
  const { timestamp, signature } = input;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return "missing";
  if (Math.abs(Math.floor(input.now.getTime() / 1000) - Number(timestamp)) > SIGNATURE_WINDOW_SECONDS) return "stale";
  const expected = await slackSignature(input.secret, timestamp, input.body);
  return constantTimeEqualStrings(expected, signature) ? "ok" : "mismatch";
}
