import { and, desc, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { conversations, messages } from "../db/schema";

/** Email threading and dedupe: messages keep the email's Message-ID as external_id (source "email"). */
export const EMAIL_SOURCE = "email";

/** A stored email message, with the contact of its conversation (who may thread into it). */
export type StoredEmailMessage = { id: string; conversationId: string; contactEmail: string | null };

const withContact = { id: messages.id, conversationId: messages.conversationId, contactEmail: conversations.contactEmail };
const ofCompany = (companyId: string) => and(eq(conversations.id, messages.conversationId), eq(conversations.companyId, companyId));

/** The stored email message with this Message-ID, if any (a redelivery, a duplicate, or a reused id). */
export async function findEmailMessageById({
  db,
  companyId,
  messageId,
}: {
  db: Db;
  companyId: string;
  messageId: string;
}): Promise<StoredEmailMessage | undefined> {
  return db
    .select(withContact)
    .from(messages)
    .innerJoin(conversations, ofCompany(companyId))
    .where(and(eq(messages.companyId, companyId), eq(messages.source, EMAIL_SOURCE), eq(messages.externalId, messageId)))
    .get();
}

/**
 * The conversation an email replies to: the newest stored message whose Message-ID appears in
 * the reply's In-Reply-To or References, with that conversation's contact. Null when none does.
 * Whether the reply may join it is the caller's decision (receive.server.ts: only its contact or a
 * company user, authenticated).
 */
export async function findThread({
  db,
  companyId,
  referencedIds,
}: {
  db: Db;
  companyId: string;
  referencedIds: string[];
}): Promise<{ conversationId: string; contactEmail: string | null } | null> {
  const ids = [...new Set(referencedIds)].slice(-50);
  if (ids.length === 0) return null;
  const row = await db
    .select(withContact)
    .from(messages)
    .innerJoin(conversations, ofCompany(companyId))
    .where(and(eq(messages.companyId, companyId), eq(messages.source, EMAIL_SOURCE), inArray(messages.externalId, ids)))
    .orderBy(desc(messages.id))
    .limit(1)
    .get();
  return row ? { conversationId: row.conversationId, contactEmail: row.contactEmail } : null;
}
