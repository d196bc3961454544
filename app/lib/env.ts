/**
 * The Worker's environment. Bindings, [vars] and the secrets listed in .dev.vars.example are
 * generated from wrangler.toml into worker-configuration.d.ts (`npm run cf-typegen`; `npm test`
 * fails when that file is stale). Here only what the config cannot say: each queue's message type,
 * and (below) the optional settings some deployments set and others do not.
 */
export type Env = Omit<Cloudflare.Env, "EVENTS" | "DELIVERIES"> & {
  EVENTS: Queue<EventsMessage>;
  DELIVERIES: Queue<DeliveriesMessage | ReplaySendMessage>;
};

declare global {
  namespace Cloudflare {
    interface Env {
      /** Seconds between delivery attempts, comma-separated (default in webhooks/retry.ts). */
      WEBHOOK_RETRY_SCHEDULE?: string;
      /** Verifies Slack Events API requests (the sandbox sets one under `npm start`). */
      SLACK_SIGNING_SECRET?: string;
      /** "true" only in `npm run bench`'s Miniflare config: turns on /__bench/* and the D1 counter. */
      BENCH_ROUTES?: string;
      /** Seconds a CRM waits after a close before logging the transcript (default 600; a reopen cancels). */
      TRANSCRIPT_GRACE_SECONDS?: string;
      /** Milliseconds each source of GET /v1/contacts/{email}/context may take before it is reported missing (default 2500). */
      CUSTOMER_CONTEXT_BUDGET_MS?: string;
      /** WhatsApp Cloud API base URL (default https://graph.facebook.com; `npm start` points it at the sandbox). */
      WHATSAPP_API_BASE?: string;
      /**
       * Cloudflare Email Service binding (`[[send_email]]` in wrangler.toml) for health alert emails
       * to the company's admins (ADR 0110); absent in local runs and tests.
       */
      SEND_EMAIL?: SendEmail;
      /** Without SEND_EMAIL: a mail sink that takes each alert email as JSON (`npm start` points it at the sandbox). */
      ALERT_EMAIL_SINK_URL?: string;
      /** The alert emails' sender (default alerts@INBOUND_EMAIL_DOMAIN); must be on a domain onboarded to Email Service. */
      ALERT_EMAIL_FROM?: string;
      // Provider OAuth credentials (`<PROVIDER>_CLIENT_ID` / `_CLIENT_SECRET`) and base-URL
      // overrides (`SLACK_API_BASE`, …) are named by the catalog and read by name at run time.
    }
  }
}

/**
 * Queue messages carry ids only: never payloads or secrets. The EVENTS queue carries two kinds,
 * tagged (queues.server.ts routes each to its handler; docs/decisions/0060-queues-and-dead-letters.md):
 * - `event`: an outbox event to fan out (events/consumer.server.ts);
 * - `inbound`: a provider callback held in D1 (inbound_receipts) for its adapter's `inbound` hook.
 * A body without `kind` but with `eventId` (sent before the tag existed) is read as an `event`.
 */
export type EventsMessage = EventMessage | InboundMessage;
export type EventMessage = { kind: "event"; eventId: string };
export type InboundMessage = { kind: "inbound"; provider: string; id: string };
/**
 * `run` and `attempt` name the retry chain and the attempt this message is for: a message whose
 * delivery has moved on (a later attempt recorded, or Resend started a new run) is stale and is
 * acknowledged without sending. Messages from before they existed carry only the id.
 */
export type DeliveriesMessage = { kind?: "delivery"; deliveryId: string; run?: number; attempt?: number };
/** A one-shot copy of an event to a URL of the admin's choosing (webhooks/replay-sends.server.ts), on the same queue. */
export type ReplaySendMessage = { kind: "replay"; replaySendId: string };

export function isDevelopment(env: Pick<Env, "ENVIRONMENT">): boolean {
  return env.ENVIRONMENT === "development";
}

export function appBaseUrl(env: Env): string {
  return (env.APP_BASE_URL ?? "https://app.chat.buzzi.ai").replace(/\/+$/, "");
}

export function apiBaseUrl(env: Env, requestOrigin?: string): string {
  if (env.API_BASE_URL) return env.API_BASE_URL.replace(/\/+$/, "");
  return `${requestOrigin ?? ""}/v1`;
}

export function inboundEmailDomain(env: Env): string {
  return env.INBOUND_EMAIL_DOMAIN ?? "chat.buzzi.ai";
}

export function sessionSecrets(env: Env): string[] {
  const list = (env.SESSION_SECRETS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) throw new Error("SESSION_SECRETS is not set");
  return list;
}
