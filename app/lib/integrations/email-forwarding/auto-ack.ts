/** The automatic acknowledgement of a new email conversation: threaded, and marked as automatic. */
import { buildTextEmail, type MailAddress, newMessageId } from "./mime";

export type OutgoingReply = { from: string; to: string; raw: string; messageId: string };

export function buildAcknowledgement(input: {
  companyName: string;
  ourAddress: string;
  to: MailAddress;
  subject: string | null;
  inReplyTo: string;
  references: string[];
  now: Date;
}): OutgoingReply {
  const domain = input.ourAddress.slice(input.ourAddress.lastIndexOf("@") + 1);
  const messageId = newMessageId(domain, "ack");
  const subject = input.subject ? (/^re:/i.test(input.subject) ? input.subject : `Re: ${input.subject}`) : "We received your message";
  const greeting = input.to.name ? `Hello ${input.to.name},` : "Hello,";
  const text = [
    greeting,
    "",
    `Thank you for contacting ${input.companyName}. We have received your message and will get back to you as soon as we can.`,
    "",
    "To add anything, simply reply to this email.",
    "",
    `${input.companyName} Support`,
    "",
    "(This is an automatic acknowledgement.)",
  ].join("\n");
  const raw = buildTextEmail({
    from: { name: `${input.companyName} Support`, address: input.ourAddress },
    to: input.to,
    subject,
    text,
    messageId,
    date: input.now,
    inReplyTo: input.inReplyTo,
    references: [...input.references.filter((r) => r !== input.inReplyTo), input.inReplyTo].slice(-20),
    headers: { "Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All" },
  });
  return { from: input.ourAddress, to: input.to.address, raw, messageId };
}
