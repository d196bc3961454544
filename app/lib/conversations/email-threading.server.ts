import { and, desc, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { messages } from "../db/schema";

/** Email threading and dedupe: messages keep the email's Message-ID as external_id (source "email"). */
export const EMAIL_SOURCE = "email";

/** The stored email message with this Message-ID, if any (a redelivery or a duplicate). */
export async function findEmailMessageById({ db, companyId, messageId }: { db: Db; companyId: string; messageId: string }) {
  return db
    .select({ id: messages.id, conversationId: messages.conversationId })
    .from(messages)
    .where(and(eq(messages.companyId, companyId), eq(messages.source, EMAIL_SOURCE), eq(messages.externalId, messageId)))
    .get();
}

/**
 * The conversation an email replies to: the newest stored message whose Message-ID appears in
 * the reply's In-Reply-To or References. Null when none does (a new conversation).
 */
export async function findThreadConversationId({
  db,
  companyId,
  referencedIds,
}: {
  db: Db;
  companyId: string;
  referencedIds: string[];
}): Promise<string | null> {
  const ids = [...new Set(referencedIds)].slice(-50);
  if (ids.length === 0) return null;
  const row = await db
    .select({ conversationId: messages.conversationId })
    .from(messages)
    .where(and(eq(messages.companyId, companyId), eq(messages.source, EMAIL_SOURCE), inArray(messages.externalId, ids)))
    .orderBy(desc(messages.id))
    .limit(1)
    .get();
  return row?.conversationId ?? null;
}
