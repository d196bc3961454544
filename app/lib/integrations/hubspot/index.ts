/**
 * HubSpot: a new conversation finds or creates the customer's contact; a closed one (after the
 * grace window) logs its transcript as a note associated to that contact, updated on a re-close.
 */
import { type DeliveryContext, defineAdapter } from "../adapter";
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

export const hubspotAdapter = defineAdapter({
  id: "hubspot",
  provider: CATALOG.hubspot,
  features: [
    "Create or link a contact for each new customer (by email)",
    "Log the conversation transcript as a note on the contact when it closes",
  ],
  settings: CATALOG.hubspot.configSchema,
  subscriptions: crmSubscriptions(hubspotOps),
});
