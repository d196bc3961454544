/**
 * Who really sent an inbound email, as far as the receiving MTA could tell (issue 16, ADR 0081).
 *
 * Cloudflare Email Routing checks SPF, DKIM and DMARC when it accepts a message and stamps the
 * verdicts into an `Authentication-Results: mx.cloudflare.net; …` header (RFC 8601) on top of the
 * sender's headers before the Worker's email() entry reads it. A sender can put any header they
 * like further down, an `Authentication-Results` naming `mx.cloudflare.net` included, so only the
 * topmost Authentication-Results is read, and only when its authserv-id is Cloudflare's.
 *
 * From those verdicts: is the header From (the address we would show and trust) authenticated and
 * aligned, DMARC-style (RFC 7489 §3.1, relaxed: the same domain or one a subdomain of the other),
 * and which domains did the message prove (the aligned From, an SPF-passed envelope, a DKIM
 * signer)? Pure: no I/O, so the policy is tested without Cloudflare.
 */
import { domainOf } from "./address";

export const CLOUDFLARE_AUTHSERV_ID = "mx.cloudflare.net";

export type MethodResult = { method: string; result: string; props: Record<string, string> };
export type AuthenticationResults = { authservId: string; results: MethodResult[] };

/** Removes RFC 5322 comments `( … )` (nested, with quoted pairs), outside quoted strings. */
function stripComments(value: string): string {
  let out = "";
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === "\\" && (quoted || depth > 0)) {
      if (depth === 0) out += c + (value[i + 1] ?? "");
      i++;
      continue;
    }
    if (depth === 0 && c === '"') quoted = !quoted;
    if (!quoted && c === "(") {
      depth++;
      continue;
    }
    if (!quoted && c === ")" && depth > 0) {
      depth--;
      continue;
    }
    if (depth === 0) out += c;
  }
  return out;
}

/** Splits on `;` outside quoted strings. */
function splitStatements(value: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (const c of value) {
    if (c === '"') quoted = !quoted;
    if (c === ";" && !quoted) {
      parts.push(current);
      current = "";
    } else current += c;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter(Boolean);
}

const unquote = (v: string) => (v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1) : v);

/** Parses one Authentication-Results value (RFC 8601 §2.2). null when it has no authserv-id. */
export function parseAuthenticationResults(value: string): AuthenticationResults | null {
  const [head, ...statements] = splitStatements(stripComments(value.replace(/\r?\n[ \t]+/g, " ")));
  const authservId = head?.split(/\s+/)[0]?.toLowerCase();
  if (!authservId) return null;
  const results: MethodResult[] = [];
  for (const statement of statements) {
    const tokens = statement.match(/[^\s"=]+="[^"]*"|[^\s=]+=[^\s]*|\S+/g) ?? [];
    const first = tokens[0] ?? "";
    const eq = first.indexOf("=");
    if (eq <= 0) continue;
    const method = first.slice(0, eq).split("/")[0]!.toLowerCase();
    const result = unquote(first.slice(eq + 1)).toLowerCase();
    const props: Record<string, string> = {};
    for (const token of tokens.slice(1)) {
      const i = token.indexOf("=");
      if (i <= 0) continue;
      const key = token.slice(0, i).toLowerCase();
      if (key === "reason") continue;
      props[key] = unquote(token.slice(i + 1));
    }
    results.push({ method, result, props });
  }
  return { authservId, results };
}

/**
 * The verdicts of the MTA that handed us the message: the topmost Authentication-Results header
 * (the receiving MTA prepends its own above everything the sender wrote), and only when it names
 * `authservId`. A lower header is never read, even one that names the same authserv-id.
 */
export function receivedAuthentication(
  headers: readonly { key: string; value: string }[],
  authservId = CLOUDFLARE_AUTHSERV_ID,
): AuthenticationResults | null {
  const top = headers.find((h) => h.key.toLowerCase() === "authentication-results");
  if (!top) return null;
  const parsed = parseAuthenticationResults(top.value);
  return parsed && parsed.authservId === authservId.toLowerCase() ? parsed : null;
}

function labels(domain: string): number {
  return domain.split(".").filter(Boolean).length;
}

/** Relaxed DMARC alignment without the public suffix list: the same domain, or one a subdomain of the other (two labels at least). */
export function aligned(a: string, b: string): boolean {
  const x = a.toLowerCase().replace(/\.$/, "");
  const y = b.toLowerCase().replace(/\.$/, "");
  if (labels(x) < 2 || labels(y) < 2) return false;
  return x === y || x.endsWith(`.${y}`) || y.endsWith(`.${x}`);
}

export type SenderVerdict = {
  /** The header From's domain is authenticated and aligned (DMARC pass, or an aligned DKIM/SPF pass). */
  fromAuthenticated: boolean;
  /** Domains this message proved it came through: the aligned From, an SPF-passed envelope, DKIM signers. */
  authenticatedDomains: string[];
  /** What was found, for logs and refusal reasons (never an address). */
  summary: string;
};

const propDomain = (value: string | undefined): string | null => {
  if (!value) return null;
  const v = value.trim().toLowerCase();
  if (v.startsWith("@")) return v.slice(1) || null;
  return v.includes("@") ? domainOf(v) : v || null;
};

/** Judges the header From (`fromAddress`) against the MTA's verdicts. No verdicts: nothing is authenticated. */
export function judgeSender(auth: AuthenticationResults | null, fromAddress: string): SenderVerdict {
  const fromDomain = domainOf(fromAddress);
  if (!auth || !fromDomain)
    return { fromAuthenticated: false, authenticatedDomains: [], summary: "no authentication results from the receiving server" };
  const passed = (method: string) => auth.results.filter((r) => r.method === method && r.result === "pass");
  const dkimDomains = passed("dkim")
    .map((r) => propDomain(r.props["header.d"]) ?? propDomain(r.props["header.i"]))
    .filter((d): d is string => Boolean(d));
  const spfDomains = passed("spf")
    .map((r) => propDomain(r.props["smtp.mailfrom"]))
    .filter((d): d is string => Boolean(d));
  const dmarc = auth.results.filter((r) => r.method === "dmarc");
  const dmarcFor = (r: MethodResult) => propDomain(r.props["header.from"]) ?? fromDomain;
  const dmarcPass = dmarc.some((r) => r.result === "pass" && dmarcFor(r) === fromDomain);
  const dmarcFail = dmarc.some((r) => r.result === "fail" && dmarcFor(r) === fromDomain);
  const alignedPass = [...dkimDomains, ...spfDomains].some((d) => aligned(d, fromDomain));
  const fromAuthenticated = dmarcPass || (!dmarcFail && alignedPass);
  const authenticatedDomains = [...new Set([...(fromAuthenticated ? [fromDomain] : []), ...spfDomains, ...dkimDomains])];
  const found = auth.results
    .filter((r) => ["spf", "dkim", "dmarc"].includes(r.method))
    .map((r) => `${r.method}=${r.result}`)
    .join(" ");
  const summary = fromAuthenticated
    ? `authenticated as ${fromDomain} (${found})`
    : dmarcFail
      ? `DMARC failed for ${fromDomain}`
      : `not authenticated as ${fromDomain} (${found || "no SPF, DKIM or DMARC result"})`;
  return { fromAuthenticated, authenticatedDomains, summary };
}
