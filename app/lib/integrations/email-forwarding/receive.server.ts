/**
 * The inbound email pipeline. The Worker's `email()` entry and "Send test email" both call
 * receiveEmail with the same shape as Cloudflare's ForwardableEmailMessage, so the test email
 * goes through exactly the code a real email does.
 *
 * Order: size → recipient → forwarding enabled → loop (envelope) → parse → loop (headers) →
 * sender authentication (authentication.ts) → a company user must be authenticated → allowed
 * domains (authenticated ones only) → dedupe by Message-ID (the same sender's only) → thread
 * (the contact or a company user, authenticated) or create (per-sender budget) → enqueue events →
 * acknowledge.
 */

import { eq } from "drizzle-orm";
import PostalMime, { type Email } from "postal-mime";
import { openAlert, resolveAlerts } from "../../alerts/alerts.server";
import {
  addMessage,
  createConversation,
  type DomainCtx,
  type NewMessageInput,
  setConversationStatus,
} from "../../conversations/conversations.server";
import { EMAIL_SOURCE, findEmailMessageById, findThread } from "../../conversations/email-threading.server";
import type { Db } from "../../db/client";
import { connections } from "../../db/schema";
import { type Env, type EventsMessage, inboundEmailDomain } from "../../env";
import { enqueueEvents } from "../../events/emit.server";
import { performedBy } from "../../events/performed-by";
import { sha256Hex } from "../../security/crypto";
import { hitLimit, type LimitBucket, LimiterUnavailableError } from "../../security/limits.server";
import { bareAddress, domainMatches, domainOf, forwardingAddress, messageIdsIn, slugFromRecipient } from "./address";
import { judgeSender, receivedAuthentication, type SenderVerdict } from "./authentication";
import { buildAcknowledgement, type OutgoingReply } from "./auto-ack";
import { EMAIL_FORWARDING_PROVIDER, findCompanyBySlug, findForwardingConnection } from "./connection.server";
import { type Contact, emailContent, isCompanyUser } from "./content.server";
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
  /**
   * Set only by an in-process caller that has already authenticated the sender itself ("Send test
   * email": the signed-in admin). Mail from Cloudflare never carries it: its sender is judged from
   * the Authentication-Results Email Routing stamped on the message.
   */
  verifiedSender?: string;
};

export type ReceiveDeps = { db: Db; env: Env; now: () => Date; queue?: Queue<EventsMessage> };

export type ReceiveOutcome =
  | { status: "rejected"; reason: string }
  | { status: "duplicate"; conversationId: string; messageId: string }
  | {
      status: "created" | "appended";
      conversationId: string;
      messageId: string;
      acknowledged: boolean;
      /** Why a trust the email asked for was not given (a reply that was not threaded, a reused Message-ID). */
      notice?: string;
    };

export async function receiveEmail(deps: ReceiveDeps, email: InboundEmail): Promise<ReceiveOutcome> {
  const { db } = deps;
  const inboundDomain = inboundEmailDomain(deps.env).toLowerCase();
  let connectionId: string | null = null;
  let company: { id: string; name: string; slug: string } | undefined;
  /**
   * `alert`: the refusal is the mailbox's problem, not the sender's (mail the company wants is turned
   * away: its own users' or allowed domains' mail failing authentication, a company-wide budget, the
   * limiter down), so the health alert opens (ADR 0110) in the same batch; the next accepted email
   * resolves it. Spam, loops and disallowed senders are the mailbox working, never an alert.
   */
  const reject = async (reason: string, { alert = false }: { alert?: boolean } = {}): Promise<ReceiveOutcome> => {
    email.setReject(reason);
    if (connectionId && company) {
      const now = deps.now();
      const record = db
        .update(connections)
        .set({ lastError: `Refused an email: ${reason}`.slice(0, 300), lastErrorAt: now })
        .where(eq(connections.id, connectionId));
      if (alert) {
        const detail = `Refused an email: ${reason}`;
        await db.batch([
          record,
          openAlert(db, { companyId: company.id, kind: "channel_refusing", subject: EMAIL_FORWARDING_PROVIDER, detail, now }),
        ]);
      } else await record;
    }
    return { status: "rejected", reason };
  };

  if (email.size > MAX_EMAIL_BYTES) return reject(`Message too large: the limit is ${MAX_EMAIL_BYTES / 1024 / 1024} MB`);
  const slug = slugFromRecipient(email.to, inboundDomain);
  company = slug ? await findCompanyBySlug({ db, slug }) : undefined;
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

  // Who sent it, as Email Routing verified it: a claim in the headers is never enough on its own.
  const verdict: SenderVerdict =
    email.verifiedSender && bareAddress(email.verifiedSender) === sender.email
      ? { fromAuthenticated: true, authenticatedDomains: [domainOf(sender.email)!], summary: "sent from the signed-in app" }
      : judgeSender(receivedAuthentication(parsed.headers), sender.email);
  const fromCompanyUser = await isCompanyUser(db, company.id, sender.email);
  if (fromCompanyUser && !verdict.fromAuthenticated)
    return reject(`The sender claims to be a user of this company, but the message is not authenticated: ${verdict.summary}`, {
      alert: true,
    });

  const allowed = connection.settings.allowedSenderDomains;
  if (allowed.length > 0 && !verdict.authenticatedDomains.some((d) => allowed.some((a) => domainMatches(d, a)))) {
    const claimed = [domainOf(sender.email), domainOf(email.from)].filter((d): d is string => Boolean(d));
    const claimedAllowed = claimed.find((d) => allowed.some((a) => domainMatches(d, a)));
    if (claimedAllowed)
      return reject(`Sender domain ${claimedAllowed} is allowed, but the message is not authenticated as it: ${verdict.summary}`, {
        alert: true,
      });
    return reject(`Sender domain ${domainOf(sender.email)} is not allowed for this mailbox`);
  }

  // A company user's hand-made forward names the customer; only an authenticated company user's does.
  const content = emailContent(parsed, sender, { trustForward: fromCompanyUser && verdict.fromAuthenticated });
  const notices: string[] = [];
  let messageId = messageIdsIn(parsed.messageId)[0] ?? (await syntheticMessageId(parsed, email.from));
  let existing = await findEmailMessageById({ db, companyId: company.id, messageId });
  if (existing && !sameSender(existing.contactEmail, sender.email, content.contact.email, fromCompanyUser)) {
    // Someone else's Message-ID: not a redelivery, so never "already have it" and never that conversation.
    notices.push("Its Message-ID was already used by another sender's email, so it is stored under its own id.");
    messageId = await senderScopedMessageId(messageId, sender.email);
    existing = await findEmailMessageById({ db, companyId: company.id, messageId });
  }
  if (existing) return { status: "duplicate", conversationId: existing.conversationId, messageId: existing.id };

  const now = deps.now();
  const referenced = [...messageIdsIn(parsed.references), ...messageIdsIn(parsed.inReplyTo)];
  const thread = await findThread({ db, companyId: company.id, referencedIds: referenced });
  let threadId: string | null = null;
  if (thread) {
    const mayJoin = verdict.fromAuthenticated && (thread.contactEmail === sender.email || fromCompanyUser);
    if (mayJoin) threadId = thread.conversationId;
    else
      notices.push(
        verdict.fromAuthenticated
          ? "It replies to a conversation with another contact, so it starts a new conversation."
          : `It replies to a conversation, but its sender is ${verdict.summary}, so it starts a new conversation.`,
      );
  }
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
      const budget = await newConversationBudget(deps.env, company.id, sender.email, verdict.fromAuthenticated);
      if (budget) return reject(budget.reason, { alert: budget.mailbox });
      written = await createConversation(ctx, { channel: "email", contact: content.contact, subject: content.subject, message });
      created = true;
    }
  } catch (error) {
    // Two deliveries of one message racing: the unique (company, source, external_id) index lets one win.
    const winner = await findEmailMessageById({ db, companyId: company.id, messageId });
    if (winner) return { status: "duplicate", conversationId: winner.conversationId, messageId: winner.id };
    throw error;
  }
  const notice = notices.length > 0 ? notices.join(" ") : undefined;
  if (notice) console.warn("inbound email: trust not given", company.id, notice);
  const events = [...written.events];
  if (!created && "status" in written.conversation && written.conversation.status === "closed") {
    // A customer writing again reopens the conversation (conversation.updated, by the contact).
    const reopened = await setConversationStatus(ctx, { id: written.conversation.id, status: "open" });
    if (reopened) events.push(...reopened.events);
  }
  await enqueueEvents(deps.queue, events);
  await db.batch([
    db.update(connections).set({ lastSuccessAt: now }).where(eq(connections.id, connection.row.id)),
    // Accepted again: the "refusing mail" alert (ADR 0110) is resolved.
    resolveAlerts(db, { companyId: company.id, keys: [{ kind: "channel_refusing", subject: EMAIL_FORWARDING_PROVIDER }], now }),
  ]);

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
  return {
    status: created ? "created" : "appended",
    conversationId: written.conversation.id,
    messageId: written.message.id,
    acknowledged,
    ...(notice ? { notice } : {}),
  };
}

function senderOf(parsed: Email, envelopeFrom: string): Contact | null {
  const from = parsed.from;
  const mailbox = from && "address" in from && from.address ? from : from?.group?.[0];
  const address = bareAddress(mailbox?.address ?? null) ?? bareAddress(envelopeFrom);
  if (!address) return null;
  const name = mailbox?.name?.replace(/\s+/g, " ").trim().slice(0, 200) || null;
  return { email: address, name };
}

/**
 * A stored message with this Message-ID is the same email only when it came from the same sender:
 * its conversation's contact, or (for a company user's mail) any company user.
 */
function sameSender(storedContact: string | null, sender: string, contact: string, fromCompanyUser: boolean): boolean {
  return fromCompanyUser || storedContact === sender || storedContact === contact;
}

/** The id a reused Message-ID is stored under: still stable, so this sender's redelivery is a duplicate. */
async function senderScopedMessageId(messageId: string, sender: string): Promise<string> {
  const digest = await sha256Hex(`${sender}\n${messageId}`);
  return `<sha256.${digest.slice(0, 40)}@reused-message-id.invalid>`;
}

/** Budgets on new email conversations (ADR 0081): per sender, and for unauthenticated mail per company. */
const SENDER_BUCKET: LimitBucket = "email.new_conversation";
const UNAUTHENTICATED_BUCKET: LimitBucket = "email.unauthenticated";

/**
 * null when the sender may start another conversation, else the refusal reason and whether it is the
 * mailbox's problem (every sender refused: the company-wide budget, the limiter down) rather than
 * this sender's. No limiter binding: refused.
 */
async function newConversationBudget(
  env: Env,
  companyId: string,
  sender: string,
  authenticated: boolean,
): Promise<{ reason: string; mailbox: boolean } | null> {
  try {
    const perSender = await hitLimit(env, SENDER_BUCKET, `${companyId}:${sender}`);
    if (!perSender.allowed)
      return {
        reason: `Too many new conversations from this sender: at most ${perSender.limit} per hour. Reply in an existing conversation or try again later.`,
        mailbox: false,
      };
    if (!authenticated) {
      const unauthenticated = await hitLimit(env, UNAUTHENTICATED_BUCKET, companyId);
      if (!unauthenticated.allowed)
        return {
          reason: `Too many new conversations from unauthenticated senders: at most ${unauthenticated.limit} per hour. Try again later.`,
          mailbox: true,
        };
    }
    return null;
  } catch (error) {
    if (error instanceof LimiterUnavailableError) {
      console.error(error.message);
      return { reason: "New conversations by email are unavailable right now. Try again later.", mailbox: true };
    }
    throw error;
  }
}

/** Dedupe key for the rare message without a Message-ID: the same message hashes the same. */
async function syntheticMessageId(parsed: Email, envelopeFrom: string): Promise<string> {
  const digest = await sha256Hex([envelopeFrom, parsed.date ?? "", parsed.subject ?? "", parsed.text ?? parsed.html ?? ""].join("\n"));
  return `<sha256.${digest.slice(0, 40)}@no-message-id.invalid>`;
}
