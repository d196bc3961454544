/**
 * The provider adapter (architecture.md §5b, docs/style.md "A provider adapter"): everything one integration does,
 * in one object, listed once in `registry.ts`. Generic code (pages, connect, fan-out, the delivery
 * engine, cron, disconnect) asks the registry and never names a provider.
 *
 * An adapter lives in `app/lib/integrations/<provider>/` (its `index.ts` exports it) and talks to
 * its provider only through a small client whose base URL comes from env, so the sandbox and the
 * real API are the same code path.
 *
 * Every member but `id`, `provider` and `features` is optional: an adapter declares only what its
 * integration really does.
 */

import type { BatchItem } from "drizzle-orm/batch";
import type * as z from "zod";
import type { CurrentUser } from "../auth/users.server";
import type { Db } from "../db/client";
import type { connections, conversations, events, WebhookEventType } from "../db/schema";
import type { Env } from "../env";
import type { InboundHandler } from "../events/subscribers.server";
import type { ConversationChannel, HookSubscriptionSource, PerformedBy } from "../vocabulary";
import type { ProviderId } from "./catalog";
import type { Provider } from "./types";

export type Fetch = typeof fetch;
export type ConnectionRow = typeof connections.$inferSelect;
export type EventRow = typeof events.$inferSelect;
/** A statement for one `db.batch` (the disconnect batch, the Connected tab's overview batch). */
export type Statement = BatchItem<"sqlite">;

/**
 * Non-secret provider facts a token or key needs to be used: Salesforce `instance_url`,
 * Zendesk/Freshdesk `subdomain`, Mailchimp `api_endpoint`. Saved on the connection row at
 * connect time (`connections.context`), readable by deliverers and cron hooks without decrypting.
 */
export type ProviderContext = Record<string, string>;

/** The decrypted credential of a connection. Never logged, queued, audited or rendered. */
export type Credential = {
  /** OAuth: a valid access token (refreshed ahead of expiry by the generic runner). */
  accessToken?: string;
  /** API-key integrations: the secret and non-secret fields the admin entered, by field name. */
  fields?: Record<string, string>;
};

// ---------------------------------------------------------------------------------------------
// Connect-time credential check (issue 12 item 6)
// ---------------------------------------------------------------------------------------------

export type VerifyInput = {
  /** API-key integrations: the submitted form fields (already shape-checked by the field schema). */
  fields?: Record<string, string>;
  /** OAuth: the fresh access token, and the raw token response (e.g. Salesforce `instance_url`). */
  token?: string;
  tokenResponse?: Record<string, unknown>;
  company: { id: string; slug: string };
  env: Env;
  fetch: Fetch;
  now: Date;
  signal: AbortSignal;
};

export type VerifyResult =
  | {
      ok: true;
      /** What the admin recognises on the card ("acme.zendesk.com", "Acme Inc (org 00D…)"). */
      accountLabel: string | null;
      accountId: string | null;
      /** Saved on the connection row; see ProviderContext. */
      context?: ProviderContext;
      /**
       * Secrets the check obtained from the provider (Zendesk's webhook signing secret), stored
       * encrypted with the credential's fields and handed back in `Credential.fields`.
       */
      secrets?: Record<string, string>;
    }
  | {
      ok: false;
      /** field name → messages, shown next to the field; `""` for the whole form. Nothing is saved. */
      fieldErrors: Record<string, string[]>;
    };

/**
 * Called before anything is saved. API-key integrations call the provider's "who am I" (or
 * cheapest authenticated) endpoint; a wrong key is a field error. It never sets "Last success":
 * only a real delivery does.
 */
export type VerifyCredential = (input: VerifyInput) => Promise<VerifyResult>;

// ---------------------------------------------------------------------------------------------
// The connected card
// ---------------------------------------------------------------------------------------------

export type CardInfoInput = {
  connection: ConnectionRow;
  /** Parsed with the adapter's settings schema (defaults applied). */
  settings: Record<string, unknown>;
  company: { id: string; slug: string };
  env: Env;
  /** The rows of `card.query`, when the adapter declares one (read in the page's one batch). */
  queried: unknown;
};

/**
 * The connected card's info line; `copy` adds a Copy button for that text (a forwarding address).
 * `description` replaces the catalog's short description when the settings change what the
 * integration does (Slack with "New conversations" turned off).
 * `health` replaces the card's "Last success · N actions and M errors in 24 h" line for an adapter
 * whose work is not integration deliveries (Zapier's Zaps are webhook deliveries).
 */
export type CardInfo = {
  info: string;
  copy?: string | null;
  description?: string;
  health?: { lastSuccessAt: Date | null; actions24h: number; errors24h: number };
};

export type CardSpec = {
  /**
   * Extra rows the info line needs, read in the Connected tab's single D1 round trip: the page's
   * statements run together on its coalescing binding (ADR 0045), so a query builder or a compiled
   * query's execution (ADR 0163) both join it.
   */
  query?: (db: Db, companyId: string, now: Date) => PromiseLike<unknown>;
  info: (input: CardInfoInput) => CardInfo;
};

// ---------------------------------------------------------------------------------------------
// Deliveries (issue 12 item 2): an adapter's action is a delivery like a webhook's
// ---------------------------------------------------------------------------------------------

/** The connection as a deliverer sees it. */
export type DeliveryConnection = {
  row: ConnectionRow;
  credential: Credential;
  context: ProviderContext;
  /** The saved settings parsed with the adapter's schema (defaults applied). */
  settings: Record<string, unknown>;
};

export type ExternalRef = {
  kind: string;
  localId: string;
  /** null while a claim is held and the remote record is being created. */
  remoteId: string | null;
  remoteUrl: string | null;
};

/**
 * External references (issue 12 item 3), bound to the company and the provider:
 * `(company, provider, kind, local_id) → (remote_id, remote_url)`. The way to create a remote
 * record exactly once: `lookup` → else search the provider (link with `linkExisting`) → else
 * `claim`, create, `complete` (or `release` when the create failed). A claim someone else holds
 * answers `{ claimed: false }`: return a retryable outcome and try again later.
 */
export interface ExternalRefs {
  lookup(kind: string, localId: string): Promise<ExternalRef | null>;
  /** Atomic (INSERT … ON CONFLICT DO NOTHING, or taking over a stale claim by conditional UPDATE). */
  claim(kind: string, localId: string): Promise<{ claimed: true } | { claimed: false; ref: ExternalRef }>;
  /** Records the created remote record under the claim this delivery holds. */
  complete(kind: string, localId: string, remote: { remoteId: string; remoteUrl?: string | null }): Promise<void>;
  /** An existing remote record (found by search, or named by a provider "duplicate" answer). */
  linkExisting(kind: string, localId: string, remote: { remoteId: string; remoteUrl?: string | null }): Promise<void>;
  /** Gives up a claim after a failed create, so a retry can claim again. */
  release(kind: string, localId: string): Promise<void>;
}

export type DeliveryContext = {
  event: EventRow;
  connection: DeliveryConnection;
  /** Id of the delivery row (stable across retries: usable as an idempotency key). */
  deliveryId: string;
  /** 1 for the first attempt of this delivery. */
  attempt: number;
  db: Db;
  env: Env;
  fetch: Fetch;
  now: () => Date;
  refs: ExternalRefs;
  signal: AbortSignal;
};

/**
 * What one attempt did. The generic runner turns it into the delivery's fate:
 * - `ok` → succeeded; the connection's "Last success" is set (only ever here).
 * - `needsReauth` or `statusCode` 401 → the connection becomes needs_reauth (card: Reconnect), final.
 * - `statusCode` 429 / 5xx / null (network, timeout) → retried on the webhook schedule, never
 *   sooner than `retryAfterSeconds`.
 * - any other 4xx, or `gone` → failed for good with `error`.
 */
export type DeliveryOutcome = {
  ok: boolean;
  /** HTTP status of the provider call that decided the outcome; null when none was made. */
  statusCode: number | null;
  /** The provider's message, secret-free (the runner also removes the credential's values). */
  error?: string | null;
  retryAfterSeconds?: number | null;
  /** For the activity list: what was done, in plain words ("Created contact jane@example.com"). */
  summary?: string | null;
  /** For the activity list: the provider record this touched. */
  remote?: { url: string | null; label?: string | null } | null;
  /** The provider refused the credential (some APIs say so without a 401). */
  needsReauth?: boolean;
  /** Nothing to do any more (the target was deleted, the setting turned off): final, no retry. */
  gone?: boolean;
  /**
   * Not now, and not a failure: another attempt holds what this one needs (Slack's parent message
   * being posted by the delivery that claimed it). Nothing was sent; the engine makes this same
   * attempt again after this many seconds without recording or counting anything (at most
   * MAX_DEFERRALS times, then it is a failed attempt on the normal schedule).
   */
  deferSeconds?: number;
  /** Non-secret request headers worth keeping on the attempt row (e.g. the API method called). */
  requestHeaders?: Record<string, string>;
  responseExcerpt?: string | null;
};

export type Deliverer = (ctx: DeliveryContext) => Promise<DeliveryOutcome>;

export type WantsContext = { event: EventRow; connection: Omit<DeliveryConnection, "credential">; db: Db; env: Env };

export type EventSubscription = {
  /**
   * Seconds the fan-out waits before the first attempt (the CRM transcript grace window:
   * `(env) => Number(env.TRANSCRIPT_GRACE_SECONDS ?? 600)`). The deliverer re-checks the state it
   * acts on (a reopened conversation → `gone`, nothing done).
   */
  delaySeconds?: number | ((env: Env) => number);
  /** Fan-out filter on the saved settings (Slack's toggles). Default: every event of this type. */
  wants?: (ctx: WantsContext) => boolean | Promise<boolean>;
  deliver: Deliverer;
};

/**
 * The integration's subscriptions are webhook endpoints it manages (REST hooks): created through
 * `/v1/hooks` with this source, delivered by the signed webhook pipeline. Generic code asks the
 * registry (`hookSubscriptionOwner(source)`) what such an endpoint is and who owns it.
 */
export type HookSubscriptions = {
  /** The endpoint source its subscriptions carry. */
  source: HookSubscriptionSource;
  /** The field error when an admin tries to change a subscription's URL (the subscriber owns it). */
  urlManagedMessage: string;
};

export type SetupValue = { label: string; value: string; hint?: string };

/** One thing the provider sent us (a received message), as the activity list shows it. */
export type InboundActivityItem = { id: string; at: Date; event: string; summary: string };

// ---------------------------------------------------------------------------------------------
// Cron and disconnect
// ---------------------------------------------------------------------------------------------

export type CronContext = {
  db: Db;
  kv: KVNamespace;
  env: Env;
  fetch: Fetch;
  now: Date;
  /** This provider's connections in status "connected", with decrypted credentials, all companies. */
  connections: () => Promise<DeliveryConnection[]>;
};

export type DisconnectContext = {
  db: Db;
  kv: KVNamespace;
  env: Env;
  connection: ConnectionRow;
  user: CurrentUser;
  ip: string | null;
  now: Date;
};

/** What a provider-side cleanup runs with: the credentials and context of the connection going away. */
export type RemoteCleanupContext = {
  credential: Credential;
  context: ProviderContext;
  env: Env;
  fetch: Fetch;
  now: () => Date;
  signal: AbortSignal;
};

export type DisconnectSteps = {
  /**
   * Undo at the provider what connecting set up there (Zendesk's status webhook), with the stored
   * credentials: on disconnect before they are deleted, and on a reconnect for the replaced
   * connection's context. Best effort: the provider's refusal never blocks the disconnect.
   */
  remote?: (ctx: RemoteCleanupContext) => Promise<void>;
  /** Statements run in the same batch that deletes the connection row (revoke keys, drop rows). */
  statements?: (ctx: DisconnectContext) => Statement[] | Promise<Statement[]>;
  /** After the batch: caches to forget. OAuth revocation is generic (the catalog's revoke spec). */
  after?: (ctx: DisconnectContext) => Promise<void>;
};

// ---------------------------------------------------------------------------------------------
// Pickers on the Configure form and read-only lookups (issue 13)
// ---------------------------------------------------------------------------------------------

/** What a provider read (a picker's choices, an order lookup) runs with. */
export type ProviderReadContext = {
  connection: DeliveryConnection;
  env: Env;
  fetch: Fetch;
  now: () => Date;
  signal: AbortSignal;
};

export type SettingsChoice = { value: string; label: string };

/**
 * Settings whose choices come from the provider (Mailchimp audiences, ActiveCampaign lists): the
 * generic Configure form shows them as a picker with a Refresh button, caches them a few minutes
 * and accepts only a listed value (or "" for none).
 */
export type SettingsChoices = (ctx: ProviderReadContext) => Promise<Record<string, SettingsChoice[]>>;

/** One order as `GET /v1/contacts/{email}/orders` returns it (never stored in D1). */
export type StoreOrder = {
  id: string;
  number: string;
  created_at: string;
  /** open, closed, cancelled (Shopify) or the store's own status word (WooCommerce: processing…). */
  status: string;
  financial_status: string | null;
  fulfillment_status: string | null;
  total: { amount: string; currency: string } | null;
  tracking: { company: string | null; number: string | null; url: string | null }[];
};

/** Recent orders of a customer, newest first; throws ProviderApiError when the store refuses. */
export type OrderLookup = (ctx: ProviderReadContext & { email: string; limit: number }) => Promise<StoreOrder[]>;

/** What a CRM knows about a customer (GET /v1/contacts/{email}/context); never stored in D1. */
export type CrmContext = {
  name: string | null;
  company: string | null;
  owner: string | null;
  lifecycle_stage: string | null;
  open_deals: { name: string; stage: string | null; amount: string | null; close_date: string | null }[];
  url: string | null;
};

/** What a help desk knows: the customer's tickets that are not solved or closed, newest first. */
export type HelpdeskContext = {
  open_tickets: { id: string; subject: string | null; status: string; updated_at: string | null; url: string | null }[];
};

export type CustomerContextPart = { kind: "crm"; crm: CrmContext } | { kind: "helpdesk"; helpdesk: HelpdeskContext };

/**
 * What this provider knows about the customer with this email, for the AI agent; null when it has
 * nobody by that email. Throws ProviderApiError when the provider refuses. Must honour `signal`.
 */
export type CustomerContextLookup = (ctx: ProviderReadContext & { email: string }) => Promise<CustomerContextPart | null>;

// ---------------------------------------------------------------------------------------------
// Health alerts (issue 18 item 4, ADR 0110)
// ---------------------------------------------------------------------------------------------

/** A health alert in plain words, secret-free: what is wrong, why, and the page that fixes it. */
export type AlertNotice = { title: string; detail: string | null; fixLabel: string; url: string; companyName: string };

export type NotifyContext = {
  connection: ConnectionRow;
  /** The saved settings parsed with the adapter's schema (defaults applied). */
  settings: Record<string, unknown>;
  notice: AlertNotice;
  db: Db;
  kv: KVNamespace;
  env: Env;
  fetch: Fetch;
  now: () => Date;
};

/** Posts the alert where this integration talks to the team; false when it has nowhere to (no channel chosen). Throws when it failed. */
export type AlertNotifier = (ctx: NotifyContext) => Promise<boolean>;

// ---------------------------------------------------------------------------------------------
// The adapter
// ---------------------------------------------------------------------------------------------

export interface ProviderAdapter {
  id: ProviderId;
  /** The catalog entry (name, logo, category, auth kind, OAuth/API-key spec, permissions). */
  provider: Provider;
  /**
   * What works today, in plain words: the Features list, the success modal and the consent
   * screen show exactly these. A feature that is not built is not listed.
   */
  features: readonly string[];
  /** The Configure form's schema (booleans, enums, short strings); none → no settings form. */
  settings?: z.ZodObject<z.ZodRawShape>;
  /** Choices of settings fields read from the provider (a list picker). */
  settingsChoices?: SettingsChoices;
  /** Read-only order lookup for `GET /v1/contacts/{email}/orders` (stores). */
  orderLookup?: OrderLookup;
  /** Read-only customer context for `GET /v1/contacts/{email}/context` (CRMs, help desks; stores answer through orderLookup). */
  customerContext?: CustomerContextLookup;
  /** Whether the card offers Configure even without settings (Zapier's subscriptions, the activity list). */
  configureScreen?: boolean;
  /**
   * Connecting has a screen of the integration's own at /integrations/:provider/connect (Zapier's
   * key), not the generic consent modal that the Available tab can open over itself.
   */
  ownConnectScreen?: boolean;
  card?: CardSpec;
  verifyCredential?: VerifyCredential;
  /**
   * Values the admin pastes into the provider's dashboard (WhatsApp's callback URL and verify
   * token), under a heading that says where: shown with Copy buttons on the success modal right
   * after connecting and on the Configure screen. `origin`: this app's origin, as the browser
   * reached it (like the OAuth redirect URI).
   */
  setup?: (input: { connection: ConnectionRow; origin: string }) => { title: string; values: SetupValue[] };
  /**
   * What arrived from the provider (a channel's received messages), for the connection's activity
   * list beside its deliveries: newest first, at most `limit`, this company's only.
   */
  inboundActivity?: (input: { db: Db; companyId: string; limit: number }) => Promise<InboundActivityItem[]>;
  /** Shown on the connect screen before connecting (the forwarding address to copy). */
  connectHint?: (input: { env: Env; company: { id: string; slug: string } }) => { copy: string } | null;
  /**
   * A customer channel's rule about replies (WhatsApp's 24-hour window): why an agent's or the AI's
   * message cannot be sent in this conversation now, or null. `POST /v1/conversations/:id/messages`
   * asks every adapter before storing anything (a refusal is a 422); the deliverer re-checks.
   */
  replyRefusal?: (input: {
    db: Db;
    companyId: string;
    conversation: typeof conversations.$inferSelect;
    now: Date;
  }) => Promise<string | null>;
  /**
   * The conversation channels `replyRefusal` can refuse in (its own channel). A message in any
   * other channel is written without asking it, in the request's one D1 round trip (ADR 0140);
   * left out, every channel asks it first.
   */
  replyRulesChannels?: readonly ConversationChannel[];
  /**
   * Who an event caused through `/v1` with this integration's own API key (an api_keys row whose
   * kind is this provider id) is performed by; none → `api_key` like any other key.
   */
  apiKeyActor?: (key: { id: string; name: string }) => PerformedBy;
  /** Its subscriptions are webhook endpoints it manages (Zapier's REST hooks). */
  hookSubscriptions?: HookSubscriptions;
  /** The events this integration acts on, each with its deliverer. */
  subscriptions?: Partial<Record<WebhookEventType, EventSubscription>>;
  /** Runs on every cron tick (polling a provider that cannot push, daily summaries). */
  cron?: (ctx: CronContext) => Promise<unknown>;
  /** Tells the company's team about a health alert, once per alert and day (Slack's channel). */
  notify?: AlertNotifier;
  /**
   * Provider callbacks handled on the EVENTS queue: the adapter's route verifies and stores the
   * callback (an inbound_receipts row with its payload), then sends
   * `{ kind: "inbound", provider: <id>, id }`; the queue consumer calls this with that id. Throw to
   * be retried (queues/backoff.ts); ignore what cannot be used.
   */
  inbound?: InboundHandler;
  disconnect?: DisconnectSteps;
}

/**
 * Loop safety (architecture.md §5b): a change that arrives from a provider (ticket solved, Slack reply) is
 * written with this `performed_by` (type "system", id = the provider id, so the public contract's
 * `performed_by.type` enum is unchanged), and the fan-out never hands an event to the adapter
 * whose own change it is.
 */
export function integrationActor(provider: Pick<Provider, "id" | "name">) {
  return { type: "system" as const, id: provider.id, name: provider.name };
}

export function isOwnChange(adapterId: string, event: Pick<EventRow, "performedBy">): boolean {
  return event.performedBy.type === "system" && event.performedBy.id === adapterId;
}

/** Identity helper that keeps the literal types of an adapter object. */
export function defineAdapter<const A extends ProviderAdapter>(adapter: A): A {
  return adapter;
}
