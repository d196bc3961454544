/**
 * The Zendesk Support calls the adapter makes on `{subdomain}.zendesk.com` (ZENDESK_BASE is a
 * template the sandbox points at itself): users/me to check an API token, ticket create (with an
 * Idempotency-Key so a retried create returns the same ticket), ticket lookup by our external id,
 * and the status-change webhook (create + signing secret) that brings "solved" back.
 */
import { encodeBase64 } from "@oslojs/encoding";
import { type ClientDeps, type ErrorReader, field, providerBase, requestJson } from "../provider-http.server";

export const ZENDESK_DEFAULT = "https://{subdomain}.zendesk.com";
export const STATUS_CHANGED = "zen:event-type:ticket.status_changed";

const readError: ErrorReader = (status, body) => {
  const details = body && typeof body === "object" ? (body as { details?: Record<string, { description?: string }[]> }).details : undefined;
  const first = details ? Object.values(details).flat()[0]?.description : null;
  return {
    message: first ?? field(body, "description") ?? field(body, "error") ?? field(body, "errors", 0, "detail") ?? `HTTP ${status}`,
    code: field(body, "error") ?? field(body, "errors", 0, "code"),
  };
};

export type ZendeskCredentials = { subdomain: string; email: string; api_token: string };
export type ZendeskTicket = { id: number; status: string; external_id: string | null };

export const zendeskBase = (env: Record<string, unknown>, subdomain: string) =>
  providerBase(env, "ZENDESK_BASE", ZENDESK_DEFAULT, { subdomain: subdomain.replace(/\.zendesk\.com$/i, "") });

export function zendeskClient(deps: ClientDeps & { env: Record<string, unknown>; credentials: ZendeskCredentials }) {
  const base = zendeskBase(deps.env, deps.credentials.subdomain);
  const basic = encodeBase64(new TextEncoder().encode(`${deps.credentials.email}/token:${deps.credentials.api_token}`));
  const send = <T>(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown, extra: Record<string, string> = {}) =>
    requestJson<T>(
      deps,
      "Zendesk",
      { method, url: `${base}${path}`, headers: { Authorization: `Basic ${basic}`, ...extra }, body },
      readError,
    );

  return {
    base,
    /** The agent the token belongs to; Zendesk answers an anonymous user (id null) to a bad login. */
    async me(): Promise<{ id: number | null; name: string | null; email: string | null; role: string | null }> {
      const { data } = await send<{ user: { id: number | null; name?: string; email?: string; role?: string } }>(
        "GET",
        "/api/v2/users/me.json",
      );
      return { id: data.user?.id ?? null, name: data.user?.name ?? null, email: data.user?.email ?? null, role: data.user?.role ?? null };
    },
    /** Users search (`query` matches any user property; the exact email is then picked). */
    async findUserByEmail(email: string): Promise<{ id: number; name: string | null } | null> {
      const { data } = await send<{ users: { id: number; name?: string | null; email?: string | null }[] }>(
        "GET",
        `/api/v2/users/search.json?query=${encodeURIComponent(email)}`,
      );
      const user = data.users.find((u) => u.email?.toLowerCase() === email.toLowerCase());
      return user ? { id: user.id, name: user.name ?? null } : null;
    },
    /** The tickets a user requested, most recently updated first (one page of 100). */
    async requestedTickets(userId: number): Promise<{ id: number; subject: string | null; status: string; updated_at: string | null }[]> {
      const { data } = await send<{ tickets: { id: number; subject?: string | null; status: string; updated_at?: string | null }[] }>(
        "GET",
        `/api/v2/users/${encodeURIComponent(String(userId))}/tickets/requested.json?sort_by=updated_at&sort_order=desc&per_page=100`,
      );
      return data.tickets.map((t) => ({ id: t.id, subject: t.subject ?? null, status: t.status, updated_at: t.updated_at ?? null }));
    },
    async findTicketByExternalId(externalId: string): Promise<ZendeskTicket | null> {
      const { data } = await send<{ tickets: ZendeskTicket[] }>(
        "GET",
        `/api/v2/tickets.json?external_id=${encodeURIComponent(externalId)}`,
      );
      return data.tickets[0] ?? null;
    },
    async createTicket(input: {
      subject: string;
      requester: { name: string; email: string };
      tags: string[];
      note: string;
      externalId: string;
      idempotencyKey: string;
    }): Promise<ZendeskTicket> {
      const ticket = {
        subject: input.subject.slice(0, 150),
        requester: input.requester,
        tags: input.tags,
        external_id: input.externalId,
        comment: { body: input.note, public: false },
      };
      return (
        await send<{ ticket: ZendeskTicket }>("POST", "/api/v2/tickets.json", { ticket }, { "Idempotency-Key": input.idempotencyKey })
      ).data.ticket;
    },
    async getTicket(id: string): Promise<ZendeskTicket> {
      return (await send<{ ticket: ZendeskTicket }>("GET", `/api/v2/tickets/${encodeURIComponent(id)}.json`)).data.ticket;
    },
    /** Subscribes `endpoint` to ticket status changes; returns the webhook id and its signing secret. */
    async createStatusWebhook(input: { name: string; endpoint: string }): Promise<{ id: string; secret: string }> {
      const { data } = await send<{ webhook: { id: string } }>("POST", "/api/v2/webhooks", {
        webhook: {
          name: input.name,
          endpoint: input.endpoint,
          http_method: "POST",
          request_format: "json",
          status: "active",
          subscriptions: [STATUS_CHANGED],
        },
      });
      const { data: signing } = await send<{ signing_secret: { secret: string } }>(
        "GET",
        `/api/v2/webhooks/${encodeURIComponent(data.webhook.id)}/signing_secret`,
      );
      return { id: data.webhook.id, secret: signing.signing_secret.secret };
    },
    async deleteWebhook(id: string): Promise<void> {
      await send("DELETE", `/api/v2/webhooks/${encodeURIComponent(id)}`);
    },
  };
}

export const zendeskTicketUrl = (base: string, id: string) => `${base}/agent/tickets/${encodeURIComponent(id)}`;
