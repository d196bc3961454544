/**
 * Zendesk: an escalated conversation becomes a ticket (requester, subject, tags, the transcript as
 * an internal note, our conversation id as external_id); a ticket solved in Zendesk closes the
 * conversation through a signed webhook (`POST /integrations/zendesk/events`) that connecting
 * subscribes for us. Connecting checks the email + API token with users/me first.
 */
import { appBaseUrl } from "../../env";
import { type CustomerContextLookup, type DeliveryContext, defineAdapter, type VerifyInput, type VerifyResult } from "../adapter";
import { CATALOG } from "../catalog";
import { failureOutcome } from "../crm/sync.server";
import { createTicketOnEscalation, type HelpdeskOps, TICKET_TAGS } from "../helpdesk/tickets.server";
import { ProviderApiError } from "../provider-http.server";
import { type ZendeskCredentials, zendeskClient, zendeskTicketUrl } from "./client.server";

/** Zendesk's comment body limit is 64 KB; keep clear of it. */
export const ZENDESK_COMMENT_LIMIT = 60000;

export const zendeskEventsUrl = (env: Record<string, unknown>, companySlug: string) =>
  `${appBaseUrl(env as never)}/integrations/zendesk/events?company=${encodeURIComponent(companySlug)}`;

function credentialsOf(fields: Record<string, string> | undefined): ZendeskCredentials {
  return { subdomain: fields?.subdomain ?? "", email: fields?.email ?? "", api_token: fields?.api_token ?? "" };
}

export function zendeskOps(ctx: DeliveryContext): HelpdeskOps {
  const client = zendeskClient({
    fetch: ctx.fetch,
    signal: ctx.signal,
    now: ctx.now,
    env: ctx.env,
    credentials: credentialsOf(ctx.connection.credential.fields),
  });
  const url = (id: number | string) => zendeskTicketUrl(client.base, String(id));
  return {
    transcript: { limit: ZENDESK_COMMENT_LIMIT, format: "text" },
    findExisting: async (conversationId) => {
      const t = await client.findTicketByExternalId(conversationId);
      return t ? { id: String(t.id), url: url(t.id) } : null;
    },
    create: async (draft) => {
      const note = draft.reason ? `Escalation reason: ${draft.reason}\n\n${draft.transcript}` : draft.transcript;
      // The delivery id is stable across retries: a create whose answer was lost returns the same ticket.
      const t = await client.createTicket({
        subject: draft.subject,
        requester: draft.requester,
        tags: TICKET_TAGS,
        note,
        externalId: draft.conversationId,
        idempotencyKey: ctx.deliveryId,
      });
      return { id: String(t.id), url: url(t.id) };
    },
  };
}

const fieldError = (field: string, message: string): VerifyResult => ({ ok: false, fieldErrors: { [field]: [message] } });

/** users/me with the token (an anonymous answer means a bad login), then the status webhook. */
export async function verifyZendesk(input: VerifyInput): Promise<VerifyResult> {
  const credentials = credentialsOf(input.fields);
  const deps = { fetch: input.fetch, signal: input.signal, now: () => input.now };
  let client: ReturnType<typeof zendeskClient>;
  try {
    client = zendeskClient({ ...deps, env: input.env, credentials });
  } catch {
    return fieldError("subdomain", "Enter just the subdomain: acme for acme.zendesk.com.");
  }
  let me: Awaited<ReturnType<typeof client.me>>;
  try {
    me = await client.me();
  } catch (error) {
    if (error instanceof ProviderApiError && error.status === 401)
      return fieldError("api_token", "Zendesk did not accept this email and API token.");
    if (error instanceof ProviderApiError && error.status === 404)
      return fieldError("subdomain", "There is no Zendesk account at this subdomain.");
    return fieldError("subdomain", "We could not reach Zendesk at this subdomain. Check it and try again.");
  }
  if (me.id === null) return fieldError("api_token", "Zendesk did not accept this email and API token.");
  if (me.role !== "admin")
    return fieldError("email", "Use an admin's email and API token: we add a webhook that tells us when a ticket is solved.");
  let hook: { id: string; secret: string };
  try {
    hook = await client.createStatusWebhook({
      name: "Integrations Hub: ticket status",
      endpoint: zendeskEventsUrl(input.env, input.company.slug),
    });
  } catch (error) {
    return fieldError(
      "",
      `Zendesk refused to add the ticket status webhook${error instanceof ProviderApiError ? ` (${error.message})` : ""}.`,
    );
  }
  const host = new URL(client.base).host;
  return {
    ok: true,
    accountLabel: host.endsWith("zendesk.com") ? host : `${credentials.subdomain}.zendesk.com`,
    accountId: String(me.id),
    context: { subdomain: credentials.subdomain, webhook_id: hook.id },
    secrets: { webhook_secret: hook.secret },
  };
}

/** Zendesk's statuses that are not done yet. */
const OPEN_STATUSES = new Set(["new", "open", "pending", "hold"]);

/** The customer's open tickets: users search by email, then the tickets they requested. */
const zendeskCustomerContext: CustomerContextLookup = async (ctx) => {
  const client = zendeskClient({ ...ctx, credentials: credentialsOf(ctx.connection.credential.fields) });
  const user = await client.findUserByEmail(ctx.email);
  if (!user) return null;
  const tickets = (await client.requestedTickets(user.id)).filter((t) => OPEN_STATUSES.has(t.status)).slice(0, 10);
  return {
    kind: "helpdesk",
    helpdesk: {
      open_tickets: tickets.map((t) => ({
        id: String(t.id),
        subject: t.subject,
        status: t.status,
        updated_at: t.updated_at,
        url: zendeskTicketUrl(client.base, String(t.id)),
      })),
    },
  };
};

export const zendeskAdapter = defineAdapter({
  id: "zendesk",
  provider: CATALOG.zendesk,
  features: CATALOG.zendesk.features,
  configureScreen: true,
  verifyCredential: verifyZendesk,
  disconnect: {
    // The status webhook connecting added: deleted with the connection, or when a reconnect replaced it.
    remote: async (ctx) => {
      const id = typeof ctx.context.webhook_id === "string" ? ctx.context.webhook_id : null;
      if (!id) return;
      const client = zendeskClient({
        fetch: ctx.fetch,
        signal: ctx.signal,
        now: ctx.now,
        env: ctx.env,
        credentials: credentialsOf(ctx.credential.fields),
      });
      try {
        await client.deleteWebhook(id);
      } catch (error) {
        if (!(error instanceof ProviderApiError && error.status === 404)) throw error; // already gone
      }
    },
  },
  customerContext: zendeskCustomerContext,
  subscriptions: {
    "escalation.triggered": {
      deliver: async (ctx) => {
        let ops: HelpdeskOps;
        try {
          ops = zendeskOps(ctx);
        } catch (error) {
          return failureOutcome(error);
        }
        return createTicketOnEscalation(ctx, ops);
      },
    },
  },
});
