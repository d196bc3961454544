/**
 * The one error type and JSON request helper the provider API clients share (HubSpot, Salesforce,
 * Pipedrive, Zendesk, Freshdesk). A client passes its own error reader, so every failure comes out
 * the same way: status, Retry-After, a secret-free message, and — for a provider's "duplicate"
 * answer — the id of the record that already exists.
 */
import { parseRetryAfter } from "../webhooks/retry";

export type Fetch = typeof fetch;
export type ClientDeps = { fetch: Fetch; signal?: AbortSignal; now?: () => Date };

export class ProviderApiError extends Error {
  readonly status: number | null;
  readonly retryAfterSeconds: number | null;
  /** The provider's machine-readable code (CONFLICT, DUPLICATES_DETECTED, RecordInvalid…). */
  readonly code: string | null;
  /** A duplicate answer names the record that already exists. */
  readonly duplicateId: string | null;
  constructor(
    message: string,
    init: { status: number | null; retryAfterSeconds?: number | null; code?: string | null; duplicateId?: string | null },
  ) {
    super(message.slice(0, 300));
    this.name = "ProviderApiError";
    this.status = init.status;
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
    this.code = init.code ?? null;
    this.duplicateId = init.duplicateId ?? null;
  }
  get unauthorized() {
    return this.status === 401;
  }
}

/** What a client reads out of a provider's error body. */
export type ErrorReading = { message: string; code?: string | null; duplicateId?: string | null };
export type ErrorReader = (status: number, body: unknown) => ErrorReading;

export type JsonRequest = {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  headers: Record<string, string>;
  body?: unknown;
};

/**
 * Sends one request and returns the parsed JSON (null for an empty body). Any non-2xx answer, a
 * network failure or a timeout throws ProviderApiError; the message never contains the URL's query
 * or the request headers, so a key sent as `?api_token=` cannot leak into logs or attempt rows.
 */
export async function requestJson<T>(
  deps: ClientDeps,
  provider: string,
  req: JsonRequest,
  readError: ErrorReader,
): Promise<{ status: number; data: T; headers: Headers }> {
  let res: Response;
  try {
    res = await deps.fetch(req.url, {
      method: req.method,
      headers: { Accept: "application/json", ...(req.body !== undefined ? { "Content-Type": "application/json" } : {}), ...req.headers },
      body: req.body !== undefined ? JSON.stringify(req.body) : undefined,
      redirect: "manual",
      signal: deps.signal,
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    throw new ProviderApiError(timedOut ? `${provider} did not answer in time.` : `${provider} could not be reached.`, { status: null });
  }
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text.slice(0, 300);
    }
  }
  if (res.status >= 200 && res.status < 300) return { status: res.status, data: data as T, headers: res.headers };
  const reading = safeRead(readError, res.status, data);
  throw new ProviderApiError(`${provider} answered ${res.status}: ${reading.message}`, {
    status: res.status,
    retryAfterSeconds: parseRetryAfter(res.headers.get("retry-after"), deps.now?.() ?? new Date()),
    code: reading.code ?? null,
    duplicateId: reading.duplicateId ?? null,
  });
}

function safeRead(readError: ErrorReader, status: number, body: unknown): ErrorReading {
  try {
    return readError(status, body);
  } catch {
    return { message: typeof body === "string" ? body : `HTTP ${status}` };
  }
}

/** A string field of an unknown JSON value, or null. */
export function field(value: unknown, ...path: (string | number)[]): string | null {
  let v: unknown = value;
  for (const key of path) v = v && typeof v === "object" ? (v as Record<string | number, unknown>)[key] : undefined;
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : null;
}

/**
 * A provider base URL from env (the sandbox sets it) or the real default; `{name}` placeholders
 * are filled from `vars` (a Zendesk subdomain, a Freshdesk domain), which must be host-safe.
 */
export function providerBase(env: Record<string, unknown>, name: string, fallback: string, vars: Record<string, string> = {}): string {
  const configured = env[name];
  const template = typeof configured === "string" && configured.trim() ? configured.trim() : fallback;
  return template
    .replace(/\{(\w+)\}/g, (_, key: string) => {
      const value = vars[key] ?? "";
      if (!/^[a-z0-9][a-z0-9.-]*$/i.test(value))
        throw new ProviderApiError(`The ${key} "${value.slice(0, 60)}" is not a valid host name.`, { status: null, code: "invalid_host" });
      return value.toLowerCase();
    })
    .replace(/\/+$/, "");
}
