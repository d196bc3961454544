import { env } from "cloudflare:test";
import { vi } from "vitest";

/**
 * Points Salesforce, HubSpot and Slack at fake hosts and answers their token, identity and revoke
 * calls through a stubbed global fetch (the Worker under SELF runs in this isolate). Every request
 * is recorded so tests can assert what did and did not reach the provider.
 */
export const FAKE_ENV = {
  SALESFORCE_BASE: "https://salesforce.fake.test",
  SALESFORCE_CLIENT_ID: "sf-client",
  SALESFORCE_CLIENT_SECRET: "sf-secret",
  HUBSPOT_BASE: "https://hubspot.fake.test",
  HUBSPOT_API_BASE: "https://api.hubspot.fake.test",
  HUBSPOT_CLIENT_ID: "hs-client",
  HUBSPOT_CLIENT_SECRET: "hs-secret",
  SLACK_OAUTH_BASE: "https://slack.fake.test",
  SLACK_API_BASE: "https://slack.fake.test/api",
  SLACK_CLIENT_ID: "slack-client",
  SLACK_CLIENT_SECRET: "slack-secret",
};

export type Recorded = { url: string; method: string; body: string; authorization: string | null };

export function installFakeProviders(opts: { identityStatus?: number; tokenStatus?: number } = {}) {
  Object.assign(env, FAKE_ENV);
  const calls: Recorded[] = [];
  let n = 0;
  const fake = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const body = req.method === "GET" ? "" : await req.text();
    calls.push({ url: req.url, method: req.method, body, authorization: req.headers.get("Authorization") });
    const url = new URL(req.url);
    const json = (data: unknown, status = 200) =>
      new Response(JSON.stringify(data), { status, headers: { "Content-Type": "application/json" } });
    if (url.pathname.endsWith("/oauth.v2.access")) {
      return json({ ok: true, access_token: `xoxb-fake-${++n}`, token_type: "bot", team: { id: "T1", name: "Acme Slack" } });
    }
    if (url.pathname.endsWith("/token")) {
      if (opts.tokenStatus && opts.tokenStatus !== 200) return json({ error: "invalid_grant" }, opts.tokenStatus);
      const tokens = { access_token: `at-secret-${++n}`, refresh_token: `rt-secret-${n}`, expires_in: 3600, token_type: "Bearer" };
      // Salesforce's token response names the org's own API host (instance_url), as the real one does.
      return json(url.hostname.includes("salesforce") ? { ...tokens, instance_url: `https://acme.my.salesforce.test` } : tokens);
    }
    if (url.pathname.endsWith("/revoke") || url.pathname.endsWith("/auth.revoke")) return json({ ok: true });
    if (url.pathname.endsWith("/userinfo")) {
      if (opts.identityStatus && opts.identityStatus !== 200) return json({ error: "invalid_token" }, opts.identityStatus);
      return json({ organization_id: "00DACME", preferred_username: "john@acme.sf" });
    }
    if (url.pathname.endsWith("/account-info/v3/details")) return json({ portalId: 77, uiDomain: "acme.hubspot.test" });
    return json({ error: "not_found" }, 404);
  });
  vi.stubGlobal("fetch", fake);
  return {
    calls,
    tokenCalls: () => calls.filter((c) => /\/token$|oauth\.v2\.access$/.test(new URL(c.url).pathname)),
    revokeCalls: () => calls.filter((c) => /revoke$/.test(new URL(c.url).pathname)),
  };
}

/** Runs the whole browser flow for an OAuth provider against the fakes. */
export async function connectViaOAuth(
  client: { post: (p: string, f: Record<string, string>) => Promise<Response>; get: (p: string) => Promise<Response> },
  provider: string,
) {
  const start = await client.post(`/integrations/${provider}/connect`, { intent: "oauth" });
  const state = new URL(start.headers.get("Location")!).searchParams.get("state");
  const done = await client.get(`/integrations/${provider}/callback?code=good-code&state=${state}`);
  if (done.status !== 302) throw new Error(`connect ${provider} failed with ${done.status}`);
}

export const html = async (res: Response) => (await res.text()).replaceAll("<!-- -->", "");
