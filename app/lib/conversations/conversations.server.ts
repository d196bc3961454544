import { and, asc, desc, eq, lt } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { batchStatements, type Db } from "../db/client";
import { type AttachmentMeta, type AuthorKind, type ConversationStatus, conversations, messages, type PerformedBy } from "../db/schema";
import { eventInsert, eventInsertIfClaimed, type PendingEvent } from "../events/emit.server";
import { newId } from "../ids";
import type { Contact } from "./contact";
import { conversationRepresentation, messageRepresentation } from "./representation";

/**
 * The conversations domain. Every state change writes its rows and its `events` rows in ONE
 * db.batch and returns the pending events; the caller enqueues them (enqueueEvents) after the
 * batch commits. Used by the API, the email handler, Slack replies and the UI alike.
 */
export type DomainCtx = { db: Db; companyId: string; performedBy: PerformedBy; now: Date };
type Channel = (typeof conversations.$inferSelect)["channel"];
type ConversationRow = typeof conversations.$inferSelect;
type MessageRow = typeof messages.$inferSelect;

export class ConversationConflictError extends Error {}

/** A channel refuses the message (WhatsApp outside its 24-hour window): nothing is stored. */
export class MessageRefusedError extends Error {}

/** Called with the conversation before a message is added; a string refuses it (MessageRefusedError). */
export type MessageGuard = (conversation: ConversationRow) => Promise<string | null>;

/** Statements a caller adds to the same atomic batch (an inbound receipt that dedupes a channel's retries). */
export type AlsoWrite = { also?: BatchItem<"sqlite">[] };

export type NewMessageInput = {
  body: string;
  author: AuthorKind;
  authorName?: string | null;
  source?: string;
  externalId?: string | null;
  attachments?: AttachmentMeta[] | null;
};

function messageRow(ctx: DomainCtx, conversationId: string, input: NewMessageInput, channel: Channel): MessageRow {
  return {
    id: newId("msg", ctx.now),
    companyId: ctx.companyId,
    conversationId,
    direction: input.author === "contact" ? "inbound" : "outbound",
    authorKind: input.author,
    authorName: input.authorName ?? null,
    body: input.body,
    source: input.source ?? channel,
    externalId: input.externalId ?? null,
    attachments: input.attachments ?? null,
    createdAt: ctx.now,
    channelMessageId: null,
    channelStatus: null,
    channelStatusAt: null,
    channelError: null,
  };
}

function messageEvent(ctx: DomainCtx, conversation: ConversationRow, message: MessageRow, order = 0) {
  return eventInsert(ctx.db, {
    order,
    companyId: ctx.companyId,
    type: message.authorKind === "contact" ? "message.received" : "message.sent",
    payload: { ...messageRepresentation(message), conversation: conversationRepresentation(conversation) },
    performedBy: ctx.performedBy,
    now: ctx.now,
  });
}

export async function createConversation(
  ctx: DomainCtx,
  input: {
    channel: Channel;
    contact: Contact & { marketingConsent?: boolean };
    subject?: string | null;
    message: NewMessageInput;
    metadata?: Record<string, string>;
  },
  { also = [] }: AlsoWrite = {},
) {
  const conversation: ConversationRow = {
    id: newId("conv", ctx.now),
    companyId: ctx.companyId,
    channel: input.channel,
    status: "open",
    contactEmail: input.contact.email ?? null,
    contactPhone: input.contact.phone ?? null,
    contactName: input.contact.name ?? null,
    contactMarketingConsent: input.contact.marketingConsent ?? false,
    subject: input.subject ?? null,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    closedAt: null,
    escalatedAt: null,
    metadata: input.metadata ?? {},
  };
  const message = messageRow(ctx, conversation.id, input.message, input.channel);
  const created = eventInsert(ctx.db, {
    companyId: ctx.companyId,
    type: "conversation.created",
    payload: conversationRepresentation(conversation),
    performedBy: ctx.performedBy,
    now: ctx.now,
  });
  const received = messageEvent(ctx, conversation, message, 1);
  await ctx.db.batch([
    ctx.db.insert(conversations).values(conversation),
    ctx.db.insert(messages).values(message),
    created.statement,
    received.statement,
    ...also,
  ]);
  return { conversation, message, events: [created, received].map(pending) };
}

function pending(e: { id: string; type: PendingEvent["type"] }): PendingEvent {
  return { id: e.id, type: e.type };
}

export async function getConversation({ db, companyId, id }: { db: Db; companyId: string; id: string }) {
  return db
    .select()
    .from(conversations)
    .where(and(eq(conversations.id, id), eq(conversations.companyId, companyId)))
    .get();
}

export async function listMessages({
  db,
  companyId,
  conversationId,
  limit = 100,
}: {
  db: Db;
  companyId: string;
  conversationId: string;
  limit?: number;
}) {
  return db
    .select()
    .from(messages)
    .where(and(eq(messages.companyId, companyId), eq(messages.conversationId, conversationId)))
    .orderBy(asc(messages.id))
    .limit(limit);
}

export async function listConversations({
  db,
  companyId,
  status,
  cursor,
  limit,
}: {
  db: Db;
  companyId: string;
  status?: ConversationStatus;
  cursor?: string;
  limit: number;
}) {
  const rows = await db
    .select()
    .from(conversations)
    .where(
      and(
        eq(conversations.companyId, companyId),
        status ? eq(conversations.status, status) : undefined,
        cursor ? lt(conversations.id, cursor) : undefined,
      ),
    )
    .orderBy(desc(conversations.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return { rows: page, nextCursor: rows.length > limit ? page[page.length - 1]!.id : null };
}

/**
 * Changes the status and/or the contact's marketing consent; no change, no events. Returns null for
 * an unknown or other company's id. The change is a claim: the UPDATE requires the state it was
 * read with, and the events are inserted only if it won, so two concurrent closes emit one
 * `conversation.closed`.
 */
export async function updateConversation(ctx: DomainCtx, input: { id: string; status?: "open" | "closed"; marketingConsent?: boolean }) {
  for (let tries = 0; tries < 3; tries++) {
    const current = await getConversation({ db: ctx.db, companyId: ctx.companyId, id: input.id });
    if (!current) return null;
    const status = input.status ?? current.status;
    const consent = input.marketingConsent ?? current.contactMarketingConsent;
    const statusChanged = status !== current.status;
    if (!statusChanged && consent === current.contactMarketingConsent) return { conversation: current, events: [] as PendingEvent[] };
    const updated: ConversationRow = {
      ...current,
      status,
      contactMarketingConsent: consent,
      updatedAt: ctx.now,
      closedAt: statusChanged ? (status === "closed" ? ctx.now : null) : current.closedAt,
    };
    const payload = conversationRepresentation(updated);
    const list = [
      eventInsertIfClaimed(ctx.db, {
        companyId: ctx.companyId,
        type: "conversation.updated",
        payload,
        performedBy: ctx.performedBy,
        now: ctx.now,
      }),
    ];
    if (statusChanged && status === "closed")
      list.push(
        eventInsertIfClaimed(ctx.db, {
          companyId: ctx.companyId,
          type: "conversation.closed",
          payload,
          performedBy: ctx.performedBy,
          now: ctx.now,
          order: 1,
        }),
      );
    const [claimed] = await batchStatements(ctx.db, [
      ctx.db
        .update(conversations)
        .set({ status: updated.status, contactMarketingConsent: consent, updatedAt: updated.updatedAt, closedAt: updated.closedAt })
        .where(
          and(
            eq(conversations.id, current.id),
            eq(conversations.companyId, ctx.companyId),
            eq(conversations.status, current.status),
            eq(conversations.contactMarketingConsent, current.contactMarketingConsent),
          ),
        ),
      ...list.map((e) => e.statement),
    ]);
    if (claimed!.meta.changes === 1) return { conversation: updated, events: list.map(pending) };
    // Another change won between our read and our write: decide again on what it left.
  }
  throw new ConversationConflictError("The conversation is changing too fast; try again.");
}

/** Opens or closes a conversation (see updateConversation). */
export function setConversationStatus(ctx: DomainCtx, input: { id: string; status: "open" | "closed" }) {
  return updateConversation(ctx, input);
}

/** Adds a message: message.received for a contact, message.sent for an agent or the AI. */
export async function addMessage(
  ctx: DomainCtx,
  input: { conversationId: string } & NewMessageInput,
  { also = [], guard }: AlsoWrite & { guard?: MessageGuard } = {},
) {
  const current = await getConversation({ db: ctx.db, companyId: ctx.companyId, id: input.conversationId });
  if (!current) return null;
  const refusal = guard ? await guard(current) : null;
  if (refusal) throw new MessageRefusedError(refusal);
  const conversation: ConversationRow = { ...current, updatedAt: ctx.now };
  const message = messageRow(ctx, current.id, input, current.channel);
  const event = messageEvent(ctx, conversation, message);
  await ctx.db.batch([
    ctx.db.insert(messages).values(message),
    ctx.db
      .update(conversations)
      .set({ updatedAt: ctx.now })
      .where(and(eq(conversations.id, current.id), eq(conversations.companyId, ctx.companyId))),
    event.statement,
    ...also,
  ]);
  return { conversation, message, events: [pending(event)] };
}

/**
 * Hands a conversation to a human: status escalated + escalation.triggered. Escalating again is a
 * no-op; a closed conversation cannot be escalated (ConversationConflictError).
 */
export async function escalateConversation(ctx: DomainCtx, input: { id: string; reason?: string | null }) {
  const current = await getConversation({ db: ctx.db, companyId: ctx.companyId, id: input.id });
  if (!current) return null;
  if (current.status === "closed") throw new ConversationConflictError("A closed conversation cannot be escalated; reopen it first.");
  if (current.status === "escalated") return { conversation: current, events: [] as PendingEvent[] };
  const updated: ConversationRow = { ...current, status: "escalated", escalatedAt: ctx.now, updatedAt: ctx.now };
  const event = eventInsertIfClaimed(ctx.db, {
    companyId: ctx.companyId,
    type: "escalation.triggered",
    payload: { ...conversationRepresentation(updated), reason: input.reason ?? null },
    performedBy: ctx.performedBy,
    now: ctx.now,
  });
  // Only an open conversation is escalated: a close or another escalation racing this one wins or loses whole.
  const [claimed] = await batchStatements(ctx.db, [
    ctx.db
      .update(conversations)
      .set({ status: "escalated", escalatedAt: ctx.now, updatedAt: ctx.now })
      .where(and(eq(conversations.id, current.id), eq(conversations.companyId, ctx.companyId), eq(conversations.status, "open"))),
    event.statement,
  ]);
  if (claimed!.meta.changes === 1) return { conversation: updated, events: [pending(event)] };
  const now = await getConversation({ db: ctx.db, companyId: ctx.companyId, id: input.id });
  if (!now) return null;
  if (now.status === "closed") throw new ConversationConflictError("A closed conversation cannot be escalated; reopen it first.");
  return { conversation: now, events: [] as PendingEvent[] };
}
