/**
 * What Teams and Discord post for an event, independent of the card format: the alert (who, what,
 * the link), read from the event and the conversation's first message. Each adapter renders it in
 * its own format (Adaptive Card, embed) and posts it once per event (see `sendOnce`).
 */
import { listMessages } from "../../conversations/conversations.server";
import type { Db } from "../../db/client";
import { appBaseUrl, type Env } from "../../env";
import type { EventRow, WantsContext } from "../adapter";
import { type NotifySettings, readNotifySettings } from "./settings";

export type Alert = {
  kind: "new" | "escalated";
  conversationId: string;
  contact: { email: string; name: string | null };
  subject: string | null;
  /** The customer's first message (new conversations only). */
  firstMessage: string | null;
  /** Why it was escalated (escalations only). */
  reason: string | null;
  /** The conversation in the app. */
  url: string;
};

type ConversationPayload = {
  id?: string;
  contact?: { email?: string; name?: string | null };
  subject?: string | null;
  reason?: string | null;
};

export const NOTIFY_EVENTS = ["conversation.created", "escalation.triggered"] as const;

export function wantsEvent(type: string, settings: NotifySettings): boolean {
  if (type === "conversation.created") return settings.notify_new_conversations;
  if (type === "escalation.triggered") return settings.notify_escalations;
  return false;
}

/** Fan-out filter: only the events the admin's toggles ask for become deliveries. */
export function notifyWants({ event, connection }: WantsContext): boolean {
  return wantsEvent(event.type, readNotifySettings(connection.row.config));
}

export function conversationUrl(env: Env, conversationId: string): string {
  return `${appBaseUrl(env)}/conversations/${encodeURIComponent(conversationId)}`;
}

export async function alertFor({ db, env, event }: { db: Db; env: Env; event: EventRow }): Promise<Alert | null> {
  const p = event.payload as ConversationPayload;
  if (!p.id || !p.contact?.email) return null;
  const kind = event.type === "conversation.created" ? "new" : event.type === "escalation.triggered" ? "escalated" : null;
  if (!kind) return null;
  const [first] = kind === "new" ? await listMessages({ db, companyId: event.companyId, conversationId: p.id, limit: 1 }) : [];
  return {
    kind,
    conversationId: p.id,
    contact: { email: p.contact.email, name: p.contact.name ?? null },
    subject: p.subject ?? null,
    firstMessage: first?.body ?? null,
    reason: kind === "escalated" ? (p.reason ?? null) : null,
    url: conversationUrl(env, p.id),
  };
}

export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export const contactLabel = (c: Alert["contact"]) => (c.name ? `${c.name} <${c.email}>` : c.email);
