/**
 * The forwarding address scheme: `support@{slug}.{INBOUND_EMAIL_DOMAIN}`. Plus-addressing
 * (`support+billing@…`) reaches the same company; everything is case-insensitive.
 */
export const FORWARDING_LOCAL_PART = "support";

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function forwardingAddress(slug: string, inboundDomain: string): string {
  return `${FORWARDING_LOCAL_PART}@${slug}.${inboundDomain}`.toLowerCase();
}

/** "Name <a@b>" / "<a@b>" / "a@b" → "a@b" (lowercased, trimmed); null when it is not an address. */
export function bareAddress(value: string | null | undefined): string | null {
  if (!value) return null;
  const angled = /<([^<>]*)>/.exec(value);
  const address = (angled ? angled[1]! : value).trim().toLowerCase();
  const at = address.lastIndexOf("@");
  if (at <= 0 || at === address.length - 1 || /\s/.test(address)) return null;
  return address;
}

export function domainOf(address: string | null | undefined): string | null {
  const bare = bareAddress(address);
  return bare ? bare.slice(bare.lastIndexOf("@") + 1) : null;
}

export function localPartOf(address: string | null | undefined): string | null {
  const bare = bareAddress(address);
  return bare ? bare.slice(0, bare.lastIndexOf("@")) : null;
}

/** The company slug a recipient addresses, or null when it is not one of our forwarding addresses. */
export function slugFromRecipient(recipient: string, inboundDomain: string): string | null {
  const address = bareAddress(recipient);
  if (!address) return null;
  const local = address.slice(0, address.lastIndexOf("@"));
  const host = address.slice(address.lastIndexOf("@") + 1).replace(/\.$/, "");
  if (local !== FORWARDING_LOCAL_PART && !local.startsWith(`${FORWARDING_LOCAL_PART}+`)) return null;
  const suffix = `.${inboundDomain.toLowerCase()}`;
  if (!host.endsWith(suffix)) return null;
  const slug = host.slice(0, -suffix.length);
  return LABEL.test(slug) ? slug : null;
}

export function isDomainName(value: string): boolean {
  return DOMAIN.test(value.toLowerCase());
}

/** True when `domain` is `allowed` itself or one of its subdomains. */
export function domainMatches(domain: string, allowed: string): boolean {
  const d = domain.toLowerCase().replace(/\.$/, "");
  const a = allowed.toLowerCase().replace(/\.$/, "");
  return d === a || d.endsWith(`.${a}`);
}

/** Message-IDs in a header value (`<a@b> <c@d>`), angle brackets kept, in order. */
export function messageIdsIn(value: string | null | undefined): string[] {
  if (!value) return [];
  const found = value.match(/<[^<>\s]+>/g);
  if (found) return found;
  const bare = value.trim();
  return bare && !/\s/.test(bare) ? [`<${bare}>`] : [];
}
