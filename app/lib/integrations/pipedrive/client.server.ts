/**
 * The Pipedrive v1 calls the adapter makes on the company's API domain (`api_domain` from the
 * token response, else PIPEDRIVE_API_BASE): person search by exact email, person create, and the
 * transcript as a note on the person, updated by PUT. Pipedrive has no duplicate error for
 * people, so dedupe is search-then-create under our own claim.
 */
import { type ClientDeps, type ErrorReader, field, providerBase, requestJson } from "../provider-http.server";

export const PIPEDRIVE_API_DEFAULT = "https://api.pipedrive.com";
/** What we cut a note's content to (Pipedrive documents no exact limit; 100 000 is safe). */
export const PIPEDRIVE_NOTE_LIMIT = 100000;

const readError: ErrorReader = (status, body) => ({ message: field(body, "error") ?? `HTTP ${status}`, code: field(body, "errorCode") });

export function pipedriveBase(env: Record<string, unknown>, apiDomain: string | null | undefined): string {
  return apiDomain && /^https?:\/\//.test(apiDomain)
    ? apiDomain.replace(/\/+$/, "")
    : providerBase(env, "PIPEDRIVE_API_BASE", PIPEDRIVE_API_DEFAULT);
}

export function pipedriveClient(deps: ClientDeps & { base: string; token: string }) {
  const headers = { Authorization: `Bearer ${deps.token}` };
  const send = <T>(method: "GET" | "POST" | "PUT", path: string, body?: unknown) =>
    requestJson<{ data: T }>(deps, "Pipedrive", { method, url: `${deps.base}${path}`, headers, body }, readError);

  return {
    async findPersonByEmail(email: string): Promise<number | null> {
      const q = new URLSearchParams({ term: email, fields: "email", exact_match: "true", limit: "1" });
      const { data } = await send<{ items: { item: { id: number } }[] }>("GET", `/v1/persons/search?${q}`);
      return data.data?.items[0]?.item.id ?? null;
    },
    /** The person with its organization and owner (Pipedrive nests their names in org_id / owner_id). */
    async person(id: number): Promise<{ name: string | null; org: string | null; owner: string | null }> {
      const { data } = await send<{
        name?: string | null;
        org_id?: { name?: string | null } | null;
        owner_id?: { name?: string | null } | null;
      }>("GET", `/v1/persons/${encodeURIComponent(String(id))}`);
      const p = data.data;
      return { name: p?.name ?? null, org: p?.org_id?.name ?? null, owner: p?.owner_id?.name ?? null };
    },
    /** The person's open deals (data is null when there are none). */
    async openDeals(
      id: number,
    ): Promise<{ title: string; value: number | null; currency: string | null; expected_close_date: string | null }[]> {
      const q = new URLSearchParams({ status: "open", limit: "10" });
      const { data } = await send<
        { title: string; value?: number | null; currency?: string | null; expected_close_date?: string | null }[] | null
      >("GET", `/v1/persons/${encodeURIComponent(String(id))}/deals?${q}`);
      return (data.data ?? []).map((d) => ({
        title: d.title,
        value: d.value ?? null,
        currency: d.currency ?? null,
        expected_close_date: d.expected_close_date ?? null,
      }));
    },
    async personExists(id: string): Promise<boolean> {
      try {
        await send("GET", `/v1/persons/${encodeURIComponent(id)}`);
        return true;
      } catch (e) {
        if ((e as { status?: number }).status === 404) return false;
        throw e;
      }
    },
    async createPerson(input: { name: string; email: string }): Promise<number> {
      return (
        await send<{ id: number }>("POST", "/v1/persons", {
          name: input.name,
          email: [{ value: input.email, primary: true, label: "work" }],
        })
      ).data.data.id;
    },
    async createNote(input: { personId: string; content: string }): Promise<number> {
      return (await send<{ id: number }>("POST", "/v1/notes", { content: input.content, person_id: Number(input.personId) })).data.data.id;
    },
    async updateNote(id: string, content: string): Promise<void> {
      await send("PUT", `/v1/notes/${encodeURIComponent(id)}`, { content });
    },
  };
}

export const pipedrivePersonUrl = (base: string, id: string) => `${base}/person/${encodeURIComponent(id)}`;
