import { encodeBase32LowerCaseNoPadding } from "@oslojs/encoding";

export type IdPrefix =
  | "co"
  | "usr"
  | "conn"
  | "key"
  | "we"
  | "evt"
  | "dlv"
  | "att"
  | "conv"
  | "msg"
  | "aud"
  | "waj"
  | "rck"
  | "rpl"
  | "rps";

/**
 * A prefixed id whose text sorts by creation time: 10 base32 chars of milliseconds, then
 * 80 random bits. Time order makes cursor pagination a simple `id < cursor`.
 */
export function newId(prefix: IdPrefix, now: Date = new Date()): string {
  const ms = now.getTime();
  let time = "";
  let n = ms;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[n % 32] + time;
    n = Math.floor(n / 32);
  }
  const random = encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(10)));
  return `${prefix}_${time}${random}`;
}

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
