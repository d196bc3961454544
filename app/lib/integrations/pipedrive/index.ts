/**
 * Pipedrive: a new conversation finds or creates the customer as a person (by email); a closed one
 * (after the grace window) logs the transcript as a note on that person, updated on a re-close.
 * Calls go to the company's `api_domain` from the token response when there is one.
 */
import { type CustomerContextLookup, type DeliveryContext, defineAdapter, type VerifyInput, type VerifyResult } from "../adapter";
import { CATALOG } from "../catalog";
import { type CrmOps, crmSubscriptions, verifiedIdentity } from "../crm/sync.server";
import { PIPEDRIVE_NOTE_LIMIT, pipedriveBase, pipedriveClient, pipedrivePersonUrl } from "./client.server";

export function pipedriveOps(ctx: DeliveryContext): CrmOps {
  const base = pipedriveBase(ctx.env, ctx.connection.context.api_domain);
  const client = pipedriveClient({
    fetch: ctx.fetch,
    signal: ctx.signal,
    now: ctx.now,
    base,
    token: ctx.connection.credential.accessToken ?? "",
  });
  const urlOf = (id: string) => pipedrivePersonUrl(base, id);
  return {
    recordName: () => "person",
    noteName: "note",
    urlOf,
    transcript: { limit: PIPEDRIVE_NOTE_LIMIT, format: "html" },
    searchByEmail: async (email) => {
      const id = await client.findPersonByEmail(email);
      return id === null ? null : { id: String(id), url: urlOf(String(id)) };
    },
    create: async ({ email, name }) => {
      const id = String(await client.createPerson({ name: name?.trim() || email, email }));
      return { id, url: urlOf(id) };
    },
    createNote: async ({ contactId, text }) => ({
      id: String(await client.createNote({ personId: contactId, content: text })),
      url: urlOf(contactId),
    }),
    updateNote: ({ noteId, text }) => client.updateNote(noteId, text),
  };
}

/** Names the account from users/me, and keeps the company's API domain from the token response (Pipedrive asks OAuth apps to call it). */
export async function verifyPipedrive(input: VerifyInput): Promise<VerifyResult> {
  const who = await verifiedIdentity(input, CATALOG.pipedrive.oauth);
  if (!who.ok) return who;
  const domain = input.tokenResponse?.api_domain;
  const context: Record<string, string> =
    typeof domain === "string" && /^https?:\/\/[^/\s]+/.test(domain) ? { api_domain: domain.replace(/\/+$/, "") } : {};
  return { ok: true, accountLabel: who.label, accountId: who.id, context };
}

/** The person (exact email search), their organization and owner, and their open deals. */
const pipedriveCustomerContext: CustomerContextLookup = async (ctx) => {
  const base = pipedriveBase(ctx.env, ctx.connection.context.api_domain);
  const client = pipedriveClient({ ...ctx, base, token: ctx.connection.credential.accessToken ?? "" });
  const id = await client.findPersonByEmail(ctx.email);
  if (id === null) return null;
  const [person, deals] = await Promise.all([client.person(id), client.openDeals(id)]);
  return {
    kind: "crm",
    crm: {
      name: person.name,
      company: person.org,
      owner: person.owner,
      lifecycle_stage: null,
      open_deals: deals.map((d) => ({
        name: d.title,
        stage: null,
        amount: d.value === null ? null : `${d.value}${d.currency ? ` ${d.currency}` : ""}`,
        close_date: d.expected_close_date,
      })),
      url: pipedrivePersonUrl(base, String(id)),
    },
  };
};

export const pipedriveAdapter = defineAdapter({
  id: "pipedrive",
  provider: CATALOG.pipedrive,
  features: [
    "Find or create a person for each new customer (by email)",
    "Log the conversation transcript as a note on the person when it closes",
    "Tell the AI agent the customer's organization, owner and open deals (GET /v1/contacts/{email}/context)",
  ],
  customerContext: pipedriveCustomerContext,
  settings: CATALOG.pipedrive.configSchema,
  verifyCredential: verifyPipedrive,
  subscriptions: crmSubscriptions(pipedriveOps),
});
