import { constantTimeEqual as bytesEqual } from "@oslojs/crypto/subtle";
import { encodeBase64urlNoPadding, encodeHexLowerCase } from "@oslojs/encoding";

const encoder = new TextEncoder();

export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(n));
}

export function randomToken(bytes = 32): string {
  return encodeBase64urlNoPadding(randomBytes(bytes));
}

export async function sha256Hex(input: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", typeof input === "string" ? encoder.encode(input) : input);
  return encodeHexLowerCase(new Uint8Array(digest));
}

/** Compares two strings without an early exit on the first differing byte. */
export function constantTimeEqualStrings(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  if (x.length !== y.length) {
    // still do the work so timing does not depend on where the difference is
    bytesEqual(x, x);
    return false;
  }
  return bytesEqual(x, y);
}
