/**
 * Meta's webhook signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`, keyed
 * with the Meta app's secret. Verified over the exact bytes received, with WebCrypto's
 * `subtle.verify` (a constant-time comparison) — never by comparing hex strings. The sandbox script
 * and the tests sign with node:crypto, an implementation independent of this one.
 */
import { decodeHex } from "@oslojs/encoding";

export type MetaSignatureVerdict = "ok" | "missing" | "mismatch";

const PREFIX = "sha256=";

function hmacKey(appSecret: string) {
  return crypto.subtle.importKey("raw", new TextEncoder().encode(appSecret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
}

export async function verifyMetaSignature(input: {
  appSecret: string;
  header: string | null;
  body: Uint8Array<ArrayBuffer>;
}): Promise<MetaSignatureVerdict> {
  const header = input.header?.trim() ?? "";
  if (!header.startsWith(PREFIX)) return "missing";
  const hex = header.slice(PREFIX.length);
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return "mismatch";
  const expected = new Uint8Array(decodeHex(hex.toLowerCase()));
  const ok = await crypto.subtle.verify("HMAC", await hmacKey(input.appSecret), expected, input.body);
  return ok ? "ok" : "mismatch";
}
