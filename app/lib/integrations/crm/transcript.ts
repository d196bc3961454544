/**
 * A conversation's transcript as a CRM note or help-desk comment: a heading with the link back,
 * then one "[time] sender: text" line per message, newest last. When it does not fit the
 * provider's limit the oldest messages go first (and the note says how many were left out), so the
 * end of the conversation — usually what matters — is always there. Pure: tested on its own.
 */
export type TranscriptMessage = { author: "contact" | "ai" | "agent"; authorName: string | null; body: string; createdAt: Date };
export type TranscriptInput = {
  contact: { email: string; name: string | null };
  subject: string | null;
  link: string;
  messages: readonly TranscriptMessage[];
  /** The provider's maximum length of the whole text. */
  limit: number;
  /** "html" for providers that render HTML (HubSpot, Pipedrive, Freshdesk notes). */
  format: "text" | "html";
};

const pad = (n: number) => String(n).padStart(2, "0");
export const transcriptTime = (d: Date) =>
  `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export function senderName(m: Pick<TranscriptMessage, "author" | "authorName">, contact: TranscriptInput["contact"]): string {
  if (m.author === "contact") return m.authorName || contact.name || contact.email;
  if (m.author === "ai") return m.authorName || "AI assistant";
  return m.authorName || "Agent";
}

/** One line per message, whitespace folded so a message cannot forge another "[time] sender:" line. */
function line(m: TranscriptMessage, contact: TranscriptInput["contact"]) {
  return `[${transcriptTime(m.createdAt)}] ${senderName(m, contact)}: ${m.body.replace(/\s+/g, " ").trim()}`;
}

export function buildTranscript(input: TranscriptInput): string {
  const who = input.contact.name ? `${input.contact.name} <${input.contact.email}>` : input.contact.email;
  const title = `Chat transcript: ${input.subject?.trim() || who}`;
  const lines = input.messages.map((m) => line(m, input.contact));
  const render = (kept: string[], dropped: number) => {
    const notice = dropped > 0 ? [`(${dropped} earlier message${dropped === 1 ? "" : "s"} not shown: see the full conversation)`] : [];
    if (input.format === "text") return [title, `Customer: ${who}`, `Conversation: ${input.link}`, "", ...notice, ...kept].join("\n");
    const head = `<p><strong>${escapeHtml(title)}</strong><br>Customer: ${escapeHtml(who)}<br><a href="${escapeHtml(input.link)}">Open the conversation</a></p>`;
    return head + [...notice, ...kept].map((l) => `<p>${escapeHtml(l)}</p>`).join("");
  };
  // Drop the fewest oldest lines that make it fit (binary search: fewer kept lines, shorter text).
  let text = render(lines, 0);
  if (text.length > input.limit && lines.length > 0) {
    let lo = 1;
    let hi = lines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (render(lines.slice(mid), mid).length <= input.limit) hi = mid;
      else lo = mid + 1;
    }
    text = render(lines.slice(lo), lo);
  }
  return text.length > input.limit ? `${text.slice(0, Math.max(0, input.limit - 1))}…` : text;
}

/** The subject line of a ticket or task for this conversation. */
export function conversationTitle(c: { subject: string | null; contact: { email: string; name: string | null } }): string {
  return c.subject?.trim() || `Chat with ${c.contact.name || c.contact.email}`;
}
