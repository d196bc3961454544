/**
 * What WhatsApp delivered to us, for the connection's activity list: each customer message the
 * webhook stored (a retried copy was dropped before it got here), with who wrote, the conversation
 * it joined and the start of the text.
 */
import { and, desc, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { conversations, messages } from "../../db/schema";
import type { InboundActivityItem } from "../adapter";
import { MESSAGE_SOURCE } from "./inbound.server";

const EXCERPT = 80;

export async function whatsAppInboundActivity({
  db,
  companyId,
  limit,
}: {
  db: Db;
  companyId: string;
  limit: number;
}): Promise<InboundActivityItem[]> {
  const rows = await db
    .select({
      id: messages.id,
      at: messages.createdAt,
      body: messages.body,
      attachments: messages.attachments,
      conversationId: messages.conversationId,
      phone: conversations.contactPhone,
      name: conversations.contactName,
    })
    .from(messages)
    .innerJoin(conversations, and(eq(conversations.id, messages.conversationId), eq(conversations.companyId, messages.companyId)))
    .where(and(eq(messages.companyId, companyId), eq(messages.source, MESSAGE_SOURCE), eq(messages.direction, "inbound")))
    .orderBy(desc(messages.id))
    .limit(limit)
    .all();
  return rows.map((r) => {
    const who = r.name && r.phone ? `${r.name} (${r.phone})` : (r.phone ?? r.name ?? "A customer");
    const text = r.body.length > EXCERPT ? `${r.body.slice(0, EXCERPT - 1)}…` : r.body;
    const files = r.attachments?.length ? ` (${r.attachments.length} attachment${r.attachments.length === 1 ? "" : "s"})` : "";
    return {
      id: r.id,
      at: r.at,
      event: "message.received",
      summary: `${who} wrote on WhatsApp in conversation ${r.conversationId}${files}: “${text}”`,
    };
  });
}
