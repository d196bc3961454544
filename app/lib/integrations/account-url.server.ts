/**
 * A provider URL the admin types (a WooCommerce store, an ActiveCampaign API URL) is a
 * server-side request target: it goes through the webhook URL guard (docs/architecture.md §7) when it is
 * entered and again, with the DNS check, before every call. Production: https on the default
 * port, public addresses only; loopback only in development with WEBHOOK_ALLOW_PRIVATE=true.
 */
import { checkResolvedHost, checkWebhookUrl, dohResolver, guardPolicy } from "../webhooks/url-guard";
import { ProviderApiError } from "./provider-http.server";

type GuardEnv = { ENVIRONMENT?: string; WEBHOOK_ALLOW_PRIVATE?: string };

/** The base URL (no query, no trailing slash) of what the admin typed, or why it is refused. */
export function checkAccountUrl(raw: string, env: GuardEnv): { ok: true; base: string } | { ok: false; reason: string } {
  const text = raw.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  const verdict = checkWebhookUrl(withScheme, guardPolicy(env));
  if (!verdict.ok) return verdict;
  if (verdict.url.search || verdict.url.hash) return { ok: false, reason: "Enter the address without a query (?…) or fragment (#…)." };
  return { ok: true, base: `${verdict.url.origin}${verdict.url.pathname}`.replace(/\/+$/, "") };
}

/** Before a call: the saved base URL passes the guard again and its host resolves to allowed addresses. */
export async function guardAccountUrl(base: string, env: GuardEnv, fetcher: typeof fetch): Promise<string> {
  const checked = checkAccountUrl(base, env);
  if (!checked.ok) throw new ProviderApiError(`Refused by the URL guard: ${checked.reason}`, { status: null, code: "invalid_host" });
  const resolved = await checkResolvedHost(new URL(checked.base), guardPolicy(env), dohResolver(fetcher));
  if (!resolved.ok) throw new ProviderApiError(`Refused by the URL guard: ${resolved.reason}`, { status: null, code: "invalid_host" });
  return checked.base;
}
