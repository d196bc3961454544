/**
 * What a parsed email becomes: the contact, the subject, the readable body and the attachment
 * list (metadata only: the bytes are never kept).
 */
import { and, eq, sql } from "drizzle-orm";
import type { Attachment, Email } from "postal-mime";
import type { Db } from "../../db/client";
import { type AttachmentMeta, users } from "../../db/schema";
import { htmlToText, parseForward, stripQuotesAndSignature } from "./body-text";

export const MAX_BODY_CHARS = 100_000;
const MAX_SUBJECT_CHARS = 300;
const MAX_ATTACHMENTS = 100;

export type Contact = { email: string; name: string | null };
export type EmailContent = {
  contact: Contact;
  subject: string | null;
  body: string;
  attachments: AttachmentMeta[];
  forwardedBy: string | null;
};

/** Text beyond this is not read (the stored body is capped at MAX_BODY_CHARS anyway). */
const MAX_TEXT_CHARS = 1_000_000;

export function rawBodyText(parsed: Pick<Email, "text" | "html">): string {
  if (parsed.text?.trim()) return parsed.text.slice(0, MAX_TEXT_CHARS);
  if (parsed.html) return htmlToText(parsed.html);
  return "";
}

export function attachmentMeta(list: Attachment[]): AttachmentMeta[] {
  return list.slice(0, MAX_ATTACHMENTS).map((a) => ({
    filename: a.filename ? a.filename.slice(0, 255) : null,
    mimeType: a.mimeType || "application/octet-stream",
    size:
      typeof a.content === "string"
        ? a.encoding === "base64"
          ? Math.floor((a.content.length * 3) / 4)
          : new TextEncoder().encode(a.content).length
        : a.content.byteLength,
  }));
}

function cleanSubject(subject: string | null | undefined, dropForwardPrefix: boolean): string | null {
  let s = (subject ?? "").replace(/\s+/g, " ").trim();
  if (dropForwardPrefix) s = s.replace(/^(fwd?|fw|tr|wg)\s*:\s*/i, "");
  return s ? s.slice(0, MAX_SUBJECT_CHARS) : null;
}

function capBody(body: string): string {
  return body.length > MAX_BODY_CHARS ? `${body.slice(0, MAX_BODY_CHARS)}\n…[truncated]` : body;
}

export async function isCompanyUser(db: Db, companyId: string, address: string): Promise<boolean> {
  const row = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.companyId, companyId), eq(sql`lower(${users.email})`, address.toLowerCase())))
    .get();
  return Boolean(row);
}

/**
 * The sender becomes the contact, except when someone of the company forwarded a customer's
 * email by hand (Gmail's "Forwarded message" block, or Outlook's FW: with its From/Sent block):
 * then the original sender is the contact. The caller says whether that forward may be trusted
 * (`trustForward`: the sender is a company user and the message is authenticated as them).
 */
export function emailContent(parsed: Email, sender: Contact, opts: { trustForward: boolean }): EmailContent {
  const text = rawBodyText(parsed);
  const attachments = attachmentMeta(parsed.attachments ?? []);
  const forward = opts.trustForward ? parseForward(text, parsed.subject) : null;
  if (forward?.from) {
    const body = stripQuotesAndSignature(forward.body) || forward.note;
    return {
      contact: { email: forward.from.address, name: forward.from.name },
      subject: cleanSubject(forward.subject ?? parsed.subject, true),
      body: capBody(body || "(no text)"),
      attachments,
      forwardedBy: sender.email,
    };
  }
  const body = stripQuotesAndSignature(text);
  return {
    contact: sender,
    subject: cleanSubject(parsed.subject, false),
    body: capBody(body || "(no text)"),
    attachments,
    forwardedBy: null,
  };
}
