/**
 * What the marketing adapters (Mailchimp, ActiveCampaign) share: a contact is sent only with its
 * marketing consent. The fan-out skips events whose conversation payload has no consent (and
 * contacts already added to the chosen list); the deliverer re-reads the conversation, so consent
 * withdrawn before the attempt means nothing is sent. Retries are safe: both providers' calls
 * are upserts keyed by the email.
 */
import { and, eq } from "drizzle-orm";
import { conversations } from "../../db/schema";
import type { DeliveryContext, DeliveryOutcome, EventSubscription, WantsContext } from "../adapter";
import { failureOutcome } from "../crm/sync.server";
import { externalRefs } from "../external-refs.server";

export const MEMBER_REF = "member";
/** Tags the admin typed (comma-separated): trimmed, deduplicated, at most 10 of at most 100 characters. */
export function parseTags(raw: unknown): string[] {
  if (typeof raw !== "string") return [];
  const seen = new Map<string, string>();
  for (const part of raw.split(",")) {
    const tag = part.trim().slice(0, 100);
    if (tag && !seen.has(tag.toLowerCase())) seen.set(tag.toLowerCase(), tag);
  }
  return [...seen.values()].slice(0, 10);
}

export const memberKey = (listId: string, email: string) => `${listId || "-"}:${email.trim().toLowerCase()}`;
export const listIdOf = (settings: Record<string, unknown>) => (typeof settings.list_id === "string" ? settings.list_id : "");

export type MarketingContact = { email: string; name: string | null; conversationId: string };
export type MarketingSync = (ctx: DeliveryContext, contact: MarketingContact) => Promise<DeliveryOutcome>;

type Payload = { id?: string; contact?: { email?: string; marketing_consent?: boolean } };

export const NO_CONSENT = "Not sent: the contact has not given marketing consent.";

/**
 * `conversation.created` (consent given with the first message) and `conversation.updated` (given
 * later through PATCH /v1/conversations/{id}). `listRequired`: nothing is sent before a list is chosen.
 */
export function marketingSubscriptions(
  provider: string,
  sync: MarketingSync,
  { listRequired }: { listRequired: boolean },
): Record<"conversation.created" | "conversation.updated", EventSubscription> {
  const wants = async ({ event, connection, db }: WantsContext) => {
    const p = event.payload as Payload;
    if (p.contact?.marketing_consent !== true || typeof p.contact.email !== "string") return false;
    const listId = listIdOf(connection.settings);
    if (listRequired && !listId) return false;
    const refs = externalRefs({ db, companyId: event.companyId, provider, now: () => new Date(), owner: "fan-out" });
    return !(await refs.lookup(MEMBER_REF, memberKey(listId, p.contact.email)))?.remoteId;
  };
  const deliver = async (ctx: DeliveryContext): Promise<DeliveryOutcome> => {
    const id = (ctx.event.payload as Payload).id ?? "";
    const row = await ctx.db
      .select({ email: conversations.contactEmail, name: conversations.contactName, consent: conversations.contactMarketingConsent })
      .from(conversations)
      .where(and(eq(conversations.companyId, ctx.event.companyId), eq(conversations.id, id)))
      .get();
    if (!row) return { ok: false, statusCode: null, gone: true, error: "The conversation no longer exists." };
    if (!row.consent) return { ok: false, statusCode: null, gone: true, error: NO_CONSENT };
    // A contact known by phone only (WhatsApp) has no address to subscribe.
    if (!row.email) return { ok: false, statusCode: null, gone: true, error: "Not sent: the contact has no email address." };
    try {
      return await sync(ctx, { email: row.email, name: row.name, conversationId: id });
    } catch (error) {
      return failureOutcome(error);
    }
  };
  return { "conversation.created": { wants, deliver }, "conversation.updated": { wants, deliver } };
}
