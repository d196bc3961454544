/**
 * Classifies IP literals for the webhook URL guard (architecture.md §7). Works on the canonical forms the
 * WHATWG URL parser produces (it already turns decimal/hex/octal IPv4 tricks into dotted quads
 * and compresses IPv6), and also on raw resolver answers.
 */
export type AddressClass = "public" | "loopback" | "link-local" | "private";

export function parseIPv4(text: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

export function classifyIPv4([a, b, c]: number[]): AddressClass {
  if (a === 127) return "loopback";
  if (a === 169 && b === 254) return "link-local";
  if (a === 0 || a === 10 || a! >= 224) return "private"; // this-network, RFC 1918, multicast, reserved, broadcast
  if (a === 100 && b! >= 64 && b! <= 127) return "private"; // CGNAT 100.64.0.0/10
  if (a === 172 && b! >= 16 && b! <= 31) return "private";
  if (a === 192 && b === 168) return "private";
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return "private"; // IETF protocol assignments, TEST-NET-1
  if (a === 198 && (b === 18 || b === 19)) return "private"; // benchmarking
  if (a === 198 && b === 51 && c === 100) return "private"; // TEST-NET-2
  if (a === 203 && b === 0 && c === 113) return "private"; // TEST-NET-3
  return "public";
}

/** Expands an IPv6 text (optionally with a trailing dotted IPv4) into eight 16-bit groups. */
export function parseIPv6(input: string): number[] | null {
  let text = input.replace(/^\[|\]$/g, "").toLowerCase();
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  if (!/^[0-9a-f:.]+$/.test(text) || !text.includes(":")) return null;
  const lastColon = text.lastIndexOf(":");
  const tail = text.slice(lastColon + 1);
  if (tail.includes(".")) {
    const v4 = parseIPv4(tail);
    if (!v4) return null;
    text = `${text.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const rest = halves.length === 2 ? (halves[1] ? halves[1].split(":") : []) : null;
  const groups = rest === null ? head : [...head, ...Array(8 - head.length - rest.length).fill("0"), ...rest];
  if (groups.length !== 8 || (rest !== null && head.length + rest.length > 7)) return null;
  const out = groups.map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN));
  return out.some(Number.isNaN) ? null : out;
}

function embeddedV4(g: number[], from: number): number[] {
  return [g[from]! >> 8, g[from]! & 255, g[from + 1]! >> 8, g[from + 1]! & 255];
}

export function classifyIPv6(g: number[]): AddressClass {
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeros(8)) return "private"; // ::
  if (zeros(7) && g[7] === 1) return "loopback"; // ::1
  if (zeros(5) && g[5] === 0xffff) return classifyIPv4(embeddedV4(g, 6)); // ::ffff:a.b.c.d
  if (zeros(4) && g[4] === 0xffff && g[5] === 0) return classifyIPv4(embeddedV4(g, 6)); // ::ffff:0:a.b.c.d (IPv4-translated, RFC 2765)
  if (zeros(6)) return classifyIPv4(embeddedV4(g, 6)); // ::a.b.c.d (deprecated compatible form)
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return classifyIPv4(embeddedV4(g, 6)); // NAT64
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return "private"; // 64:ff9b:1::/48 local-use NAT64 (RFC 8215): not global
  if (g[0] === 0x2002) return classifyIPv4(embeddedV4(g, 1)); // 6to4
  if (g[0] === 0x2001 && g[1] === 0) return "private"; // Teredo 2001::/32: tunnels to an obfuscated IPv4 the guard cannot vouch for
  if ((g[0]! & 0xffc0) === 0xfe80) return "link-local"; // fe80::/10
  if ((g[0]! & 0xfe00) === 0xfc00) return "private"; // ULA fc00::/7
  if ((g[0]! & 0xffc0) === 0xfec0) return "private"; // site-local (deprecated)
  if ((g[0]! & 0xff00) === 0xff00) return "private"; // multicast
  if (g[0] === 0x2001 && g[1] === 0x0db8) return "private"; // documentation
  return "public";
}

/** null when `host` is not an IP literal. */
export function classifyAddress(host: string): AddressClass | null {
  const v4 = parseIPv4(host);
  if (v4) return classifyIPv4(v4);
  const v6 = parseIPv6(host);
  if (v6) return classifyIPv6(v6);
  return null;
}
