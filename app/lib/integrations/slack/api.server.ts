/**
 * A small Slack Web API client. Every call takes an injected `fetch` (tests answer in-process,
 * locally the sandbox answers on loopback) and the base URL comes from SLACK_API_BASE.
 * Slack answers HTTP 200 with `{ ok: false, error }` for most failures, and 429 with Retry-After
 * when rate limited: both become typed errors here.
 */
import { resolveProviderUrl } from "../../oauth/spec";
import { slack } from "../entries/communication";

export type Fetch = typeof fetch;
export type SlackDeps = { fetch: Fetch; env: Record<string, unknown>; signal?: AbortSignal };

/** Errors after which the token is useless: the connection needs to be reinstalled. */
export const AUTH_ERRORS = new Set(["invalid_auth", "token_revoked", "account_inactive", "not_authed", "token_expired", "missing_scope"]);

export class SlackApiError extends Error {
  constructor(
    readonly method: string,
    readonly code: string,
    readonly status: number | null,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(`Slack ${method} failed: ${code}`);
    this.name = "SlackApiError";
  }
  get rateLimited() {
    return this.code === "ratelimited";
  }
  get authFailed() {
    return AUTH_ERRORS.has(this.code);
  }
}

/** Slack's Retry-After is delta-seconds; without a readable one we wait 30 s (Slack's docs: "wait a bit"). */
export const DEFAULT_RETRY_AFTER_SECONDS = 30;
function retryAfterSeconds(header: string | null): number {
  const v = header?.trim() ?? "";
  return /^\d{1,6}$/.test(v) ? Number(v) : DEFAULT_RETRY_AFTER_SECONDS;
}

export function slackApiUrl(env: Record<string, unknown>, method: string): string {
  return `${resolveProviderUrl("{SLACK_API_BASE}", slack.oauth, env)}/${method}`;
}

/**
 * Calls one Web API method with the bot token. JSON body for writes (chat.*), form-encoded
 * otherwise (Slack's read methods take query-style arguments). Returns the parsed body when ok.
 */
export async function slackCall<T = Record<string, unknown>>(
  deps: SlackDeps,
  token: string,
  method: string,
  args: Record<string, unknown> = {},
): Promise<T & { ok: true }> {
  const json = method.startsWith("chat.");
  const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: "application/json" };
  let body: string;
  if (json) {
    headers["Content-Type"] = "application/json; charset=utf-8";
    body = JSON.stringify(args);
  } else {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(args)) if (v !== undefined && v !== null) form.set(k, String(v));
    body = form.toString();
  }
  let res: Response;
  try {
    res = await deps.fetch(slackApiUrl(deps.env, method), { method: "POST", headers, body, signal: deps.signal });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    throw new SlackApiError(method, timedOut ? "timeout" : "unreachable", null);
  }
  if (res.status === 429) {
    await res.body?.cancel();
    throw new SlackApiError(method, "ratelimited", 429, retryAfterSeconds(res.headers.get("retry-after")));
  }
  const text = await res.text();
  let data: Record<string, unknown> | null = null;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === "object") data = parsed as Record<string, unknown>;
  } catch {}
  if (!data) throw new SlackApiError(method, `http_${res.status}`, res.status);
  if (data.ok !== true)
    throw new SlackApiError(method, typeof data.error === "string" ? data.error.slice(0, 80) : "unknown_error", res.status);
  return data as T & { ok: true };
}
