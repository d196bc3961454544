/**
 * Salesforce: a new conversation finds the customer as a Contact, else a Lead, by email, or
 * creates one of the saved `record_type`; a closed one (after the grace window) logs the
 * transcript as a completed Task on that person (WhoId), updated on a re-close. API calls go to
 * the org's `instance_url`, kept on the connection at connect time.
 */
import { type CustomerContextLookup, type DeliveryContext, defineAdapter, type VerifyInput, type VerifyResult } from "../adapter";
import { CATALOG } from "../catalog";
import { lastNameOrEmail, splitName } from "../crm/names";
import { type CrmOps, crmSubscriptions, verifiedIdentity } from "../crm/sync.server";
import { type PersonType, SALESFORCE_TASK_LIMIT, salesforceClient, salesforceRecordUrl, soqlString } from "./client.server";

const typeOf = (id: string): PersonType => (id.startsWith("00Q") ? "Lead" : "Contact");

export function salesforceOps(ctx: DeliveryContext): CrmOps {
  const instanceUrl = ctx.connection.context.instance_url ?? "";
  const client = salesforceClient({
    fetch: ctx.fetch,
    signal: ctx.signal,
    now: ctx.now,
    instanceUrl,
    token: ctx.connection.credential.accessToken ?? "",
  });
  const createAs: PersonType = ctx.connection.settings.record_type === "contact" ? "Contact" : "Lead";
  const urlOf = (id: string) => salesforceRecordUrl(instanceUrl, typeOf(id), id);
  return {
    recordName: (id) => (id ? typeOf(id).toLowerCase() : createAs.toLowerCase()),
    noteName: "task",
    urlOf,
    transcript: { limit: SALESFORCE_TASK_LIMIT, format: "text" },
    searchByEmail: async (email) => {
      const id = (await client.findByEmail("Contact", email)) ?? (await client.findByEmail("Lead", email));
      return id ? { id, url: urlOf(id) } : null;
    },
    create: async ({ email, name }) => {
      const id = await client.createPerson(createAs, {
        email,
        firstName: splitName(name).first,
        lastName: lastNameOrEmail(name, email),
        company: email.split("@")[1] ?? null,
      });
      return { id, url: urlOf(id) };
    },
    createNote: async ({ contactId, text, title, at }) => {
      const id = await client.createTask({ whoId: contactId, subject: title, description: text, date: at });
      return { id, url: salesforceRecordUrl(instanceUrl, "Task", id) };
    },
    updateNote: ({ noteId, text, title }) => client.updateTask(noteId, { subject: title, description: text }),
  };
}

/**
 * Keeps the org's API host from the token response, and names the account from Salesforce's
 * userinfo (the OAuth identity endpoint) as before.
 */
export async function verifySalesforce(input: VerifyInput): Promise<VerifyResult> {
  const instanceUrl = input.tokenResponse?.instance_url;
  if (typeof instanceUrl !== "string" || !/^https?:\/\/[^/\s]+/.test(instanceUrl))
    return { ok: false, fieldErrors: { "": ["Salesforce did not say which org to use (no instance_url). Please try again."] } };
  const who = await verifiedIdentity(input, CATALOG.salesforce.oauth);
  if (!who.ok) return who;
  return { ok: true, accountLabel: who.label, accountId: who.id, context: { instance_url: instanceUrl.replace(/\/+$/, "") } };
}

type Named = { Name?: string | null } | null;
type ContactRow = { Id: string; Name?: string | null; AccountId?: string | null; Account?: Named; Owner?: Named };
type LeadRow = { Id: string; Name?: string | null; Company?: string | null; Status?: string | null; Owner?: Named };
type OpportunityRow = { Name: string; StageName?: string | null; Amount?: number | null; CloseDate?: string | null };

/** The Contact (with its Account, owner and the account's open opportunities), else the Lead, by email (SOQL). */
const salesforceCustomerContext: CustomerContextLookup = async (ctx) => {
  const instanceUrl = ctx.connection.context.instance_url ?? "";
  const client = salesforceClient({ ...ctx, instanceUrl, token: ctx.connection.credential.accessToken ?? "" });
  const email = soqlString(ctx.email);
  const [contact] = await client.query<ContactRow>(
    `SELECT Id, Name, AccountId, Account.Name, Owner.Name FROM Contact WHERE Email = ${email} LIMIT 1`,
  );
  if (contact) {
    const deals = contact.AccountId
      ? await client.query<OpportunityRow>(
          `SELECT Name, StageName, Amount, CloseDate FROM Opportunity WHERE AccountId = ${soqlString(contact.AccountId)} AND IsClosed = false ORDER BY CloseDate LIMIT 5`,
        )
      : [];
    return {
      kind: "crm",
      crm: {
        name: contact.Name ?? null,
        company: contact.Account?.Name ?? null,
        owner: contact.Owner?.Name ?? null,
        lifecycle_stage: null,
        open_deals: deals.map((d) => ({
          name: d.Name,
          stage: d.StageName ?? null,
          amount: d.Amount === null || d.Amount === undefined ? null : String(d.Amount),
          close_date: d.CloseDate ?? null,
        })),
        url: salesforceRecordUrl(instanceUrl, "Contact", contact.Id),
      },
    };
  }
  const [lead] = await client.query<LeadRow>(`SELECT Id, Name, Company, Status, Owner.Name FROM Lead WHERE Email = ${email} LIMIT 1`);
  if (!lead) return null;
  return {
    kind: "crm",
    crm: {
      name: lead.Name ?? null,
      company: lead.Company ?? null,
      owner: lead.Owner?.Name ?? null,
      lifecycle_stage: lead.Status ? `Lead: ${lead.Status}` : "Lead",
      open_deals: [],
      url: salesforceRecordUrl(instanceUrl, "Lead", lead.Id),
    },
  };
};

export const salesforceAdapter = defineAdapter({
  id: "salesforce",
  provider: CATALOG.salesforce,
  features: [
    "Find or create a contact or lead for each new customer (by email)",
    "Log the conversation transcript as a completed task on the record when it closes",
    "Tell the AI agent the customer's account, owner and open opportunities (GET /v1/contacts/{email}/context)",
  ],
  customerContext: salesforceCustomerContext,
  settings: CATALOG.salesforce.configSchema,
  verifyCredential: verifySalesforce,
  subscriptions: crmSubscriptions(salesforceOps),
});
