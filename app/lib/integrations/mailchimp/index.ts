/**
 * Mailchimp: a conversation's contact who gave marketing consent is added to the chosen audience
 * as "pending" (Mailchimp sends its double opt-in email; an existing member keeps its status) and
 * tagged with the tags from the settings. Connecting reads the OAuth metadata for the account's
 * data center, kept in the connection context (`dc`, `api_endpoint`).
 */
import { type DeliveryContext, defineAdapter, type ProviderReadContext, type VerifyInput, type VerifyResult } from "../adapter";
import { CATALOG } from "../catalog";
import { splitName } from "../crm/names";
import { listIdOf, type MarketingSync, MEMBER_REF, marketingSubscriptions, memberKey, parseTags } from "../marketing/consent.server";
import { ProviderApiError } from "../provider-http.server";
import { mailchimpClient, mailchimpMetadata } from "./client.server";

const DC = /^[a-z]{2,10}\d{1,4}$/;

function clientOf(ctx: Pick<DeliveryContext, "connection" | "env" | "fetch" | "now" | "signal">) {
  return mailchimpClient({
    fetch: ctx.fetch,
    signal: ctx.signal,
    now: ctx.now,
    env: ctx.env,
    token: ctx.connection.credential.accessToken ?? "",
    dc: ctx.connection.context.dc ?? "",
  });
}

const sync: MarketingSync = async (ctx, contact) => {
  const listId = listIdOf(ctx.connection.settings);
  if (!listId) return { ok: false, statusCode: null, gone: true, error: "Not sent: no audience is chosen in the settings." };
  const client = clientOf(ctx);
  const { first, last } = splitName(contact.name);
  const { hash, member } = await client.upsertMember(listId, { email: contact.email, firstName: first, lastName: last });
  const tags = parseTags(ctx.connection.settings.tags);
  if (tags.length) await client.addTags(listId, hash, tags);
  const dc = ctx.connection.context.dc ?? "";
  const url = member.web_id && DC.test(dc) ? `https://${dc}.admin.mailchimp.com/lists/members/view?id=${member.web_id}` : null;
  await ctx.refs.linkExisting(MEMBER_REF, memberKey(listId, contact.email), { remoteId: hash, remoteUrl: url });
  return {
    ok: true,
    statusCode: 200,
    summary: `Added ${contact.email} to the audience (status ${member.status})${tags.length ? `, tagged ${tags.join(", ")}` : ""}`,
    remote: { url, label: contact.email },
  };
};

export async function verifyMailchimp(input: VerifyInput): Promise<VerifyResult> {
  try {
    const meta = await mailchimpMetadata({
      fetch: input.fetch,
      signal: input.signal,
      now: () => input.now,
      env: input.env,
      token: input.token ?? "",
    });
    if (!DC.test(meta.dc))
      return { ok: false, fieldErrors: { "": ["Mailchimp did not say which data center the account is in. Please try again."] } };
    return {
      ok: true,
      accountLabel: meta.accountName,
      accountId: meta.userId,
      context: { dc: meta.dc, ...(meta.apiEndpoint ? { api_endpoint: meta.apiEndpoint } : {}) },
    };
  } catch (error) {
    if (error instanceof ProviderApiError && error.status === 401)
      return { ok: false, fieldErrors: { "": ["Mailchimp did not accept the authorization. Please try again."] } };
    if (error instanceof ProviderApiError)
      return { ok: false, fieldErrors: { "": [`Mailchimp's account details could not be read (${error.message}). Please try again.`] } };
    throw error;
  }
}

export const mailchimpAdapter = defineAdapter({
  id: "mailchimp",
  provider: CATALOG.mailchimp,
  features: CATALOG.mailchimp.features,
  settings: CATALOG.mailchimp.configSchema,
  verifyCredential: verifyMailchimp,
  settingsChoices: async (ctx: ProviderReadContext) => ({
    list_id: (await clientOf(ctx).lists()).map((l) => ({ value: l.id, label: l.name })),
  }),
  card: {
    info: ({ connection, settings }) => {
      const list = listIdOf(settings);
      return {
        info: list
          ? `Account: ${connection.accountLabel ?? "unknown"} · audience ${list}`
          : `Account: ${connection.accountLabel ?? "unknown"} · choose an audience in Configure (nothing is sent until then)`,
      };
    },
  },
  subscriptions: marketingSubscriptions("mailchimp", sync, { listRequired: true }),
});
