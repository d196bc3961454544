/**
 * Turning an email body into the message a support agent wants to read: HTML to text, quoted
 * replies and signatures removed (but never everything), and Gmail's forwarded-message block.
 */
import { htmlToText } from "./html-to-text";

export { htmlToText };

const REPLY_HEADER_PATTERNS: RegExp[] = [
  /^On\b.{0,300}\bwrote:\s*$/i, // Gmail, Apple Mail, Thunderbird
  /^Le\b.{0,300}\ba écrit\s*:\s*$/i, // French Gmail
  /^Am\b.{0,300}\bschrieb\b.{0,200}:\s*$/i, // German Gmail
  /^-{2,}\s*Original Message\s*-{2,}\s*$/i, // Outlook classic, Yahoo
  /^-{2,}\s*Reply message\s*-{2,}\s*$/i,
];
const OUTLOOK_FROM = /^\*?From:\*?\s+\S/i;
const OUTLOOK_NEXT = /^\*?(Sent|Date|To|Subject|Envoyé|Gesendet):\*?\s/i;
const MOBILE_SIGNATURE =
  /^(Sent from my (iPhone|iPad|Android|Samsung|Galaxy|BlackBerry|mobile)|Sent from (Outlook|Mail) for|Get Outlook for (iOS|Android)|Sent from Yahoo Mail|Sent via )/i;

/** Index of the first line that starts a quoted earlier message, or -1. */
function replyHeaderIndex(lines: string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (REPLY_HEADER_PATTERNS.some((p) => p.test(line))) return i;
    // Gmail wraps long "On … wrote:" headers over two lines
    const next = lines[i + 1]?.trim() ?? "";
    if (/^On\b/i.test(line) && /^.{0,200}wrote:\s*$/i.test(next) && !/wrote:\s*$/i.test(line)) return i;
    // Outlook: "From: …" followed by Sent:/Date:/To: within a few lines (optionally after a ____ rule)
    if (OUTLOOK_FROM.test(line) && lines.slice(i + 1, i + 5).some((l) => OUTLOOK_NEXT.test(l.trim()))) {
      return i > 0 && /^_{8,}$/.test(lines[i - 1]!.trim()) ? i - 1 : i;
    }
  }
  return -1;
}

/** Removes quoted replies and signatures; keeps the full text if that would leave nothing. */
export function stripQuotesAndSignature(text: string): string {
  const normalised = text.replace(/\r\n?/g, "\n");
  let lines = normalised.split("\n");
  const header = replyHeaderIndex(lines);
  if (header >= 0) lines = lines.slice(0, header);
  lines = lines.filter((l) => !/^\s*>/.test(l));
  const sigDelimiter = lines.findIndex((l) => l === "-- " || l === "--");
  if (sigDelimiter >= 0) lines = lines.slice(0, sigDelimiter);
  const mobile = lines.findIndex((l) => MOBILE_SIGNATURE.test(l.trim()));
  if (mobile >= 0) lines = lines.slice(0, mobile);
  const stripped = tidy(lines.join("\n"));
  return stripped || tidy(normalised);
}

/** Trims trailing spaces, collapses runs of blank lines, trims the whole. */
export function tidy(text: string): string {
  return text
    .split("\n")
    .map((l) => l.replace(/[ \t\u00a0]+$/, ""))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

export type ForwardedMessage = {
  from: { name: string | null; address: string } | null;
  subject: string | null;
  date: string | null;
  body: string;
  note: string;
};

const FORWARD_MARKER = /^-{5,}\s*Forwarded message\s*-{2,}\s*$/i;
const FORWARD_SUBJECT = /^\s*(fwd?|fw|tr|wg)\s*:/i;

/** Reads "Name: value" header lines from `from` up to the first blank line; the rest is the body. */
function forwardedBlock(lines: string[], headerStart: number, noteEnd: number): ForwardedMessage {
  const fields: Record<string, string> = {};
  let i = headerStart;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") break;
    const m = /^\*?([A-Za-z-]+):\*?\s*(.*)$/.exec(line.trim());
    if (m) fields[m[1]!.toLowerCase()] = m[2]!.trim();
    else if (Object.keys(fields).length === 0) break;
  }
  const from = fields.from ? parseDisplayAddress(fields.from) : null;
  return {
    from,
    subject: fields.subject ?? null,
    date: fields.date ?? fields.sent ?? null,
    body: tidy(lines.slice(i + 1).join("\n")),
    note: tidy(lines.slice(0, noteEnd).join("\n")),
  };
}

/**
 * Gmail's forward: "---------- Forwarded message ---------" then From:/Date:/Subject:/To:/Cc:
 * lines, a blank line, and the original body. `note` is what the forwarder wrote above it.
 */
export function parseGmailForward(text: string): ForwardedMessage | null {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const start = lines.findIndex((l) => FORWARD_MARKER.test(l.trim()));
  return start < 0 ? null : forwardedBlock(lines, start + 1, start);
}

/**
 * A forwarded message, from Gmail or from Outlook (subject "FW:"/"Fwd:" and a "From: … Sent: …"
 * block, optionally under a "____" rule or "-----Original Message-----").
 */
export function parseForward(text: string, subject: string | null | undefined): ForwardedMessage | null {
  const gmail = parseGmailForward(text);
  if (gmail || !FORWARD_SUBJECT.test(subject ?? "")) return gmail;
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!OUTLOOK_FROM.test(lines[i]!.trim()) || !lines.slice(i + 1, i + 5).some((l) => OUTLOOK_NEXT.test(l.trim()))) continue;
    const previous = lines[i - 1]?.trim() ?? "";
    const noteEnd = /^_{8,}$/.test(previous) || /^-{2,}\s*Original Message\s*-{2,}$/i.test(previous) ? i - 1 : i;
    return forwardedBlock(lines, i, noteEnd);
  }
  return null;
}

/** `Jane Doe <jane@example.com>` (Gmail's plain-text form) → name + address. */
export function parseDisplayAddress(value: string): { name: string | null; address: string } | null {
  const m = /^\s*"?([^"<[]*?)"?\s*(?:<|\[mailto:)([^<>[\]\s]+@[^<>[\]\s]+)(?:>|\])\s*$/.exec(value);
  if (m) return { name: m[1]!.trim() || null, address: m[2]!.toLowerCase() };
  const bare = /^\s*([^\s<>]+@[^\s<>]+)\s*$/.exec(value);
  return bare ? { name: null, address: bare[1]!.toLowerCase() } : null;
}
