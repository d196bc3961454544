/**
 * What the help-desk adapters (Zendesk, Freshdesk) share: one ticket per escalated conversation
 * (stored reference → the provider's own lookup → create under a claim), the transcript it carries,
 * and the way back: a ticket solved at the provider closes our conversation, written with
 * `performed_by` = the integration so no adapter acts on its own change (loop safety).
 */
import { and, desc, eq } from "drizzle-orm";
import { setConversationStatus } from "../../conversations/conversations.server";
import type { Db } from "../../db/client";
import { conversations, messages } from "../../db/schema";
import { appBaseUrl, type Env, type EventsMessage } from "../../env";
import { enqueueEvents } from "../../events/emit.server";
import { type DeliveryContext, type DeliveryOutcome, integrationActor } from "../adapter";
import { failureOutcome, type RemoteRecord } from "../crm/sync.server";
import { buildTranscript, conversationTitle } from "../crm/transcript";
import type { Provider } from "../types";

export const TICKET_REF = "ticket";
export const TRANSCRIPT_NOTE_REF = "transcript";
export const TICKET_TAGS = ["integrations-hub", "chat-escalation"];

type ConversationPayload = { id: string; contact: { email: string; name: string | null }; subject: string | null; reason?: string | null };

export type TicketDraft = {
  conversationId: string;
  subject: string;
  requester: { name: string; email: string };
  transcript: string;
  link: string;
  reason: string | null;
};

export type HelpdeskOps = {
  /** The provider's own lookup by our conversation id (Zendesk's external_id); null when it has none. */
  findExisting: ((conversationId: string) => Promise<RemoteRecord | null>) | null;
  create: (draft: TicketDraft) => Promise<RemoteRecord>;
  /** A second call that adds the transcript as a private note (when create cannot carry it). */
  addTranscript?: (ticketId: string, draft: TicketDraft) => Promise<{ id: string }>;
  transcript: { limit: number; format: "text" | "html" };
};

/** The escalated conversation as a ticket draft (null when the conversation is gone or its contact has no email). */
async function draftFor(ctx: DeliveryContext, ops: HelpdeskOps): Promise<TicketDraft | null> {
  const p = ctx.event.payload as ConversationPayload;
  const conversation = await ctx.db
    .select()
    .from(conversations)
    .where(and(eq(conversations.companyId, ctx.event.companyId), eq(conversations.id, p.id)))
    .get();
  // A phone-only contact (WhatsApp) cannot be a requester: the ticket needs an email address.
  if (!conversation?.contactEmail) return null;
  const rows = await ctx.db
    .select({ author: messages.authorKind, authorName: messages.authorName, body: messages.body, createdAt: messages.createdAt })
    .from(messages)
    .where(and(eq(messages.companyId, ctx.event.companyId), eq(messages.conversationId, conversation.id)))
    .orderBy(desc(messages.id))
    .limit(500);
  const contact = { email: conversation.contactEmail, name: conversation.contactName };
  const link = `${appBaseUrl(ctx.env)}/conversations/${conversation.id}`;
  return {
    conversationId: conversation.id,
    subject: conversationTitle({ subject: conversation.subject, contact }),
    requester: { name: contact.name || contact.email, email: contact.email },
    transcript: buildTranscript({ contact, subject: conversation.subject, link, messages: rows.reverse(), ...ops.transcript }),
    link,
    reason: p.reason ?? null,
  };
}

const waitForClaim = (what: string): DeliveryOutcome => ({
  ok: false,
  statusCode: null,
  retryAfterSeconds: 5,
  error: `Another delivery is creating this ${what}; trying again shortly.`,
});
const gone = (error: string): DeliveryOutcome => ({ ok: false, statusCode: null, gone: true, error });

export async function createTicketOnEscalation(ctx: DeliveryContext, ops: HelpdeskOps): Promise<DeliveryOutcome> {
  const conversationId = (ctx.event.payload as ConversationPayload).id;
  try {
    let ticket: RemoteRecord | null = null;
    let how = "";
    const stored = await ctx.refs.lookup(TICKET_REF, conversationId);
    if (stored?.remoteId) [ticket, how] = [{ id: stored.remoteId, url: stored.remoteUrl }, "Ticket already existed:"];
    if (!ticket && ops.findExisting) {
      const found = await ops.findExisting(conversationId);
      if (found) {
        await ctx.refs.linkExisting(TICKET_REF, conversationId, { remoteId: found.id, remoteUrl: found.url });
        [ticket, how] = [found, "Linked existing"];
      }
    }
    let draft: TicketDraft | null = null;
    if (!ticket) {
      const claim = await ctx.refs.claim(TICKET_REF, conversationId);
      if (!claim.claimed && !claim.ref.remoteId) return waitForClaim("ticket");
      if (!claim.claimed) [ticket, how] = [{ id: claim.ref.remoteId!, url: claim.ref.remoteUrl }, "Ticket already existed:"];
      else {
        draft = await draftFor(ctx, ops);
        if (!draft) {
          await ctx.refs.release(TICKET_REF, conversationId);
          return gone("Not sent: the conversation no longer exists, or its contact has no email address for the ticket.");
        }
        try {
          ticket = await ops.create(draft);
        } catch (error) {
          await ctx.refs.release(TICKET_REF, conversationId);
          throw error;
        }
        await ctx.refs.complete(TICKET_REF, conversationId, { remoteId: ticket.id, remoteUrl: ticket.url });
        how = "Created";
      }
    }
    // Providers whose create takes no internal note (Freshdesk) get it as a second call, once.
    if (ops.addTranscript && !(await ctx.refs.lookup(TRANSCRIPT_NOTE_REF, conversationId))?.remoteId) {
      const claim = await ctx.refs.claim(TRANSCRIPT_NOTE_REF, conversationId);
      if (claim.claimed) {
        draft ??= await draftFor(ctx, ops);
        if (!draft) return gone("Not sent: the conversation no longer exists, or its contact has no email address for the ticket.");
        try {
          const note = await ops.addTranscript(ticket!.id, draft);
          await ctx.refs.complete(TRANSCRIPT_NOTE_REF, conversationId, { remoteId: note.id, remoteUrl: ticket!.url });
        } catch (error) {
          await ctx.refs.release(TRANSCRIPT_NOTE_REF, conversationId);
          throw error;
        }
      } else if (!claim.ref.remoteId) return waitForClaim("note");
    }
    const t = ticket!;
    return {
      ok: true,
      statusCode: how === "Created" ? 201 : 200,
      summary: `${how} ticket #${t.id} with the transcript as an internal note`,
      remote: { url: t.url, label: `Ticket #${t.id}` },
    };
  } catch (error) {
    return failureOutcome(error);
  }
}

/**
 * A ticket was solved at the provider: close our conversation (once) as the integration. Returns
 * what happened, for the caller's answer or log. `conversationId` must come from our own external
 * reference to that ticket (never trusted from the provider's body alone).
 */
export async function closeFromProvider(
  deps: { db: Db; env: Env; now: Date },
  input: { provider: Pick<Provider, "id" | "name">; companyId: string; conversationId: string },
): Promise<"closed" | "already_closed" | "not_found"> {
  const result = await setConversationStatus(
    { db: deps.db, companyId: input.companyId, performedBy: integrationActor(input.provider), now: deps.now },
    { id: input.conversationId, status: "closed" },
  );
  if (!result) return "not_found";
  if (result.events.length === 0) return "already_closed";
  await enqueueEvents(deps.env.EVENTS as Queue<EventsMessage> | undefined, result.events);
  return "closed";
}
