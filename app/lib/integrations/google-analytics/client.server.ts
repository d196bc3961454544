/**
 * GA4's Measurement Protocol: `POST {GA4_COLLECT_BASE}/mp/collect?measurement_id=…&api_secret=…`
 * (2xx whatever it thinks of the hit: Google documents no error codes) and its validation server
 * `/debug/mp/collect`, which answers `{ validationMessages: [...] }` about the body. Google states
 * the validation server does not check the API secret. The secret is in the query: errors never
 * carry the URL (provider-http).
 */
import { type ClientDeps, type ErrorReader, field, providerBase, requestJson } from "../provider-http.server";

export type Ga4Credentials = { measurement_id: string; api_secret: string };
export type Ga4Event = { name: string; params: Record<string, string | number> };
export type Ga4Body = { client_id: string; timestamp_micros?: string; events: Ga4Event[] };
export type ValidationMessage = { fieldPath?: string; description?: string; validationCode?: string };

const readError: ErrorReader = (status, body) => ({ message: field(body, "error", "message") ?? `HTTP ${status}` });
type Deps = ClientDeps & { env: Record<string, unknown> };

function collectUrl(env: Record<string, unknown>, path: "/mp/collect" | "/debug/mp/collect", creds: Ga4Credentials): string {
  const base = providerBase(env, "GA4_COLLECT_BASE", "https://www.google-analytics.com");
  const query = new URLSearchParams({ measurement_id: creds.measurement_id, api_secret: creds.api_secret });
  return `${base}${path}?${query}`;
}

export async function collect(deps: Deps, creds: Ga4Credentials, body: Ga4Body): Promise<number> {
  return (
    await requestJson(
      deps,
      "Google Analytics",
      { method: "POST", url: collectUrl(deps.env, "/mp/collect", creds), headers: {}, body },
      readError,
    )
  ).status;
}

export async function validate(deps: Deps, creds: Ga4Credentials, body: Ga4Body): Promise<ValidationMessage[]> {
  const { data } = await requestJson<{ validationMessages?: ValidationMessage[] }>(
    deps,
    "Google Analytics",
    { method: "POST", url: collectUrl(deps.env, "/debug/mp/collect", creds), headers: {}, body },
    readError,
  );
  return Array.isArray(data?.validationMessages) ? data.validationMessages : [];
}
