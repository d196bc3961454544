/** Bindings and variables of the Worker (wrangler.toml [vars], .dev.vars, secrets). */
export interface Env {
  DB: D1Database;
  KV: KVNamespace;
  EVENTS: Queue<EventsMessage>;
  DELIVERIES: Queue<DeliveriesMessage>;
  ASSETS?: Fetcher;
  /** Per-API-key request counter (app/lib/api/rate-limiter-do.server.ts). */
  RATE_LIMITER?: DurableObjectNamespace;
  /** Sign-in attempt counters per account and per address (app/lib/auth/login-throttle-do.server.ts). */
  LOGIN_THROTTLE?: DurableObjectNamespace;

  /** "development" | "production" (default production: the safe side). */
  ENVIRONMENT?: string;
  /** Comma-separated, newest first: signs session cookies; older ones still verify. */
  SESSION_SECRETS?: string;
  /** Comma-separated "kid:base64(32 bytes)", newest first: encrypts tokens and webhook secrets. */
  ENCRYPTION_KEYS?: string;
  APP_BASE_URL?: string;
  API_BASE_URL?: string;
  INBOUND_EMAIL_DOMAIN?: string;
  WEBHOOK_ALLOW_PRIVATE?: string;
  WEBHOOK_RETRY_SCHEDULE?: string;
  API_RATE_LIMIT_PER_MINUTE?: string;
  /** "true" only in `npm run bench`'s Miniflare config: turns on /__bench/* and the D1 counter. */
  BENCH_ROUTES?: string;
  [key: string]: unknown;
}

/** Queue messages carry ids only: never payloads or secrets. */
export type EventsMessage = { eventId: string };
export type DeliveriesMessage = { deliveryId: string };

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
  const list = (env.SESSION_SECRETS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new Error("SESSION_SECRETS is not set");
  return list;
}
