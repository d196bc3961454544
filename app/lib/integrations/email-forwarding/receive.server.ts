/**
 * The inbound email pipeline. The Worker's `email()` entry and "Send test email" both call
 * receiveEmail with the same shape as Cloudflare's ForwardableEmailMessage, so the test email
 * goes through exactly the code a real email does.
 *
 * Order: size → recipient → forwarding enabled → loop (envelope) → parse → loop (headers) →
 * allowed domains → dedupe by Message-ID → thread or create → enqueue events → acknowledge.
 */

import { eq } from "drizzle-orm";
import PostalMime, { type Email } from "postal-mime";
import {
  addMessage,
  createConversation,
  type DomainCtx,
  type NewMessageInput,
  setConversationStatus,
} from "../../conversations/conversations.server";
import { EMAIL_SOURCE, findEmailMessageById, findThreadConversationId } from "../../conversations/email-threading.server";
import type { Db } from "../../db/client";
import { connections } from "../../db/schema";
import { type Env, type EventsMessage, inboundEmailDomain } from "../../env";
import { enqueueEvents } from "../../events/emit.server";
import { performedBy } from "../../events/performed-by";
import { sha256Hex } from "../../security/crypto";
import { bareAddress, domainMatches, domainOf, forwardingAddress, messageIdsIn, slugFromRecipient } from "./address";
import { buildAcknowledgement, type OutgoingReply } from "./auto-ack";
import { findCompanyBySlug, findForwardingConnection } from "./connection.server";
import { type Contact, emailContent } from "./content.server";
import { headerGetter, loopRejection, shouldNotAutoReply } from "./loop";

/** Documented limit (docs/email-forwarding.md): larger messages are refused before they are read. */
export const MAX_EMAIL_BYTES = 10 * 1024 * 1024;

export type InboundEmail = {
  /** Envelope sender (SMTP MAIL FROM). */
  from: string;
  /** Envelope recipient (SMTP RCPT TO). */
  to: string;
  raw: ReadableStream<Uint8Array> | ArrayBuffer | Uint8Array | string;
  headers: Headers;
  size: number;
  setReject: (reason: string) => void;
  /** Sends a reply to the envelope sender (the Worker wraps message.reply); absent = never reply. */
  reply?: (reply: OutgoingReply) => Promise<void>;
};

export type ReceiveDeps = { db: Db; env: Env; now: () => Date; queue?: Queue<EventsMessage> };

export type ReceiveOutcome =
  | { status: "rejected"; reason: string }
  | { status: "duplicate"; conversationId: string; messageId: string }
  | { status: "created" | "appended"; conversationId: string; messageId: string; acknowledged: boolean };

export async function receiveEmail(deps: ReceiveDeps, email: InboundEmail): Promise<ReceiveOutcome> {
  const { db } = deps;
  const inboundDomain = inboundEmailDomain(deps.env).toLowerCase();
  let connectionId: string | null = null;
  const reject = async (reason: string): Promise<ReceiveOutcome> => {
    email.setReject(reason);
    if (connectionId) {
      const now = deps.now();
      await db
        .update(connections)
        .set({ lastError: `Refused an email: ${reason}`.slice(0, 300), lastErrorAt: now })
        .where(eq(connections.id, connectionId));
    }
    return { status: "rejected", reason };
  };

  if (email.size > MAX_EMAIL_BYTES) return reject(`Message too large: the limit is ${MAX_EMAIL_BYTES / 1024 / 1024} MB`);
  const slug = slugFromRecipient(email.to, inboundDomain);
  const company = slug ? await findCompanyBySlug({ db, slug }) : undefined;
  if (!company) return reject("Unknown recipient: there is no support mailbox at this address");
  const connection = await findForwardingConnection({ db, companyId: company.id });
  if (connection?.row.status !== "connected" || !connection.settings.enabled) {
    email.setReject("Email forwarding is not enabled for this address");
    return { status: "rejected", reason: "Email forwarding is not enabled for this address" };
  }
  connectionId = connection.row.id;
  const envelopeLoop = loopRejection(headerGetter(email.headers), [email.from, email.headers.get("from")], inboundDomain);
  if (envelopeLoop) return reject(envelopeLoop);

  let parsed: Email;
  try {
    parsed = await PostalMime.parse(email.raw, { attachmentEncoding: "arraybuffer" });
  } catch {
    return reject("The message could not be read (malformed MIME)");
  }
  const headers = headerGetter(parsed.headers);
  const sender = senderOf(parsed, email.from);
  if (!sender) return reject("The message has no valid sender address");
  const headerLoop = loopRejection(
    headers,
    [sender.email, bareAddress(parsed.sender && "address" in parsed.sender ? parsed.sender.address : null)],
    inboundDomain,
  );
  if (headerLoop) return reject(headerLoop);

  const allowed = connection.settings.allowedSenderDomains;
  if (allowed.length > 0) {
    const domains = [domainOf(email.from), domainOf(sender.email)].filter((d): d is string => Boolean(d));
    if (!domains.some((d) => allowed.some((a) => domainMatches(d, a))))
      return reject(`Sender domain ${domainOf(sender.email)} is not allowed for this mailbox`);
  }

  const content = await emailContent(db, company.id, parsed, sender);
  const messageId = messageIdsIn(parsed.messageId)[0] ?? (await syntheticMessageId(parsed, email.from));
  const existing = await findEmailMessageById({ db, companyId: company.id, messageId });
  if (existing) return { status: "duplicate", conversationId: existing.conversationId, messageId: existing.id };

  const now = deps.now();
  const referenced = [...messageIdsIn(parsed.references), ...messageIdsIn(parsed.inReplyTo)];
  const threadId = await findThreadConversationId({ db, companyId: company.id, referencedIds: referenced });
  const ctx: DomainCtx = { db, companyId: company.id, performedBy: performedBy.contact(content.contact), now };
  const message: NewMessageInput = {
    body: content.body,
    author: "contact",
    authorName: content.contact.name ?? content.contact.email,
    source: EMAIL_SOURCE,
    externalId: messageId,
    attachments: content.attachments.length > 0 ? content.attachments : null,
  };
  let written: {
    conversation: { id: string; status?: string };
    message: { id: string };
    events: Parameters<typeof enqueueEvents>[1];
  } | null = null;
  let created = false;
  try {
    if (threadId) written = await addMessage(ctx, { conversationId: threadId, ...message });
    if (!written) {
      written = await createConversation(ctx, { channel: "email", contact: content.contact, subject: content.subject, message });
      created = true;
    }
  } catch (error) {
    // Two deliveries of one message racing: the unique (company, source, external_id) index lets one win.
    const winner = await findEmailMessageById({ db, companyId: company.id, messageId });
    if (winner) return { status: "duplicate", conversationId: winner.conversationId, messageId: winner.id };
    throw error;
  }
  const events = [...written.events];
  if (!created && "status" in written.conversation && written.conversation.status === "closed") {
    // A customer writing again reopens the conversation (conversation.updated, by the contact).
    const reopened = await setConversationStatus(ctx, { id: written.conversation.id, status: "open" });
    if (reopened) events.push(...reopened.events);
  }
  await enqueueEvents(deps.queue, events);
  await db.update(connections).set({ lastSuccessAt: now }).where(eq(connections.id, connection.row.id));

  let acknowledged = false;
  const envelopeSender = bareAddress(email.from);
  if (
    created &&
    connection.settings.autoAcknowledge &&
    email.reply &&
    envelopeSender === content.contact.email &&
    !shouldNotAutoReply(headers, envelopeSender)
  ) {
    // Cloudflare replies go to the envelope sender only: acknowledge direct mail, never a forwarder's mailbox.
    const ack = buildAcknowledgement({
      companyName: company.name,
      ourAddress: forwardingAddress(company.slug, inboundDomain),
      to: { name: content.contact.name, address: envelopeSender },
      subject: content.subject,
      inReplyTo: messageId,
      references: messageIdsIn(parsed.references),
      now,
    });
    try {
      await email.reply(ack);
      acknowledged = true;
    } catch (error) {
      console.error("email auto-acknowledgement failed", company.id, error instanceof Error ? error.message.slice(0, 200) : "unknown");
    }
  }
  return { status: created ? "created" : "appended", conversationId: written.conversation.id, messageId: written.message.id, acknowledged };
}

function senderOf(parsed: Email, envelopeFrom: string): Contact | null {
  const from = parsed.from;
  const mailbox = from && "address" in from && from.address ? from : from?.group?.[0];
  const address = bareAddress(mailbox?.address ?? null) ?? bareAddress(envelopeFrom);
  if (!address) return null;
  const name = mailbox?.name?.replace(/\s+/g, " ").trim().slice(0, 200) || null;
  return { email: address, name };
}

/** Dedupe key for the rare message without a Message-ID: the same message hashes the same. */
async function syntheticMessageId(parsed: Email, envelopeFrom: string): Promise<string> {
  const digest = await sha256Hex([envelopeFrom, parsed.date ?? "", parsed.subject ?? "", parsed.text ?? parsed.html ?? ""].join("\n"));
  return `<sha256.${digest.slice(0, 40)}@no-message-id.invalid>`;
}
