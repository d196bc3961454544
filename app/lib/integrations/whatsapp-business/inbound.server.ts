/**
 * The queued half of the webhook: a customer's message becomes a message in the open WhatsApp
 * conversation for that phone (or a new one, named after the WhatsApp profile), with media kept as
 * attachment metadata; a status update (sent, delivered, read, failed) is recorded on our outbound
 * message with that wamid. Meta retries a webhook until it gets a 200 and may send the same message
 * twice: the inbound receipt (source, wamid) is written in the same batch as the message, so a
 * message is stored once whatever the interleaving.
 */
import { and, desc, eq, inArray, isNull, ne, or } from "drizzle-orm";
import { addMessage, createConversation, type DomainCtx } from "../../conversations/conversations.server";
import type { Db } from "../../db/client";
import { type ChannelStatus, conversations, inboundReceipts, messages } from "../../db/schema";
import type { Env } from "../../env";
import { enqueueEvents, type PendingEvent } from "../../events/emit.server";
import { performedBy } from "../../events/performed-by";
import type { InboundMessage, StatusUpdate } from "./payload";
import { JOB_SOURCE, type WhatsAppJob } from "./webhook.server";

export const RECEIPT_SOURCE = "whatsapp_message";
export const MESSAGE_SOURCE = "whatsapp";

type Deps = { db: Db; env: Env; now: () => Date };

/** Runs a held job (the adapter's inbound handler); a job already done (payload cleared) is nothing to do. */
export async function processWhatsAppJob(deps: Deps, jobId: string) {
  const held = await deps.db
    .select({ payload: inboundReceipts.payload })
    .from(inboundReceipts)
    .where(and(eq(inboundReceipts.source, JOB_SOURCE), eq(inboundReceipts.externalId, jobId)))
    .get();
  if (!held?.payload) return { messages: 0, duplicates: 0, statuses: 0 };
  const job = JSON.parse(held.payload) as WhatsAppJob;
  const totals = { messages: 0, duplicates: 0, statuses: 0 };
  for (const company of job.companies) {
    for (const item of company.items) {
      if (item.kind === "message") {
        // Dates went through JSON: revive them.
        const stored = await storeInboundMessage(deps, company.companyId, { ...item, sentAt: item.sentAt ? new Date(item.sentAt) : null });
        if (stored) totals.messages++;
        else totals.duplicates++;
      } else {
        totals.statuses += await applyStatus(deps, company.companyId, { ...item, at: item.at ? new Date(item.at) : null });
      }
    }
  }
  // Done: the customer's text is not kept twice (the receipt row stays, without its payload).
  await deps.db
    .update(inboundReceipts)
    .set({ payload: null })
    .where(and(eq(inboundReceipts.source, JOB_SOURCE), eq(inboundReceipts.externalId, jobId)))
    .run();
  return totals;
}

async function alreadyReceived(db: Db, wamid: string) {
  const row = await db
    .select({ id: inboundReceipts.externalId })
    .from(inboundReceipts)
    .where(and(eq(inboundReceipts.source, RECEIPT_SOURCE), eq(inboundReceipts.externalId, wamid)))
    .get();
  return Boolean(row);
}

/** The newest conversation with this phone on WhatsApp that is not closed. */
export async function findOpenWhatsAppConversation({ db, companyId, phone }: { db: Db; companyId: string; phone: string }) {
  return db
    .select()
    .from(conversations)
    .where(
      and(
        eq(conversations.companyId, companyId),
        eq(conversations.contactPhone, phone),
        ne(conversations.status, "closed"),
        eq(conversations.channel, "whatsapp"),
      ),
    )
    .orderBy(desc(conversations.id))
    .limit(1)
    .get();
}

/** True when stored, false for a duplicate (Meta's retry of a message we have). */
export async function storeInboundMessage(deps: Deps, companyId: string, item: InboundMessage): Promise<boolean> {
  const { db } = deps;
  if (await alreadyReceived(db, item.id)) return false;
  const now = deps.now();
  const contact = { phone: item.from, name: item.profileName };
  const ctx: DomainCtx = { db, companyId, performedBy: performedBy.contact(contact), now };
  const receipt = db.insert(inboundReceipts).values({ source: RECEIPT_SOURCE, externalId: item.id, companyId, receivedAt: now });
  const message = {
    body: item.body,
    author: "contact" as const,
    authorName: item.profileName ?? item.from,
    source: MESSAGE_SOURCE,
    externalId: item.id,
    attachments: item.attachments.length ? item.attachments : null,
  };
  let events: PendingEvent[];
  try {
    const open = await findOpenWhatsAppConversation({ db, companyId, phone: item.from });
    if (open) {
      const result = await addMessage(ctx, { conversationId: open.id, ...message }, { also: [receipt] });
      events = result?.events ?? [];
    } else {
      const result = await createConversation(ctx, { channel: "whatsapp", contact, subject: null, message }, { also: [receipt] });
      events = result.events;
    }
  } catch (error) {
    // The batch is atomic: a receipt or message that already exists means a concurrent copy won.
    if (await alreadyReceived(db, item.id)) return false;
    throw error;
  }
  await enqueueEvents(deps.env.EVENTS, events);
  return true;
}

const RANK: Record<ChannelStatus, number> = { accepted: 0, sent: 1, delivered: 2, read: 3, failed: 4 };

/**
 * Records a status on the outbound message with that wamid. Statuses can arrive out of order: a
 * status only replaces a lower one (accepted < sent < delivered < read), and failed wins.
 * Returns the number of messages updated (0 or 1).
 */
export async function applyStatus({ db }: Pick<Deps, "db">, companyId: string, update: StatusUpdate): Promise<number> {
  const lower = (Object.keys(RANK) as ChannelStatus[]).filter((s) => RANK[s] < RANK[update.status]);
  const rows = await db
    .update(messages)
    .set({ channelStatus: update.status, channelStatusAt: update.at ?? new Date(), channelError: update.error })
    .where(
      and(
        eq(messages.companyId, companyId),
        eq(messages.channelMessageId, update.id),
        lower.length ? or(isNull(messages.channelStatus), inArray(messages.channelStatus, lower)) : isNull(messages.channelStatus),
      ),
    )
    .returning({ id: messages.id });
  return rows.length;
}
