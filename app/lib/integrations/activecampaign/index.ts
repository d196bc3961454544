/**
 * ActiveCampaign: a conversation's contact who gave marketing consent is synced as a contact
 * (upsert by email), subscribed to the chosen list, and tagged. Tags are found by name or created
 * once per account (an external reference under a claim, so two deliveries make one tag). The API
 * URL the admin typed passes the URL guard at connect and before every call.
 */

import { checkAccountUrl, guardAccountUrl } from "../account-url.server";
import type { DeliveryContext, DeliveryOutcome, ProviderReadContext, VerifyInput, VerifyResult } from "../adapter";
import { defineAdapter } from "../adapter";
import { CATALOG } from "../catalog";
import { splitName } from "../crm/names";
import { listIdOf, type MarketingSync, MEMBER_REF, marketingSubscriptions, memberKey, parseTags } from "../marketing/consent.server";
import { ProviderApiError } from "../provider-http.server";
import { activeCampaignClient } from "./client.server";

const TAG_REF = "tag";

async function clientOf(ctx: Pick<DeliveryContext, "connection" | "env" | "fetch" | "now" | "signal">) {
  const fields = ctx.connection.credential.fields ?? {};
  const base = await guardAccountUrl(ctx.connection.context.base_url ?? fields.account_url ?? "", ctx.env, ctx.fetch);
  return {
    base,
    client: activeCampaignClient({ fetch: ctx.fetch, signal: ctx.signal, now: ctx.now, base, apiKey: fields.api_key ?? "" }),
  };
}

/** The contact's page in the ActiveCampaign app (`acme.api-us1.com` → `acme.activehosted.com`). */
export function contactUrl(base: string, contactId: string): string | null {
  const account = /^https:\/\/([a-z0-9-]+)\.api-us\d+\.com$/i.exec(base)?.[1];
  return account ? `https://${account.toLowerCase()}.activehosted.com/app/contacts/${encodeURIComponent(contactId)}` : null;
}

type Client = ReturnType<typeof activeCampaignClient>;

/** The tag's id: stored → found by name → created under a claim (null: another delivery is creating it). */
async function ensureTag(ctx: DeliveryContext, client: Client, name: string): Promise<string | null> {
  const key = name.toLowerCase();
  const stored = await ctx.refs.lookup(TAG_REF, key);
  if (stored?.remoteId) return stored.remoteId;
  const found = await client.findTag(name);
  if (found) {
    await ctx.refs.linkExisting(TAG_REF, key, { remoteId: found });
    return found;
  }
  const claim = await ctx.refs.claim(TAG_REF, key);
  if (!claim.claimed) return claim.ref.remoteId;
  try {
    const made = await client.createTag(name);
    await ctx.refs.complete(TAG_REF, key, { remoteId: made });
    return made;
  } catch (error) {
    await ctx.refs.release(TAG_REF, key);
    throw error;
  }
}

const sync: MarketingSync = async (ctx, contact): Promise<DeliveryOutcome> => {
  const { base, client } = await clientOf(ctx);
  const { first, last } = splitName(contact.name);
  const contactId = await client.syncContact({ email: contact.email, firstName: first, lastName: last });
  const listId = listIdOf(ctx.connection.settings);
  if (listId) await client.subscribe(contactId, listId);
  const tags = parseTags(ctx.connection.settings.tags);
  for (const tag of tags) {
    const tagId = await ensureTag(ctx, client, tag);
    if (!tagId)
      return {
        ok: false,
        statusCode: null,
        retryAfterSeconds: 5,
        error: `Another delivery is creating the tag ${tag}; trying again shortly.`,
      };
    await client.tagContact(contactId, tagId);
  }
  const url = contactUrl(base, contactId);
  await ctx.refs.linkExisting(MEMBER_REF, memberKey(listId, contact.email), { remoteId: contactId, remoteUrl: url });
  const did = [listId ? `subscribed to list ${listId}` : null, tags.length ? `tagged ${tags.join(", ")}` : null].filter(Boolean);
  return {
    ok: true,
    statusCode: 200,
    summary: `Synced contact ${contact.email}${did.length ? `, ${did.join(", ")}` : ""}`,
    remote: { url, label: contact.email },
  };
};

const fieldError = (field: string, message: string): VerifyResult => ({ ok: false, fieldErrors: { [field]: [message] } });

/** The URL guard, then users/me with the key. */
export async function verifyActiveCampaign(input: VerifyInput): Promise<VerifyResult> {
  const url = checkAccountUrl(input.fields?.account_url ?? "", input.env);
  if (!url.ok) return fieldError("account_url", url.reason);
  const client = activeCampaignClient({
    fetch: input.fetch,
    signal: input.signal,
    now: () => input.now,
    base: url.base,
    apiKey: input.fields?.api_key ?? "",
  });
  try {
    const me = await client.me();
    return { ok: true, accountLabel: new URL(url.base).host, accountId: me.id || null, context: { base_url: url.base } };
  } catch (error) {
    if (error instanceof ProviderApiError && (error.status === 401 || error.status === 403))
      return fieldError("api_key", "ActiveCampaign did not accept this API key.");
    if (error instanceof ProviderApiError && error.status === 404)
      return fieldError("account_url", "There is no ActiveCampaign API at this URL. Copy it from Settings → Developer.");
    return fieldError("account_url", "We could not reach ActiveCampaign at this URL. Check it and try again.");
  }
}

export const activeCampaignAdapter = defineAdapter({
  id: "activecampaign",
  provider: CATALOG.activecampaign,
  features: CATALOG.activecampaign.features,
  settings: CATALOG.activecampaign.configSchema,
  verifyCredential: verifyActiveCampaign,
  settingsChoices: async (ctx: ProviderReadContext) => {
    const { client } = await clientOf(ctx);
    return { list_id: (await client.lists()).map((l) => ({ value: l.id, label: l.name })) };
  },
  card: {
    info: ({ connection, settings }) => {
      const list = listIdOf(settings);
      return {
        info: `Account: ${connection.accountLabel ?? "unknown"}${list ? ` · list ${list}` : " · no list chosen (contacts are synced and tagged)"}`,
      };
    },
  },
  subscriptions: marketingSubscriptions("activecampaign", sync, { listRequired: false }),
});
