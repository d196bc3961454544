/**
 * The Freshdesk v2 calls the adapter makes on the helpdesk's domain (FRESHDESK_BASE is a template
 * the sandbox points at itself): agents/me to check an API key, ticket create + private note, and
 * the tickets updated since a time (Freshdesk's webhooks are unsigned, so status comes back by
 * polling). Freshdesk tickets have no external id field: ours rides as a tag.
 */
import { encodeBase64 } from "@oslojs/encoding";
import { type ClientDeps, type ErrorReader, field, providerBase, requestJson } from "../provider-http.server";

export const FRESHDESK_DEFAULT = "https://{domain}";
export const FRESHDESK_STATUS = { open: 2, pending: 3, resolved: 4, closed: 5 } as const;
const SOURCE_CHAT = 7;

const readError: ErrorReader = (status, body) => {
  const first = field(body, "errors", 0, "message");
  const name = field(body, "errors", 0, "field");
  return {
    message: first ? `${name ? `${name}: ` : ""}${first}` : (field(body, "message") ?? field(body, "description") ?? `HTTP ${status}`),
    code: field(body, "errors", 0, "code") ?? field(body, "code"),
  };
};

export type FreshdeskCredentials = { domain: string; api_key: string };
export type FreshdeskTicket = { id: number; status: number; tags: string[]; updated_at: string };

export const freshdeskBase = (env: Record<string, unknown>, domain: string) =>
  providerBase(env, "FRESHDESK_BASE", FRESHDESK_DEFAULT, { domain: domain.replace(/^https?:\/\//i, "").replace(/\/.*$/, "") });

export function freshdeskClient(deps: ClientDeps & { env: Record<string, unknown>; credentials: FreshdeskCredentials }) {
  const base = freshdeskBase(deps.env, deps.credentials.domain);
  const basic = encodeBase64(new TextEncoder().encode(`${deps.credentials.api_key}:X`));
  const send = <T>(method: "GET" | "POST", path: string, body?: unknown) =>
    requestJson<T>(deps, "Freshdesk", { method, url: `${base}${path}`, headers: { Authorization: `Basic ${basic}` }, body }, readError);

  return {
    base,
    async me(): Promise<{ id: number; email: string | null; name: string | null }> {
      const { data } = await send<{ id: number; contact?: { email?: string; name?: string } }>("GET", "/api/v2/agents/me");
      return { id: data.id, email: data.contact?.email ?? null, name: data.contact?.name ?? null };
    },
    async createTicket(input: {
      subject: string;
      requester: { name: string | null; email: string };
      description: string;
      tags: string[];
    }): Promise<FreshdeskTicket> {
      const body = {
        ...(input.requester.name ? { name: input.requester.name } : {}),
        email: input.requester.email,
        subject: input.subject,
        description: input.description,
        status: FRESHDESK_STATUS.open,
        priority: 2,
        source: SOURCE_CHAT,
        tags: input.tags,
      };
      return (await send<FreshdeskTicket>("POST", "/api/v2/tickets", body)).data;
    },
    async addPrivateNote(ticketId: string, body: string): Promise<void> {
      await send("POST", `/api/v2/tickets/${encodeURIComponent(ticketId)}/notes`, { body, private: true });
    },
    /** Whether a contact has this email (contacts filtered by email). */
    async hasContact(email: string): Promise<boolean> {
      return (await send<{ id: number }[]>("GET", `/api/v2/contacts?${new URLSearchParams({ email })}`)).data.length > 0;
    },
    /** The requester's tickets, most recently updated first, one page of up to 100. */
    async ticketsOf(email: string): Promise<(FreshdeskTicket & { subject?: string | null })[]> {
      const q = new URLSearchParams({ email, order_by: "updated_at", order_type: "desc", per_page: "100" });
      return (await send<(FreshdeskTicket & { subject?: string | null })[]>("GET", `/api/v2/tickets?${q}`)).data;
    },
    /** Tickets updated at or after `since`, oldest first, one page of up to 100. */
    async ticketsUpdatedSince(since: Date): Promise<FreshdeskTicket[]> {
      const q = new URLSearchParams({
        updated_since: since.toISOString().replace(/\.\d{3}Z$/, "Z"),
        order_by: "updated_at",
        order_type: "asc",
        per_page: "100",
      });
      return (await send<FreshdeskTicket[]>("GET", `/api/v2/tickets?${q}`)).data;
    },
  };
}

export const freshdeskTicketUrl = (base: string, id: string) => `${base}/a/tickets/${encodeURIComponent(id)}`;
