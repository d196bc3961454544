/**
 * A small RFC 5322 / MIME writer for the two messages we make ourselves: the auto-acknowledgement
 * and the "Send test email" message. Single text/plain part, UTF-8, base64 body, CRLF lines,
 * RFC 2047 encoded words for non-ASCII subjects and display names.
 */
export type MailAddress = { name?: string | null; address: string };

export type TextEmail = {
  from: MailAddress;
  to: MailAddress;
  subject: string;
  text: string;
  messageId: string;
  date: Date;
  inReplyTo?: string | null;
  references?: string[];
  headers?: Record<string, string>;
};

const ASCII_PRINTABLE = /^[\x20-\x7e]*$/;

function base64Utf8(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** RFC 2047 "B" encoded word(s) when needed; plain ASCII passes through. */
export function encodeHeaderWord(value: string): string {
  const clean = value.replace(/[\r\n]+/g, " ");
  if (ASCII_PRINTABLE.test(clean)) return clean;
  const words: string[] = [];
  let chunk = "";
  for (const ch of clean) {
    if (new TextEncoder().encode(chunk + ch).length > 45) {
      words.push(`=?UTF-8?B?${base64Utf8(chunk)}?=`);
      chunk = "";
    }
    chunk += ch;
  }
  if (chunk) words.push(`=?UTF-8?B?${base64Utf8(chunk)}?=`);
  return words.join("\r\n ");
}

export function formatAddress({ name, address }: MailAddress): string {
  if (!name) return `<${address}>`;
  const encoded = encodeHeaderWord(name);
  const display = encoded === name.replace(/[\r\n]+/g, " ") ? `"${name.replace(/[\\"\r\n]/g, "")}"` : encoded;
  return `${display} <${address}>`;
}

/** "Thu, 26 Nov 2026 04:31:50 +0000" */
export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, "+0000");
}

export function newMessageId(domain: string, prefix = "ih"): string {
  const random = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
  return `<${prefix}.${random}@${domain}>`;
}

/** The message's header fields, in order (also handy as the Worker's `message.headers`). */
export function textEmailHeaders(mail: TextEmail): [string, string][] {
  const headers: [string, string][] = [
    ["From", formatAddress(mail.from)],
    ["To", formatAddress(mail.to)],
    ["Subject", encodeHeaderWord(mail.subject)],
    ["Date", rfc5322Date(mail.date)],
    ["Message-ID", mail.messageId],
  ];
  if (mail.inReplyTo) headers.push(["In-Reply-To", mail.inReplyTo]);
  if (mail.references?.length) headers.push(["References", mail.references.join(" ")]);
  for (const [k, v] of Object.entries(mail.headers ?? {})) headers.push([k, v.replace(/[\r\n]+/g, " ")]);
  headers.push(["MIME-Version", "1.0"], ["Content-Type", 'text/plain; charset="UTF-8"'], ["Content-Transfer-Encoding", "base64"]);
  return headers;
}

export function buildTextEmail(mail: TextEmail): string {
  const body = base64Utf8(mail.text.replace(/\r?\n/g, "\r\n")).replace(/.{1,76}/g, "$&\r\n");
  return `${textEmailHeaders(mail)
    .map(([k, v]) => `${k}: ${v}`)
    .join("\r\n")}\r\n\r\n${body}`;
}
