import { type AddressClass, classifyAddress } from "./ip-ranges";

/**
 * The webhook URL guard of architecture.md §7, run on save and again before each send.
 * Production: https only, default port only. Everywhere: no userinfo, ≤ 2048 chars, no
 * localhost/.local/.internal names, no IP literal in private, loopback, link-local, CGNAT or ULA
 * ranges. WEBHOOK_ALLOW_PRIVATE=true is honoured only when ENVIRONMENT=development, and then
 * only for loopback (the local receiver); link-local (cloud metadata) is refused everywhere.
 */
export const MAX_URL_LENGTH = 2048;

export type GuardPolicy = { production: boolean; allowLoopback: boolean };

export function guardPolicy(env: { ENVIRONMENT?: string; WEBHOOK_ALLOW_PRIVATE?: string }): GuardPolicy {
  const environment = env.ENVIRONMENT ?? "production";
  const development = environment === "development";
  return {
    production: !development,
    allowLoopback: development && env.WEBHOOK_ALLOW_PRIVATE === "true",
  };
}

export type GuardResult = { ok: true; url: URL } | { ok: false; reason: string };

const refuse = (reason: string): GuardResult => ({ ok: false, reason });

function hostnameOf(url: URL): string {
  return url.hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
}

function isLocalName(host: string): boolean {
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host.endsWith(".local") ||
    host.endsWith(".internal") ||
    host === "local" ||
    host === "internal"
  );
}

export function addressAllowed(kind: AddressClass, policy: GuardPolicy): boolean {
  if (kind === "public") return true;
  if (kind === "loopback") return policy.allowLoopback;
  return false;
}

function schemesAllowed(policy: GuardPolicy) {
  return policy.production ? "https://" : "https:// or http://";
}

/** The rule as the form states it, for the environment the check runs in. */
export function describeUrlRule(policy: GuardPolicy): string {
  if (policy.production) return "Must start with https:// and use the default port. Private and internal addresses are refused.";
  const loopback = policy.allowLoopback ? " and loopback addresses (the local receiver)" : "";
  return `This is a development environment: http://${loopback} and other ports are accepted here. Production accepts https:// on the default port only.`;
}

export function checkWebhookUrl(raw: string, policy: GuardPolicy): GuardResult {
  if (raw.length > MAX_URL_LENGTH) return refuse(`The URL must be at most ${MAX_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse("Enter a valid URL, like https://example.com/webhooks.");
  }
  if (policy.production ? url.protocol !== "https:" : url.protocol !== "https:" && url.protocol !== "http:")
    return refuse(`The URL must start with ${schemesAllowed(policy)}.`);
  if (url.username || url.password) return refuse("The URL must not contain a user name or password.");
  if (policy.production && url.port !== "") return refuse("The URL must use the default port (443).");
  const host = hostnameOf(url);
  if (!host) return refuse("Enter a valid URL, like https://example.com/webhooks.");
  const kind = classifyAddress(host);
  if (kind) {
    if (kind === "link-local") return refuse("Link-local and cloud metadata addresses are not allowed.");
    if (!addressAllowed(kind, policy)) return refuse("Private, loopback and internal network addresses are not allowed.");
    return { ok: true, url };
  }
  if (isLocalName(host)) {
    if (policy.allowLoopback && (host === "localhost" || host.endsWith(".localhost"))) return { ok: true, url };
    return refuse("Local and internal host names (localhost, .local, .internal) are not allowed.");
  }
  if (!/^[a-z0-9.-]+$/.test(host) || host.split(".").some((label) => label.length === 0 || label.length > 63)) {
    return refuse("Enter a valid host name.");
  }
  return { ok: true, url };
}

/** Answers for a name: the addresses it resolves to (A and AAAA). Throws when the lookup fails. */
export type Resolver = (hostname: string) => Promise<string[]>;

const DNS_CACHE_MS = 60_000;
const dnsCache = new Map<string, { addresses: string[]; until: number }>();

/** A DNS-over-HTTPS resolver (RFC 8484 JSON flavour), used in production only. */
export function dohResolver(fetcher: typeof fetch = fetch, endpoint = "https://cloudflare-dns.com/dns-query"): Resolver {
  return async (hostname) => {
    const out: string[] = [];
    for (const type of ["A", "AAAA"]) {
      const res = await fetcher(`${endpoint}?name=${encodeURIComponent(hostname)}&type=${type}`, {
        headers: { accept: "application/dns-json" },
        signal: AbortSignal.timeout(5000),
      });
      if (!res.ok) throw new Error(`DNS lookup failed with HTTP ${res.status}`);
      const data = (await res.json()) as { Status?: number; Answer?: { type: number; data: string }[] };
      if (data.Status !== 0 && data.Status !== 3) throw new Error(`DNS lookup failed with status ${data.Status}`);
      for (const a of data.Answer ?? []) if (a.type === 1 || a.type === 28) out.push(a.data);
    }
    if (out.length === 0) throw new Error("The host name does not resolve.");
    return out;
  };
}

/**
 * Before a send in production: the name must resolve, and only to public addresses (a name
 * pointing at 10.0.0.1 is refused like the literal). Cached briefly; a failed lookup is a
 * failed attempt, never a bypass.
 */
export async function checkResolvedHost(url: URL, policy: GuardPolicy, resolve: Resolver, now = Date.now()): Promise<GuardResult> {
  const host = hostnameOf(url);
  if (!policy.production || classifyAddress(host)) return { ok: true, url };
  let cached = dnsCache.get(host);
  if (!cached || cached.until < now) {
    try {
      cached = { addresses: await resolve(host), until: now + DNS_CACHE_MS };
    } catch (error) {
      return refuse(`DNS lookup failed: ${error instanceof Error ? error.message : "unknown error"}`);
    }
    if (dnsCache.size > 1000) dnsCache.clear();
    dnsCache.set(host, cached);
  }
  for (const address of cached.addresses) {
    const kind = classifyAddress(address);
    if (!kind || !addressAllowed(kind, policy)) return refuse(`The host name resolves to a non-public address (${address}).`);
  }
  return { ok: true, url };
}

export function clearDnsCache() {
  dnsCache.clear();
}
