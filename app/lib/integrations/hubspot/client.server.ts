/**
 * The HubSpot CRM v3 calls the adapter makes: contact search by email, contact create (409
 * "Contact already exists. Existing ID: N" → a duplicate carrying N), note create with its
 * association to the contact (note → contact is HubSpot-defined type 202), note update. Bodies
 * follow the CRM OpenAPI documents (SimplePublicObjectInputForCreate, PublicObjectSearchRequest).
 */
import { type ClientDeps, type ErrorReader, field, providerBase, requestJson } from "../provider-http.server";

export const HUBSPOT_API_DEFAULT = "https://api.hubapi.com";
export const HUBSPOT_APP_DEFAULT = "https://app.hubspot.com";
/** hs_note_body's documented maximum. */
export const HUBSPOT_NOTE_LIMIT = 65536;
const NOTE_TO_CONTACT = 202;

const readError: ErrorReader = (status, body) => {
  const message = field(body, "message") ?? `HTTP ${status}`;
  const category = field(body, "category") ?? field(body, "errorType");
  const existing = status === 409 ? (/Existing ID:\s*(\d+)/.exec(message)?.[1] ?? null) : null;
  return { message, code: category, duplicateId: existing };
};

type HubspotObject = { id: string; properties: Record<string, string | null> };

export function hubspotClient(deps: ClientDeps & { env: Record<string, unknown>; token: string }) {
  const base = providerBase(deps.env, "HUBSPOT_API_BASE", HUBSPOT_API_DEFAULT);
  const headers = { Authorization: `Bearer ${deps.token}` };
  const send = <T>(method: "GET" | "POST" | "PATCH", path: string, body?: unknown) =>
    requestJson<T>(deps, "HubSpot", { method, url: `${base}${path}`, headers, body }, readError);

  return {
    async findContactByEmail(email: string, properties: string[] = ["email", "firstname", "lastname"]): Promise<HubspotObject | null> {
      const { data } = await send<{ results: HubspotObject[] }>("POST", "/crm/v3/objects/contacts/search", {
        after: "0",
        filterGroups: [{ filters: [{ propertyName: "email", operator: "EQ", value: email }] }],
        limit: 1,
        properties,
        sorts: [],
      });
      return data.results[0] ?? null;
    },
    /** CRM Owners v3: the owner's name (null when the owner is gone). */
    async ownerName(id: string): Promise<string | null> {
      try {
        const { data } = await send<{ firstName?: string | null; lastName?: string | null; email?: string | null }>(
          "GET",
          `/crm/v3/owners/${encodeURIComponent(id)}?idProperty=id`,
        );
        return [data.firstName, data.lastName].filter(Boolean).join(" ") || data.email || null;
      } catch (e) {
        if ((e as { status?: number }).status === 404) return null;
        throw e;
      }
    },
    async contactExists(id: string): Promise<boolean> {
      try {
        await send("GET", `/crm/v3/objects/contacts/${encodeURIComponent(id)}`);
        return true;
      } catch (e) {
        if ((e as { status?: number }).status === 404) return false;
        throw e;
      }
    },
    async createContact(input: { email: string; firstname?: string | null; lastname?: string | null }): Promise<HubspotObject> {
      const properties: Record<string, string> = { email: input.email };
      if (input.firstname) properties.firstname = input.firstname;
      if (input.lastname) properties.lastname = input.lastname;
      return (await send<HubspotObject>("POST", "/crm/v3/objects/contacts", { properties, associations: [] })).data;
    },
    async createNote(input: { contactId: string; body: string; timestamp: Date }): Promise<HubspotObject> {
      const associations = [
        { to: { id: input.contactId }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: NOTE_TO_CONTACT }] },
      ];
      return (
        await send<HubspotObject>("POST", "/crm/v3/objects/notes", {
          properties: { hs_timestamp: input.timestamp.toISOString(), hs_note_body: input.body },
          associations,
        })
      ).data;
    },
    async updateNote(id: string, body: string): Promise<void> {
      await send("PATCH", `/crm/v3/objects/notes/${encodeURIComponent(id)}`, { properties: { hs_note_body: body } });
    },
  };
}

/** The contact's page in HubSpot (the portal id is the connection's account id). */
export function hubspotContactUrl(env: Record<string, unknown>, portalId: string | null, contactId: string): string | null {
  if (!portalId) return null;
  return `${providerBase(env, "HUBSPOT_BASE", HUBSPOT_APP_DEFAULT)}/contacts/${encodeURIComponent(portalId)}/record/0-1/${encodeURIComponent(contactId)}`;
}
