/**
 * Loop protection: mail written by machines (auto-replies, bounces, bulk and list mail) and mail
 * from our own domain is refused, so an auto-reply can never bounce back and forth with us.
 * Pure: headers come in through a getter so both the Worker's Headers and parsed MIME work.
 */
import { bareAddress, domainMatches, domainOf, localPartOf } from "./address";

export type HeaderGetter = (name: string) => string | null;

const BOUNCE_SENDERS = new Set(["mailer-daemon", "postmaster"]);
/** Provider confirmations an admin must read to finish setting up forwarding (never auto-replied to). */
const SETUP_CONFIRMATION_SENDERS = new Set(["forwarding-noreply@google.com"]);
const NO_REPLY = /^(no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?)([+-].*)?$/;

export function headerGetter(headers: Headers | Iterable<{ key: string; value: string }>): HeaderGetter {
  if (headers instanceof Headers) return (name) => headers.get(name);
  const map = new Map<string, string>();
  for (const h of headers) if (!map.has(h.key.toLowerCase())) map.set(h.key.toLowerCase(), h.value);
  return (name) => map.get(name.toLowerCase()) ?? null;
}

/** The reason to refuse the message as machine-generated or looping, or null when it is fine. */
export function loopRejection(get: HeaderGetter, senders: (string | null | undefined)[], inboundDomain: string): string | null {
  const confirmation = senders.some((s) => s && SETUP_CONFIRMATION_SENDERS.has(bareAddress(s) ?? ""));
  if (!confirmation) {
    const reason = machineGenerated(get);
    if (reason) return reason;
  }
  for (const sender of senders) {
    if (!sender) continue;
    const local = localPartOf(sender);
    const domain = domainOf(sender);
    if (local && BOUNCE_SENDERS.has(local)) return "Delivery reports and bounces are not accepted";
    if (domain && domainMatches(domain, inboundDomain)) return "Mail from our own forwarding addresses is not accepted (loop protection)";
  }
  return null;
}

function machineGenerated(get: HeaderGetter): string | null {
  const autoSubmitted = get("auto-submitted")?.trim().toLowerCase();
  if (autoSubmitted && !autoSubmitted.startsWith("no"))
    return `Automatic messages are not accepted (Auto-Submitted: ${autoSubmitted.slice(0, 40)})`;
  const precedence = get("precedence")?.trim().toLowerCase();
  if (precedence && ["bulk", "junk", "list", "auto_reply"].includes(precedence))
    return `Bulk and list mail is not accepted (Precedence: ${precedence})`;
  const suppress = get("x-auto-response-suppress")?.toLowerCase() ?? "";
  if (/\b(all|oof|autoreply)\b/.test(suppress)) return "Automatic replies are not accepted (X-Auto-Response-Suppress)";
  if (get("x-autoreply") || get("x-autorespond")) return "Automatic replies are not accepted";
  if (get("list-id") && /\bbulk\b/i.test(get("x-precedence") ?? "")) return "Mailing-list mail is not accepted";
  return null;
}

/** Accepted, but no automatic acknowledgement: lists and no-reply senders never get one. */
export function shouldNotAutoReply(get: HeaderGetter, sender: string): boolean {
  if (get("list-id") || get("list-unsubscribe")) return true;
  const local = localPartOf(sender);
  return !local || NO_REPLY.test(local);
}
