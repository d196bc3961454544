/**
 * Freshdesk: an escalated conversation becomes a ticket (requester, subject, tags with our
 * conversation id — Freshdesk tickets have no external id field) plus the transcript as a private
 * note. Freshdesk's webhooks are unsigned, so the cron polls for tickets updated since the last
 * look and closes the conversation of one that is resolved or closed. Connecting checks the API
 * key with agents/me first.
 */
import { type CustomerContextLookup, type DeliveryContext, defineAdapter, type VerifyInput, type VerifyResult } from "../adapter";
import { CATALOG } from "../catalog";
import { failureOutcome } from "../crm/sync.server";
import { createTicketOnEscalation, type HelpdeskOps, TICKET_TAGS } from "../helpdesk/tickets.server";
import { ProviderApiError } from "../provider-http.server";
import { FRESHDESK_STATUS, type FreshdeskCredentials, freshdeskClient, freshdeskTicketUrl } from "./client.server";
import { pollFreshdesk } from "./poll.server";

export const FRESHDESK_NOTE_LIMIT = 60000;

export function freshdeskCredentials(fields: Record<string, string> | undefined): FreshdeskCredentials {
  return { domain: fields?.domain ?? "", api_key: fields?.api_key ?? "" };
}

export function freshdeskOps(ctx: DeliveryContext): HelpdeskOps {
  const client = freshdeskClient({
    fetch: ctx.fetch,
    signal: ctx.signal,
    now: ctx.now,
    env: ctx.env,
    credentials: freshdeskCredentials(ctx.connection.credential.fields),
  });
  return {
    transcript: { limit: FRESHDESK_NOTE_LIMIT, format: "html" },
    findExisting: null,
    create: async (draft) => {
      const intro = `<p>Escalated from a chat${draft.reason ? `: ${escapeHtml(draft.reason)}` : ""}. The transcript is in a private note.</p><p><a href="${escapeHtml(draft.link)}">Open the conversation</a></p>`;
      const t = await client.createTicket({
        subject: draft.subject,
        requester: draft.requester,
        description: intro,
        tags: [...TICKET_TAGS, draft.conversationId],
      });
      return { id: String(t.id), url: freshdeskTicketUrl(client.base, String(t.id)) };
    },
    addTranscript: async (ticketId, draft) => {
      await client.addPrivateNote(ticketId, draft.transcript);
      return { id: ticketId };
    },
  };
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const fieldError = (field: string, message: string): VerifyResult => ({ ok: false, fieldErrors: { [field]: [message] } });

export async function verifyFreshdesk(input: VerifyInput): Promise<VerifyResult> {
  const credentials = freshdeskCredentials(input.fields);
  let client: ReturnType<typeof freshdeskClient>;
  try {
    client = freshdeskClient({ fetch: input.fetch, signal: input.signal, now: () => input.now, env: input.env, credentials });
  } catch {
    return fieldError("domain", "Enter the helpdesk's domain, like acme.freshdesk.com.");
  }
  try {
    const me = await client.me();
    return {
      ok: true,
      accountLabel: credentials.domain
        .replace(/^https?:\/\//i, "")
        .replace(/\/.*$/, "")
        .toLowerCase(),
      accountId: String(me.id),
    };
  } catch (error) {
    if (error instanceof ProviderApiError && (error.status === 401 || error.status === 403))
      return fieldError("api_key", "Freshdesk did not accept this API key.");
    if (error instanceof ProviderApiError && error.status === 404)
      return fieldError("domain", "There is no Freshdesk helpdesk at this domain.");
    return fieldError("domain", "We could not reach Freshdesk at this domain. Check it and try again.");
  }
}

const STATUS_WORD: Record<number, string> = { 2: "open", 3: "pending", 4: "resolved", 5: "closed" };

/** The customer's open and pending tickets: contacts filtered by email, then that requester's tickets. */
const freshdeskCustomerContext: CustomerContextLookup = async (ctx) => {
  const client = freshdeskClient({ ...ctx, credentials: freshdeskCredentials(ctx.connection.credential.fields) });
  if (!(await client.hasContact(ctx.email))) return null;
  const open = (await client.ticketsOf(ctx.email))
    .filter((t) => t.status === FRESHDESK_STATUS.open || t.status === FRESHDESK_STATUS.pending)
    .slice(0, 10);
  return {
    kind: "helpdesk",
    helpdesk: {
      open_tickets: open.map((t) => ({
        id: String(t.id),
        subject: t.subject ?? null,
        status: STATUS_WORD[t.status] ?? String(t.status),
        updated_at: t.updated_at ?? null,
        url: freshdeskTicketUrl(client.base, String(t.id)),
      })),
    },
  };
};

export const freshdeskAdapter = defineAdapter({
  id: "freshdesk",
  provider: CATALOG.freshdesk,
  features: CATALOG.freshdesk.features,
  configureScreen: true,
  verifyCredential: verifyFreshdesk,
  customerContext: freshdeskCustomerContext,
  subscriptions: {
    "escalation.triggered": {
      deliver: async (ctx) => {
        let ops: HelpdeskOps;
        try {
          ops = freshdeskOps(ctx);
        } catch (error) {
          return failureOutcome(error);
        }
        return createTicketOnEscalation(ctx, ops);
      },
    },
  },
  cron: pollFreshdesk,
});
