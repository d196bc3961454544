import { and, asc, desc, eq, lt, notInArray, or, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { batchStatements, type Db } from "../db/client";
import { compiledInsert, compiledQuery } from "../db/compiled";
import { insertWhere, isoSql, jsonBoolSql, rowFromDriver } from "../db/conditional";
import {
  type AttachmentMeta,
  type AuthorKind,
  type ConversationStatus,
  conversations,
  events,
  messages,
  type PerformedBy,
} from "../db/schema";
import { eventInsert, type PendingEvent } from "../events/emit.server";
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

// The INSERTs of a new conversation and of a message, built once per isolate (ADR 0171).
const insertConversation = compiledInsert(conversations);
const insertMessage = compiledInsert(messages);

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
    insertConversation(ctx.db, conversation),
    insertMessage(ctx.db, message),
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

// GET /v1/conversations, built once per isolate (ADR 0163): one statement for each shape of the
// filter (status given or not, cursor given or not), so each keeps its own index-backed plan.
const conversationPage = (byStatus: boolean, afterCursor: boolean) =>
  compiledQuery<{ companyId: string; status: string | null; cursor: string | null; limit: number }>()((db) =>
    db
      .select()
      .from(conversations)
      .where(
        and(
          eq(conversations.companyId, sql.placeholder("companyId")),
          byStatus ? eq(conversations.status, sql.placeholder("status")) : undefined,
          afterCursor ? lt(conversations.id, sql.placeholder("cursor")) : undefined,
        ),
      )
      .orderBy(desc(conversations.id))
      .limit(sql.placeholder("limit")),
  );
const conversationPages = [
  [conversationPage(false, false), conversationPage(false, true)],
  [conversationPage(true, false), conversationPage(true, true)],
] as const;

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
  const rows = await conversationPages[status ? 1 : 0]![cursor ? 1 : 0]!(db, {
    companyId,
    status: status ?? null,
    cursor: cursor ?? null,
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  return { rows: page, nextCursor: rows.length > limit ? page[page.length - 1]!.id : null };
}

/**
 * The conversation's API representation (conversationRepresentation) built by SQLite from the row,
 * for an `events` payload written in the same batch as the change: `over` replaces a field with
 * the value the change gives it. Same keys, same order, same values (tests/workers/one-round-trip-writes.test.ts).
 */
function conversationJsonSql(over: { status?: SQL; marketingConsent?: SQL; updatedAt?: SQL; closedAt?: SQL; escalatedAt?: SQL } = {}) {
  const t = conversations;
  return sql`json_object('id', ${t.id}, 'channel', ${t.channel}, 'status', ${over.status ?? sql`${t.status}`},
    'contact', json_object('email', ${t.contactEmail}, 'phone', ${t.contactPhone}, 'name', ${t.contactName},
      'marketing_consent', ${jsonBoolSql(over.marketingConsent ?? sql`${t.contactMarketingConsent}`)}),
    'subject', ${t.subject}, 'created_at', ${isoSql(t.createdAt)}, 'updated_at', ${over.updatedAt ?? isoSql(t.updatedAt)},
    'closed_at', ${over.closedAt ?? isoSql(t.closedAt)}, 'escalated_at', ${over.escalatedAt ?? isoSql(t.escalatedAt)},
    'metadata', json(coalesce(${t.metadata}, '{}')))`;
}

function ofConversation(ctx: DomainCtx, id: string) {
  return and(eq(conversations.id, id), eq(conversations.companyId, ctx.companyId))!;
}

function conditionalEvent(
  ctx: DomainCtx,
  input: { type: PendingEvent["type"]; payload: SQL; where: SQL; order?: number },
): { id: string; type: PendingEvent["type"]; statement: SQL } {
  const id = newId("evt", new Date(ctx.now.getTime() + (input.order ?? 0)));
  const statement = insertWhere(
    events,
    { id, companyId: ctx.companyId, type: input.type, payload: input.payload, performedBy: ctx.performedBy, createdAt: ctx.now },
    input.where,
    sql`${conversations}`,
  );
  return { id, type: input.type, statement };
}

const selectConversation = (ctx: DomainCtx, id: string) => ctx.db.select().from(conversations).where(ofConversation(ctx, id));

/**
 * Changes the status and/or the contact's marketing consent; no change, no events. Returns null for
 * an unknown or other company's id. ONE db.batch (one D1 transaction, ADR 0140): the row as it
 * was, the events inserted only if the change changes something (their payloads built by SQLite
 * from the row), and the conditional UPDATE … RETURNING; the answer is decided from those results,
 * so two concurrent closes emit one `conversation.closed`.
 */
export async function updateConversation(ctx: DomainCtx, input: { id: string; status?: "open" | "closed"; marketingConsent?: boolean }) {
  const t = conversations;
  const nowIso = sql`${ctx.now.toISOString()}`;
  const statusChanges = input.status === undefined ? undefined : sql`${t.status} != ${input.status}`;
  const consentChanges =
    input.marketingConsent === undefined ? undefined : sql`${t.contactMarketingConsent} != ${input.marketingConsent ? 1 : 0}`;
  const changes = or(statusChanges, consentChanges);
  const pre = selectConversation(ctx, input.id);
  if (!changes) {
    const current = await pre.get();
    return current ? { conversation: current, events: [] as PendingEvent[] } : null;
  }
  const closedAt = statusChanges
    ? sql`CASE WHEN ${statusChanges} THEN ${input.status === "closed" ? nowIso : sql`NULL`} ELSE ${isoSql(t.closedAt)} END`
    : undefined;
  const payload = conversationJsonSql({
    status: input.status === undefined ? undefined : sql`${input.status}`,
    marketingConsent: input.marketingConsent === undefined ? undefined : sql`${input.marketingConsent ? 1 : 0}`,
    updatedAt: nowIso,
    closedAt,
  });
  const where = and(ofConversation(ctx, input.id), changes)!;
  const updated = conditionalEvent(ctx, { type: "conversation.updated", payload, where });
  const closed =
    input.status === "closed"
      ? conditionalEvent(ctx, { type: "conversation.closed", payload, where: and(ofConversation(ctx, input.id), statusChanges)!, order: 1 })
      : null;
  const set: Partial<ConversationRow> = { updatedAt: ctx.now };
  if (input.marketingConsent !== undefined) set.contactMarketingConsent = input.marketingConsent;
  const results = await batchStatements(ctx.db, [
    pre,
    updated.statement,
    ...(closed ? [closed.statement] : []),
    ctx.db
      .update(t)
      .set({
        ...set,
        ...(input.status === undefined
          ? {}
          : {
              status: input.status,
              closedAt: sql`CASE WHEN ${statusChanges} THEN ${input.status === "closed" ? ctx.now.getTime() : null} ELSE ${t.closedAt} END`,
            }),
      })
      .where(where)
      .returning(),
  ]);
  const current = rowFromDriver(t, results[0]!.results[0]);
  if (!current) return null;
  const after = rowFromDriver(t, results[results.length - 1]!.results[0]);
  if (!after) return { conversation: current, events: [] as PendingEvent[] };
  const emitted = [updated, ...(closed && current.status !== "closed" ? [closed] : [])];
  return { conversation: after, events: emitted.map(pending) };
}

/** Opens or closes a conversation (see updateConversation). */
export function setConversationStatus(ctx: DomainCtx, input: { id: string; status: "open" | "closed" }) {
  return updateConversation(ctx, input);
}

/**
 * Adds a message: message.received for a contact, message.sent for an agent or the AI. ONE db.batch
 * (ADR 0140): the conversation as it was, the message, its conversation's updated_at and the event
 * (its payload built by SQLite with the conversation), each written only if the conversation is
 * this company's. A `guard` (a channel's reply rule) needs the conversation first: for the channels
 * it names the batch writes nothing, the guard is asked, and a second batch writes.
 */
export async function addMessage(
  ctx: DomainCtx,
  input: { conversationId: string } & NewMessageInput,
  { also = [], guard }: AlsoWrite & { guard?: MessageGuard & { channels?: readonly Channel[] } } = {},
) {
  if (also.length > 0) return addMessageAfterRead(ctx, input, { also, guard });
  const t = conversations;
  const message = messageRow(ctx, input.conversationId, input, "api");
  const guarded = guard ? (guard.channels ?? null) : [];
  // every channel guarded (a guard that names none): read first
  if (guarded === null) return addMessageAfterRead(ctx, input, { guard });
  const open = and(ofConversation(ctx, input.conversationId), guarded.length ? notInArray(t.channel, [...guarded]) : undefined)!;
  const written = sql`EXISTS (SELECT 1 FROM ${messages} WHERE ${messages.id} = ${message.id})`;
  const source = input.source === undefined ? sql`${t.channel}` : sql`${input.source}`;
  const messageJson = { ...messageRepresentation(message), source: "" };
  const nowIso = sql`${ctx.now.toISOString()}`;
  const event = conditionalEvent(ctx, {
    type: message.authorKind === "contact" ? "message.received" : "message.sent",
    payload: sql`json_set(${JSON.stringify(messageJson)}, '$.source', ${source}, '$.conversation', ${conversationJsonSql({ updatedAt: nowIso })})`,
    where: and(ofConversation(ctx, input.conversationId), written)!,
  });
  const results = await batchStatements(ctx.db, [
    selectConversation(ctx, input.conversationId),
    insertWhere(messages, { ...message, source }, open, sql`${t}`),
    ctx.db
      .update(t)
      .set({ updatedAt: ctx.now })
      .where(and(ofConversation(ctx, input.conversationId), written)),
    event.statement,
  ]);
  const current = rowFromDriver(t, results[0]!.results[0]);
  if (!current) return null;
  if (results[1]!.meta.changes !== 1) return addMessageAfterRead(ctx, input, { guard });
  return {
    conversation: { ...current, updatedAt: ctx.now },
    message: { ...message, source: input.source ?? current.channel },
    events: [pending(event)],
  };
}

/** addMessage reading the conversation first: a channel's reply rule, or statements a caller adds. */
async function addMessageAfterRead(
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
    insertMessage(ctx.db, message),
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
 * no-op; a closed conversation cannot be escalated (ConversationConflictError). ONE db.batch (ADR
 * 0140): the row as it was, the event and the UPDATE both only for an open conversation, so a close
 * or another escalation racing this one wins or loses whole.
 */
export async function escalateConversation(ctx: DomainCtx, input: { id: string; reason?: string | null }) {
  const t = conversations;
  const nowIso = sql`${ctx.now.toISOString()}`;
  const where = and(ofConversation(ctx, input.id), eq(t.status, "open"))!;
  const payload = conversationJsonSql({ status: sql`'escalated'`, updatedAt: nowIso, escalatedAt: nowIso });
  const event = conditionalEvent(ctx, {
    type: "escalation.triggered",
    payload: sql`json_set(${payload}, '$.reason', ${input.reason ?? null})`,
    where,
  });
  const [pre, , claimed] = await batchStatements(ctx.db, [
    selectConversation(ctx, input.id),
    event.statement,
    ctx.db.update(t).set({ status: "escalated", escalatedAt: ctx.now, updatedAt: ctx.now }).where(where).returning(),
  ]);
  const current = rowFromDriver(t, pre!.results[0]);
  if (!current) return null;
  const after = rowFromDriver(t, claimed!.results[0]);
  if (after) return { conversation: after, events: [pending(event)] };
  if (current.status === "closed") throw new ConversationConflictError("A closed conversation cannot be escalated; reopen it first.");
  return { conversation: current, events: [] as PendingEvent[] };
}
