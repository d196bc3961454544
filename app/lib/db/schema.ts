/**
 * The whole domain model of architecture.md §3. Every tenant table carries company_id and every query
 * filters by it. Secrets never live here in plaintext: OAuth tokens are in KV (encrypted),
 * webhook secrets are AES-GCM ciphertext, API keys are SHA-256 hashes.
 */
import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, sqliteView, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import {
  type ApiScope,
  alertKinds,
  authorKinds,
  channelStatuses,
  connectionStatuses,
  conversationChannels,
  conversationStatuses,
  deliveryStatuses,
  endpointSources,
  eventTypes,
  type PerformedBy,
  userRoles,
  type WebhookEventType,
} from "../vocabulary";
import { companyId, createdAt, id, json, timestamp } from "./columns";

// The word lists live in ../vocabulary (no storage imports, so the UI can use them); storage
// modules keep importing them from here.
export * from "../vocabulary";

export const companies = sqliteTable("companies", {
  id: id(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  /** IANA zone for daily summaries and the like. */
  timezone: text("timezone").notNull().default("UTC"),
  createdAt: createdAt(),
});

export const users = sqliteTable(
  "users",
  {
    id: id(),
    companyId: companyId(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: text("role", { enum: userRoles }).notNull(),
    /** "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>" */
    passwordHash: text("password_hash").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_email_unique").on(t.email), index("users_company_idx").on(t.companyId)],
);

export const connections = sqliteTable(
  "connections",
  {
    id: id(),
    companyId: companyId(),
    provider: text("provider").notNull(),
    status: text("status", { enum: connectionStatuses }).notNull().default("connected"),
    /** What the admin recognises: workspace name, org name, forwarding address. */
    accountLabel: text("account_label"),
    /** Provider-side id (Slack team id, Salesforce org id, …). */
    accountId: text("account_id"),
    connectedBy: text("connected_by").notNull(),
    connectedByEmail: text("connected_by_email").notNull(),
    connectedAt: timestamp("connected_at").notNull(),
    /** Validated by the provider's zod schema before it is written. */
    config: json<Record<string, unknown>>("config")
      .notNull()
      .$defaultFn(() => ({})),
    /** When the access token in KV expires (refresh ahead of it); null when it does not. */
    tokenExpiresAt: timestamp("token_expires_at"),
    /** Bumped with every refresh; the KV entry carries the version it was saved as (ADR 0082). */
    credentialsVersion: integer("credentials_version").notNull().default(0),
    /** Until when one refresher holds the right to spend the refresh token; null when nobody does. */
    refreshClaimedUntil: timestamp("refresh_claimed_until"),
    lastError: text("last_error"),
    lastErrorAt: timestamp("last_error_at"),
    lastSuccessAt: timestamp("last_success_at"),
    updatedAt: timestamp("updated_at")
      .notNull()
      .$defaultFn(() => new Date()),
    /** Non-secret provider facts the credential needs (Salesforce instance_url, Zendesk subdomain). */
    context: json<Record<string, string>>("context").notNull().default({}),
  },
  (t) => [
    uniqueIndex("connections_company_provider_unique").on(t.companyId, t.provider),
    index("connections_provider_account_idx").on(t.provider, t.accountId),
    index("connections_token_expires_idx").on(t.tokenExpiresAt),
    index("connections_status_idx").on(t.status),
  ],
);

/**
 * Browser sessions (ADR 0083). `id` is the SHA-256 of the random token the signed cookie carries;
 * a row past `expires_at`, or unseen for the idle timeout, no longer opens anything.
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: id(),
    userId: text("user_id").notNull(),
    companyId: companyId(),
    createdAt: createdAt(),
    lastSeenAt: timestamp("last_seen_at").notNull(),
    expiresAt: timestamp("expires_at").notNull(),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: id(),
    companyId: companyId(),
    name: text("name").notNull(),
    /** "sk_live_" */
    prefix: text("prefix").notNull(),
    last4: text("last4").notNull(),
    /** hex SHA-256 of the full key: the only form of the key that is stored. */
    hash: text("hash").notNull(),
    scopes: json<ApiScope[]>("scopes").notNull(),
    /** "default" | "custom" | an integration's provider id (ApiKeyKind): what created it, for the UI. */
    kind: text("kind").notNull().default("custom"),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp("last_used_at"),
    expiresAt: timestamp("expires_at"),
    revokedAt: timestamp("revoked_at"),
    /** Set on the old key when it was regenerated: the key that replaced it. */
    replacedBy: text("replaced_by"),
  },
  (t) => [uniqueIndex("api_keys_hash_unique").on(t.hash), index("api_keys_company_idx").on(t.companyId)],
);

/**
 * The /v1 key check of a batch that writes (migration 0130, ADR 0045): an INSERT into this view
 * aborts the whole batch (its INSTEAD OF trigger) unless the key is still valid. Never read.
 */
export const apiKeyGuard = sqliteView("api_key_guard", {
  keyId: text("key_id"),
  keyHash: text("key_hash"),
  scopes: text("scopes"),
  kind: text("kind"),
  at: integer("at"),
}).existing();

export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: id(),
    companyId: companyId(),
    url: text("url").notNull(),
    description: text("description").notNull().default(""),
    events: json<WebhookEventType[]>("events").notNull(),
    status: text("status", { enum: ["active", "disabled"] })
      .notNull()
      .default("active"),
    disabledReason: text("disabled_reason"),
    disabledAt: timestamp("disabled_at"),
    source: text("source", { enum: endpointSources }).notNull().default("user"),
    /** AES-GCM ciphertext of the whsec_ secret (see security/encryption). */
    secretEnc: text("secret_enc").notNull(),
    previousSecretEnc: text("previous_secret_enc"),
    previousSecretExpiresAt: timestamp("previous_secret_expires_at"),
    /** The secret before the previous one, while a second rotation's overlap still honours it. */
    olderSecretEnc: text("older_secret_enc"),
    olderSecretExpiresAt: timestamp("older_secret_expires_at"),
    /** Start of the current unbroken run of failures; cleared by one success. */
    failingSince: timestamp("failing_since"),
    /** The latest failed attempt; a gap over FAILURE_GAP_MS between failures restarts failing_since. */
    lastFailureAt: timestamp("last_failure_at"),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at")
      .notNull()
      .$defaultFn(() => new Date()),
  },
  (t) => [index("webhook_endpoints_company_idx").on(t.companyId), index("webhook_endpoints_failing_idx").on(t.failingSince)],
);

/** The outbox and the event log. */
/** An event's place in commit order, computed inside its INSERT (see events.seq). */
export const nextEventSeq = sql<number>`(SELECT coalesce(max(seq), 0) + 1 FROM events)`;

export const events = sqliteTable(
  "events",
  {
    id: id(),
    companyId: companyId(),
    type: text("type", { enum: eventTypes }).notNull(),
    payload: json<Record<string, unknown>>("payload").notNull(),
    performedBy: json<PerformedBy>("performed_by").notNull(),
    createdAt: createdAt(),
    dispatchedAt: timestamp("dispatched_at"),
    /** While in the future, one events consumer holds this event's fan-out (a claim). */
    dispatchLeaseUntil: timestamp("dispatch_lease_until"),
    dispatchAttempts: integer("dispatch_attempts").notNull().default(0),
    /** Last time the outbox sweeper re-sent it. */
    sweptAt: timestamp("swept_at"),
    /** How many times the outbox sweeper re-sent it (it gives up at MAX_OUTBOX_SWEEPS). */
    sweeps: integer("sweeps").notNull().default(0),
    /** Not re-sent before this (the sweeper's backoff); null: as soon as it is stale. */
    nextSweepAt: timestamp("next_sweep_at"),
    /** Why the fan-out was given up (set with dispatched_at when the consumer's or the sweeper's bound was reached). */
    dispatchError: text("dispatch_error"),
    /**
     * Commit order: max(seq) + 1, computed inside the INSERT (`nextEventSeq`, every drizzle insert
     * gets it by default; raw SQL inserts name it). D1 runs writes one at a time, so /v1/events
     * lists events in the order their changes committed (docs/decisions/0062-event-commit-order.md).
     */
    seq: integer("seq").$defaultFn(() => nextEventSeq),
  },
  (t) => [
    index("events_company_created_idx").on(t.companyId, t.createdAt),
    index("events_undispatched_idx").on(t.dispatchedAt),
    uniqueIndex("events_seq_unique").on(t.seq),
    index("events_company_seq_idx").on(t.companyId, t.seq),
    index("events_company_type_seq_idx").on(t.companyId, t.type, t.seq),
    index("events_outbox_sweep_idx").on(t.dispatchedAt, t.sweeps, t.createdAt),
  ],
);

export const deliveries = sqliteTable(
  "deliveries",
  {
    id: id(),
    companyId: companyId(),
    eventId: text("event_id").notNull(),
    /** "webhook" (target_id = endpoint id) or "integration" (target_id = connection provider, e.g. slack). */
    targetKind: text("target_kind", { enum: ["webhook", "integration"] }).notNull(),
    targetId: text("target_id").notNull(),
    status: text("status", { enum: deliveryStatuses }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at"),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    lastAttemptAt: timestamp("last_attempt_at"),
    lastDurationMs: integer("last_duration_ms"),
    /** The retry chain: Resend and Replay start a new one, so messages of an older run are stale. */
    run: integer("run").notNull().default(0),
    /** While in the future, one consumer holds this delivery's next attempt (a claim). */
    leaseUntil: timestamp("lease_until"),
    /** Sweeper re-sends since the last recorded attempt (bounded, see webhooks/sweeper). */
    sweeps: integer("sweeps").notNull().default(0),
    /** Times the current attempt was put off (not made, not counted) while another held what it needs. */
    deferrals: integer("deferrals").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at")
      .notNull()
      .$defaultFn(() => new Date()),
    /** Integration deliveries: what the last attempt did, in plain words, and the remote record. */
    summary: text("summary"),
    remoteUrl: text("remote_url"),
  },
  (t) => [
    uniqueIndex("deliveries_event_target_unique").on(t.eventId, t.targetKind, t.targetId),
    index("deliveries_target_idx").on(t.companyId, t.targetKind, t.targetId, t.createdAt),
    index("deliveries_target_recent_idx").on(t.companyId, t.targetKind, t.targetId, t.id),
    index("deliveries_pending_due_idx").on(t.status, t.nextAttemptAt),
    index("deliveries_updated_idx").on(t.updatedAt),
  ],
);

export const deliveryAttempts = sqliteTable(
  "delivery_attempts",
  {
    id: id(),
    companyId: companyId(),
    deliveryId: text("delivery_id").notNull(),
    n: integer("n").notNull(),
    at: timestamp("at").notNull(),
    durationMs: integer("duration_ms").notNull(),
    statusCode: integer("status_code"),
    /** Request headers as sent (signatures included: they are not secrets). */
    requestHeaders: json<Record<string, string>>("request_headers"),
    /** ≤ 1 KB of the response body. */
    responseExcerpt: text("response_excerpt"),
    error: text("error"),
  },
  (t) => [uniqueIndex("delivery_attempts_delivery_n_unique").on(t.deliveryId, t.n), index("delivery_attempts_at_idx").on(t.at)],
);

/**
 * Attempts per webhook endpoint and UTC hour, for the 24-hour sparklines. Written only by triggers
 * (migrations/0190_endpoint_hourly.sql: one per attempt inserted, one when an endpoint is deleted);
 * hours older than two days are purged by the retention cron.
 */
export const endpointHourly = sqliteTable(
  "endpoint_hourly",
  {
    endpointId: text("endpoint_id").notNull(),
    companyId: companyId(),
    /** Start of the UTC hour, ms since the epoch. */
    hour: integer("hour").notNull(),
    ok: integer("ok").notNull().default(0),
    total: integer("total").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.endpointId, t.hour] }),
    index("endpoint_hourly_company_hour_idx").on(t.companyId, t.hour),
    index("endpoint_hourly_hour_idx").on(t.hour),
  ],
);

export const conversations = sqliteTable(
  "conversations",
  {
    id: id(),
    companyId: companyId(),
    channel: text("channel", { enum: conversationChannels }).notNull(),
    status: text("status", { enum: conversationStatuses }).notNull().default("open"),
    /** A contact has an email, an E.164 phone (WhatsApp), or both: never neither (CHECK). */
    contactEmail: text("contact_email"),
    contactPhone: text("contact_phone"),
    contactName: text("contact_name"),
    /** The contact agreed to marketing email: only then is it sent to Mailchimp or ActiveCampaign. */
    contactMarketingConsent: integer("contact_marketing_consent", { mode: "boolean" }).notNull().default(false),
    subject: text("subject"),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at")
      .notNull()
      .$defaultFn(() => new Date()),
    closedAt: timestamp("closed_at"),
    escalatedAt: timestamp("escalated_at"),
    /** Short key/value pairs from the widget or API client (`ga_client_id`, `segment_anonymous_id`). */
    metadata: json<Record<string, string>>("metadata").notNull().default({}),
  },
  (t) => [
    index("conversations_company_idx").on(t.companyId, t.id),
    index("conversations_company_phone_idx").on(t.companyId, t.contactPhone, t.status),
    check("conversations_contact_check", sql`${t.contactEmail} IS NOT NULL OR ${t.contactPhone} IS NOT NULL`),
  ],
);

/** Attachment metadata (never the content). WhatsApp media carry Meta's media id instead of a size. */
export type AttachmentMeta = {
  filename: string | null;
  mimeType: string;
  size: number | null;
  kind?: string;
  mediaId?: string;
  sha256?: string | null;
};

export const messages = sqliteTable(
  "messages",
  {
    id: id(),
    companyId: companyId(),
    conversationId: text("conversation_id").notNull(),
    direction: text("direction", { enum: ["inbound", "outbound"] }).notNull(),
    authorKind: text("author_kind", { enum: authorKinds }).notNull(),
    authorName: text("author_name"),
    body: text("body").notNull(),
    /** Where it came from: api | email | slack | widget. */
    source: text("source").notNull(),
    /** Email Message-ID or Slack ts: used for threading and dedupe. */
    externalId: text("external_id"),
    attachments: json<AttachmentMeta[]>("attachments"),
    createdAt: createdAt(),
    /** Outbound through a customer channel: the channel's id for it (WhatsApp wamid) and its last status. */
    channelMessageId: text("channel_message_id"),
    channelStatus: text("channel_status", { enum: channelStatuses }),
    channelStatusAt: timestamp("channel_status_at"),
    channelError: text("channel_error"),
  },
  (t) => [
    index("messages_conversation_idx").on(t.conversationId, t.id),
    uniqueIndex("messages_external_unique").on(t.companyId, t.source, t.externalId),
    index("messages_company_source_idx").on(t.companyId, t.source, t.direction, t.id),
    uniqueIndex("messages_channel_message_unique").on(t.companyId, t.channelMessageId),
  ],
);

export const slackThreads = sqliteTable(
  "slack_threads",
  {
    conversationId: text("conversation_id").primaryKey(),
    companyId: companyId(),
    /** Null while the row is a claim: the delivery named by claimedBy is posting the parent message. */
    channel: text("channel"),
    threadTs: text("thread_ts"),
    claimedBy: text("claimed_by"),
    claimedAt: timestamp("claimed_at"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("slack_threads_channel_ts_unique").on(t.companyId, t.channel, t.threadTs)],
);

/** The daily summary, claimed once per company and local day (posted_at null while the post is under way). */
export const slackSummaries = sqliteTable(
  "slack_summaries",
  {
    companyId: companyId(),
    /** The local date the summary was posted on (YYYY-MM-DD, the company's timezone). */
    day: text("day").notNull(),
    connectionId: text("connection_id").notNull(),
    claimedAt: timestamp("claimed_at").notNull(),
    postedAt: timestamp("posted_at"),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.day] }), index("slack_summaries_claimed_idx").on(t.claimedAt)],
);

/** Dedupe of inbound provider callbacks (Slack event_id, email Message-ID, …). */
export const inboundReceipts = sqliteTable(
  "inbound_receipts",
  {
    source: text("source").notNull(),
    externalId: text("external_id").notNull(),
    companyId: text("company_id"),
    receivedAt: timestamp("received_at").notNull(),
    /** The callback's body, held until its queue message is processed (then cleared). */
    payload: text("payload"),
  },
  (t) => [primaryKey({ columns: [t.source, t.externalId] })],
);

/**
 * Queue messages a queue gave up on (its dead-letter queue's consumer writes them here), for an
 * operator to list and replay with scripts/dlq.mjs (docs/decisions/0060-queues-and-dead-letters.md).
 * Not a tenant table: a message names ids only, never a company's data.
 */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    /** The queue's message id (a redelivered dead letter is stored once). */
    id: text("id").primaryKey(),
    /** The queue the message was meant for (the dead-letter queue's name without "-dlq"). */
    queue: text("queue").notNull(),
    /** What the message carried: "event", "inbound", "delivery", or "unreadable". */
    kind: text("kind").notNull(),
    /** The id it names (event, delivery, inbound receipt), for listing. */
    ref: text("ref"),
    body: text("body").notNull(),
    attempts: integer("attempts").notNull(),
    receivedAt: timestamp("received_at").notNull(),
    replayRequestedAt: timestamp("replay_requested_at"),
    replayedAt: timestamp("replayed_at"),
  },
  (t) => [index("dead_letters_received_idx").on(t.receivedAt), index("dead_letters_replay_idx").on(t.replayRequestedAt, t.replayedAt)],
);

/**
 * External references (architecture.md §5b): our record → the provider's record. A row whose remoteId is
 * null is a claim (claimedBy = the delivery creating it), so racing events create one remote record.
 */
export const externalRefs = sqliteTable(
  "external_refs",
  {
    companyId: companyId(),
    provider: text("provider").notNull(),
    kind: text("kind").notNull(),
    localId: text("local_id").notNull(),
    remoteId: text("remote_id"),
    remoteUrl: text("remote_url"),
    claimedBy: text("claimed_by"),
    claimedAt: timestamp("claimed_at"),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at")
      .notNull()
      .$defaultFn(() => new Date()),
  },
  (t) => [
    primaryKey({ columns: [t.companyId, t.provider, t.kind, t.localId] }),
    index("external_refs_remote_idx").on(t.companyId, t.provider, t.kind, t.remoteId),
  ],
);

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: id(),
    companyId: companyId(),
    /** { type: "user" | "api_key" | "system", id, label } */
    actor: json<{ type: string; id: string | null; label: string | null }>("actor").notNull(),
    action: text("action").notNull(),
    target: text("target"),
    /** Secrets redacted before they get here (see audit.redact). */
    details: json<Record<string, unknown>>("details"),
    ip: text("ip"),
    at: timestamp("at").notNull(),
  },
  (t) => [index("audit_log_company_at_idx").on(t.companyId, t.at), index("audit_log_at_idx").on(t.at)],
);

/**
 * One row per actor that has written a company's audit rows (its latest label, when it last acted),
 * kept by a trigger on audit_log (migration 0191): the audit page's "Who" filter reads this.
 */
export const auditActors = sqliteTable(
  "audit_actors",
  {
    companyId: companyId(),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id").notNull(),
    label: text("label"),
    /** ms since the epoch */
    lastAt: integer("last_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.actorType, t.actorId] }), index("audit_actors_last_at_idx").on(t.lastAt)],
);

/** "Verify my receiver" runs (issue 18): three synthetic deliveries each, never in the delivery log. */
export const receiverChecks = sqliteTable(
  "receiver_checks",
  {
    id: id(),
    companyId: companyId(),
    endpointId: text("endpoint_id").notNull(),
    /** The endpoint's URL when it was checked. */
    url: text("url").notNull(),
    passed: integer("passed", { mode: "boolean" }).notNull(),
    checks: json<{ name: string; passed: boolean; status: number | null; detail: string }[]>("checks").notNull(),
    /** Who ran it (a user's email or an API key's name). */
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("receiver_checks_endpoint_idx").on(t.companyId, t.endpointId, t.createdAt)],
);

/** Replays of an endpoint's deliveries to another URL (issue 18): the endpoint's own log is untouched. */
export const webhookReplays = sqliteTable(
  "webhook_replays",
  {
    id: id(),
    companyId: companyId(),
    endpointId: text("endpoint_id").notNull(),
    url: text("url").notNull(),
    /** One delivery, or a created_at range of the endpoint's deliveries. */
    deliveryId: text("delivery_id"),
    rangeFrom: timestamp("range_from"),
    rangeTo: timestamp("range_to"),
    total: integer("total").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("webhook_replays_endpoint_idx").on(t.companyId, t.endpointId, t.createdAt)],
);

/** One event of a replay: a single signed POST to the replay's URL, never retried. */
export const webhookReplaySends = sqliteTable(
  "webhook_replay_sends",
  {
    id: id(),
    companyId: companyId(),
    replayId: text("replay_id").notNull(),
    eventId: text("event_id").notNull(),
    status: text("status", { enum: deliveryStatuses }).notNull().default("pending"),
    statusCode: integer("status_code"),
    error: text("error"),
    durationMs: integer("duration_ms"),
    attemptedAt: timestamp("attempted_at"),
    /** While in the future, one consumer holds this send. */
    leaseUntil: timestamp("lease_until"),
    /** Times the cron sweeper re-queued it (a lost queue message); bounded. */
    sweeps: integer("sweeps").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    index("webhook_replay_sends_replay_idx").on(t.replayId),
    index("webhook_replay_sends_pending_idx").on(t.status, t.createdAt),
    index("webhook_replay_sends_event_idx").on(t.eventId),
  ],
);

/**
 * Health alerts (issue 18 item 4, ADR 0110): one row per company and problem, open while
 * `resolvedAt` is null. `lastNotifiedDay` (YYYY-MM-DD, UTC) is claimed by a conditional UPDATE before
 * the admins are told, so a problem is notified at most once a day however many runs see it.
 */
export const healthAlerts = sqliteTable(
  "health_alerts",
  {
    companyId: companyId(),
    /** `${kind}:${subject}`, e.g. "connection:hubspot", "endpoint_failing:whe_…". */
    problemKey: text("problem_key").notNull(),
    kind: text("kind", { enum: alertKinds }).notNull(),
    /** A provider id or an endpoint id. */
    subject: text("subject").notNull(),
    /** Why, in plain words and secret-free (the connection's last error, the refusal reason). */
    detail: text("detail"),
    openedAt: timestamp("opened_at").notNull(),
    resolvedAt: timestamp("resolved_at"),
    lastNotifiedDay: text("last_notified_day"),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.problemKey] }), index("health_alerts_open_idx").on(t.resolvedAt, t.companyId)],
);

/**
 * `Idempotency-Key` on a /v1 POST or PATCH (ADR 0173): one row per company and key, claimed before the
 * route runs ("running", held until locked_until), then "done" with the route's 2xx answer sealed in
 * response_enc (AES-GCM, like webhook secrets: an answer may carry one). A key is kept 24 hours.
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    companyId: companyId(),
    key: text("key").notNull(),
    /** SHA-256 (hex) of the method, the path and the body's bytes. */
    fingerprint: text("fingerprint").notNull(),
    apiKeyId: text("api_key_id").notNull(),
    status: text("status", { enum: ["running", "done"] }).notNull(),
    responseStatus: integer("response_status"),
    responseEnc: text("response_enc"),
    createdAt: timestamp("created_at").notNull(),
    /** While "running": after this another request with the same key and body may take it over. */
    lockedUntil: timestamp("locked_until").notNull(),
    expiresAt: timestamp("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.key] }), index("idempotency_keys_expires_idx").on(t.expiresAt)],
);
