/**
 * Email Forwarding's activity for its Configure screen: the last forwarded emails that became
 * messages, newest first: who sent it and whether it started a conversation or joined one.
 * (Refused emails are not stored; the screen shows the last refusal beside this list.)
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { conversations, messages } from "../../db/schema";
import type { ActivityItem } from "../activity.server";

export async function listEmailActivity({ db, companyId }: { db: Db; companyId: string }, limit = 20): Promise<ActivityItem[]> {
  const rows = await db
    .select({
      id: messages.id,
      at: messages.createdAt,
      conversationId: messages.conversationId,
      from: conversations.contactEmail,
      subject: conversations.subject,
      // the conversation's first message is the one that created it
      first: sql<number>`${messages.id} = (SELECT min(m2.id) FROM ${messages} m2 WHERE m2.conversation_id = ${messages.conversationId} AND m2.company_id = ${messages.companyId})`,
    })
    .from(messages)
    .innerJoin(conversations, and(eq(conversations.id, messages.conversationId), eq(conversations.companyId, messages.companyId)))
    .where(and(eq(messages.companyId, companyId), eq(messages.source, "email"), eq(messages.direction, "inbound")))
    .orderBy(desc(messages.id))
    .limit(limit)
    .all();
  return rows.map((r) => {
    const subject = r.subject ? ` “${r.subject}”` : "";
    return {
      id: r.id,
      direction: "inbound" as const,
      at: r.at.toISOString(),
      event: r.first ? "conversation.created" : "message.received",
      summary: r.first ? `Email from ${r.from} started conversation${subject}` : `Email from ${r.from} added to conversation${subject}`,
      status: "succeeded" as const,
      error: null,
      remoteUrl: null,
      attempts: 1,
    };
  });
}
