/**
 * HubSpot: a new conversation finds or creates the customer's contact; a closed one (after the
 * grace window) logs its transcript as a note associated to that contact, updated on a re-close.
 */
import { type CustomerContextLookup, type DeliveryContext, defineAdapter } from "../adapter";
import { CATALOG } from "../catalog";
import { splitName } from "../crm/names";
import { type CrmOps, crmSubscriptions } from "../crm/sync.server";
import { HUBSPOT_NOTE_LIMIT, hubspotClient, hubspotContactUrl } from "./client.server";

export function hubspotOps(ctx: DeliveryContext): CrmOps {
  const client = hubspotClient({
    fetch: ctx.fetch,
    signal: ctx.signal,
    now: ctx.now,
    env: ctx.env,
    token: ctx.connection.credential.accessToken ?? "",
  });
  const portalId = ctx.connection.row.accountId;
  const urlOf = (id: string) => hubspotContactUrl(ctx.env, portalId, id);
  return {
    recordName: () => "contact",
    noteName: "note",
    urlOf,
    transcript: { limit: HUBSPOT_NOTE_LIMIT, format: "html" },
    searchByEmail: async (email) => {
      const found = await client.findContactByEmail(email);
      return found ? { id: found.id, url: urlOf(found.id) } : null;
    },
    create: async ({ email, name }) => {
      const { first, last } = splitName(name);
      const made = await client.createContact({ email, firstname: first, lastname: last });
      return { id: made.id, url: urlOf(made.id) };
    },
    createNote: async ({ contactId, text, at }) => ({
      id: (await client.createNote({ contactId, body: text, timestamp: at })).id,
      url: urlOf(contactId),
    }),
    updateNote: ({ noteId, text }) => client.updateNote(noteId, text),
  };
}

/** The customer's contact: name, company, owner and lifecycle stage (contacts search, then the owner). */
const hubspotCustomerContext: CustomerContextLookup = async (ctx) => {
  const client = hubspotClient({ ...ctx, token: ctx.connection.credential.accessToken ?? "" });
  const found = await client.findContactByEmail(ctx.email, [
    "email",
    "firstname",
    "lastname",
    "company",
    "lifecyclestage",
    "hubspot_owner_id",
  ]);
  if (!found) return null;
  const p = found.properties;
  const ownerId = p.hubspot_owner_id;
  return {
    kind: "crm",
    crm: {
      name: [p.firstname, p.lastname].filter(Boolean).join(" ") || null,
      company: p.company || null,
      owner: ownerId ? await client.ownerName(ownerId) : null,
      lifecycle_stage: p.lifecyclestage || null,
      open_deals: [],
      url: hubspotContactUrl(ctx.env, ctx.connection.row.accountId, found.id),
    },
  };
};

export const hubspotAdapter = defineAdapter({
  id: "hubspot",
  provider: CATALOG.hubspot,
  features: [
    "Create or link a contact for each new customer (by email)",
    "Log the conversation transcript as a note on the contact when it closes",
    "Tell the AI agent the customer's company, owner and lifecycle stage (GET /v1/contacts/{email}/context)",
  ],
  customerContext: hubspotCustomerContext,
  settings: CATALOG.hubspot.configSchema,
  subscriptions: crmSubscriptions(hubspotOps),
});
