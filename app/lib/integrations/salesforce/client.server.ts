/**
 * The Salesforce REST calls the adapter makes on the org's `instance_url` (from the token
 * response, kept on the connection): a SOQL lookup by email, Contact/Lead create (the active
 * duplicate rules' DUPLICATES_DETECTED → a duplicate carrying the matched record's Id), and the
 * transcript as a Task on the person (WhoId), updated by PATCH.
 */
import { type ClientDeps, type ErrorReader, field, ProviderApiError, requestJson } from "../provider-http.server";

export const SALESFORCE_API_VERSION = "v60.0";
/** Task.Description's documented maximum. */
export const SALESFORCE_TASK_LIMIT = 32000;
export type PersonType = "Contact" | "Lead";

const readError: ErrorReader = (status, body) => {
  const first = Array.isArray(body) ? body[0] : body;
  const code = field(first, "errorCode");
  const duplicateId =
    code === "DUPLICATES_DETECTED" ? field(first, "duplicateResult", "matchResults", 0, "matchRecords", 0, "record", "Id") : null;
  return { message: field(first, "message") ?? `HTTP ${status}`, code, duplicateId };
};

/** SOQL string literal: backslash and quote escaped (the only characters that can end it). */
export const soqlString = (value: string) => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

export function salesforceClient(deps: ClientDeps & { instanceUrl: string; token: string }) {
  if (!/^https?:\/\//.test(deps.instanceUrl))
    throw new ProviderApiError("The Salesforce connection has no instance URL. Reconnect Salesforce.", {
      status: 401,
      code: "no_instance_url",
    });
  const base = `${deps.instanceUrl.replace(/\/+$/, "")}/services/data/${SALESFORCE_API_VERSION}`;
  const headers = { Authorization: `Bearer ${deps.token}` };
  const send = <T>(method: "GET" | "POST" | "PATCH", path: string, body?: unknown) =>
    requestJson<T>(deps, "Salesforce", { method, url: `${base}${path}`, headers, body }, readError);

  return {
    async findByEmail(type: PersonType, email: string): Promise<string | null> {
      const q = `SELECT Id FROM ${type} WHERE Email = ${soqlString(email)} LIMIT 1`;
      const { data } = await send<{ records: { Id: string }[] }>("GET", `/query?q=${encodeURIComponent(q)}`);
      return data.records[0]?.Id ?? null;
    },
    /** A SOQL query's records (one page; the queries here ask for a few rows). */
    async query<T>(soql: string): Promise<T[]> {
      return (await send<{ records: T[] }>("GET", `/query?q=${encodeURIComponent(soql)}`)).data.records;
    },
    async exists(type: PersonType | "Task", id: string): Promise<boolean> {
      try {
        await send("GET", `/sobjects/${type}/${encodeURIComponent(id)}`);
        return true;
      } catch (e) {
        if ((e as { status?: number }).status === 404) return false;
        throw e;
      }
    },
    async createPerson(
      type: PersonType,
      input: { email: string; firstName?: string | null; lastName: string; company?: string | null },
    ): Promise<string> {
      const body: Record<string, string> = { LastName: input.lastName.slice(0, 80), Email: input.email, LeadSource: "Chat" };
      if (input.firstName) body.FirstName = input.firstName.slice(0, 40);
      if (type === "Lead") body.Company = (input.company || "Unknown").slice(0, 255);
      return (await send<{ id: string }>("POST", `/sobjects/${type}`, body)).data.id;
    },
    async createTask(input: { whoId: string; subject: string; description: string; date: Date }): Promise<string> {
      const body = {
        WhoId: input.whoId,
        Subject: input.subject.slice(0, 255),
        Description: input.description,
        Status: "Completed",
        Priority: "Normal",
        ActivityDate: input.date.toISOString().slice(0, 10),
      };
      return (await send<{ id: string }>("POST", "/sobjects/Task", body)).data.id;
    },
    async updateTask(id: string, input: { subject: string; description: string }): Promise<void> {
      await send("PATCH", `/sobjects/Task/${encodeURIComponent(id)}`, {
        Subject: input.subject.slice(0, 255),
        Description: input.description,
      });
    },
  };
}

export function salesforceRecordUrl(instanceUrl: string, type: string, id: string): string {
  return `${instanceUrl.replace(/\/+$/, "")}/lightning/r/${type}/${encodeURIComponent(id)}/view`;
}
