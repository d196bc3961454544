import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CATALOG } from "~/lib/integrations/catalog";
import { credentialsKey } from "~/lib/oauth/token-store.server";
import { aad, decryptSecret, keyringFromEnv } from "~/lib/security/encryption";
import { type BrowserClient, signIn } from "../helpers/browser-client";
import { ACME, GLOBEX } from "../helpers/seed";
import { installFakeProviders } from "./fake-provider";

afterEach(async () => {
  vi.unstubAllGlobals();
  await env.DB.prepare("DELETE FROM connections").run();
  await env.DB.prepare("DELETE FROM audit_log").run();
});

async function startConnect(client: BrowserClient, provider: string) {
  const res = await client.post(`/integrations/${provider}/connect`, { intent: "oauth" });
  expect(res.status).toBe(302);
  return new URL(res.headers.get("Location")!);
}

const connection = (provider: string, companyId = ACME.id) =>
  env.DB.prepare("SELECT * FROM connections WHERE company_id = ? AND provider = ?")
    .bind(companyId, provider)
    .first<Record<string, unknown>>();
const auditRows = (action: string) =>
  env.DB.prepare("SELECT * FROM audit_log WHERE action = ?").bind(action).all<Record<string, unknown>>();

describe("PKCE wherever the provider's OAuth server supports it (ADR 0082)", () => {
  it("every OAuth provider's PKCE setting is the one its documentation supports", () => {
    const withPkce = Object.values(CATALOG)
      .filter((p) => "oauth" in p && p.oauth)
      .map((p) => [p.id, (p as { oauth: { pkce: boolean } }).oauth.pkce] as const);
    expect(Object.fromEntries(withPkce)).toEqual({
      salesforce: true,
      hubspot: true,
      pipedrive: false, // authorize takes client_id, redirect_uri, state only
      slack: false, // only by making the app a public client
      discord: true,
      mailchimp: false, // no PKCE in Mailchimp's OAuth 2
    });
  });

  it("HubSpot's token request carries the verifier of the challenge it was sent", async () => {
    const fake = installFakeProviders();
    const john = await signIn(ACME.adminEmail);
    const auth = await startConnect(john, "hubspot");
    const cb = await john.get(`/integrations/hubspot/callback?code=good-code&state=${auth.searchParams.get("state")}`);
    expect(cb.status).toBe(302);
    const verifier = new URLSearchParams(fake.tokenCalls()[0]!.body).get("code_verifier")!;
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
    const challenge = btoa(String.fromCharCode(...digest))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    expect(challenge).toBe(auth.searchParams.get("code_challenge"));
  });
});

describe("reconnecting revokes the token it replaces", () => {
  it("Salesforce: the old refresh token is revoked after the new one is saved; the new one is not", async () => {
    const fake = installFakeProviders();
    const john = await signIn(ACME.adminEmail);
    for (let i = 0; i < 2; i++) {
      const auth = await startConnect(john, "salesforce");
      expect((await john.get(`/integrations/salesforce/callback?code=c${i}&state=${auth.searchParams.get("state")}`)).status).toBe(302);
    }
    expect(fake.tokenCalls()).toHaveLength(2); // the fake issued rt-secret-1, then rt-secret-2
    const revoked = fake.revokeCalls().map((c) => new URLSearchParams(c.body).get("token"));
    expect(revoked).toEqual(["rt-secret-1"]);
    const row = await connection("salesforce");
    const plain = JSON.parse(
      await decryptSecret(
        await keyringFromEnv(env),
        (await env.KV.get(credentialsKey(row!.id as string)))!,
        aad(ACME.id, row!.id as string),
      ),
    );
    expect(plain.refreshToken).toBe("rt-secret-2");
    expect((await auditRows("integration.reconnected")).results).toHaveLength(1);
  });

  it("Slack: the old bot token is revoked with auth.revoke, the new one is kept", async () => {
    const fake = installFakeProviders();
    const john = await signIn(ACME.adminEmail);
    for (let i = 0; i < 2; i++) {
      const auth = await startConnect(john, "slack");
      expect((await john.get(`/integrations/slack/callback?code=s${i}&state=${auth.searchParams.get("state")}`)).status).toBe(302);
    }
    const revokes = fake.revokeCalls();
    expect(revokes.map((c) => c.authorization)).toEqual(["Bearer xoxb-fake-1"]);
  });
});

describe("OAuth connect", () => {
  it("Connect is a POST that redirects to the provider with state and PKCE S256 where the provider supports it", async () => {
    installFakeProviders();
    const john = await signIn(ACME.adminEmail);
    const sf = await startConnect(john, "salesforce");
    expect(sf.origin).toBe("https://salesforce.fake.test");
    expect(sf.pathname).toBe("/services/oauth2/authorize");
    expect(sf.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(sf.searchParams.get("code_challenge_method")).toBe("S256");
    expect(sf.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sf.searchParams.get("redirect_uri")).toBe("http://localhost/integrations/salesforce/callback");
    const hs = await startConnect(john, "hubspot");
    expect(hs.searchParams.get("code_challenge_method")).toBe("S256");
    expect(hs.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const slack = await startConnect(john, "slack");
    expect(slack.searchParams.get("code_challenge")).toBeNull();
    expect(slack.searchParams.get("scope")).toBe("chat:write,channels:read,groups:read,channels:history,groups:history,users:read");
  });

  it("a valid callback stores the tokens encrypted in KV, writes the connection and exactly one audit row without secrets, then shows success", async () => {
    const fake = installFakeProviders();
    const john = await signIn(ACME.adminEmail);
    const auth = await startConnect(john, "salesforce");
    const cb = await john.get(`/integrations/salesforce/callback?code=good-code&state=${auth.searchParams.get("state")}`);
    expect(cb.status).toBe(302);
    expect(cb.headers.get("Location")).toBe("/integrations/salesforce/connected");

    const [tokenCall] = fake.tokenCalls();
    const sent = new URLSearchParams(tokenCall!.body);
    expect(sent.get("grant_type")).toBe("authorization_code");
    expect(sent.get("code_verifier")).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(tokenCall!.authorization).toBe(`Basic ${btoa("sf-client:sf-secret")}`);

    const row = await connection("salesforce");
    expect(row).toMatchObject({
      status: "connected",
      account_label: "john@acme.sf",
      account_id: "00DACME",
      connected_by_email: ACME.adminEmail,
    });
    expect(JSON.stringify(row)).not.toContain("at-secret");

    const sealed = await env.KV.get(credentialsKey(row!.id as string));
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain("at-secret");
    expect(atob(sealed!.split(".")[3]!)).not.toContain("at-secret");
    const ring = await keyringFromEnv(env);
    const plain = JSON.parse(await decryptSecret(ring, sealed!, aad(ACME.id, row!.id as string)));
    expect(plain.accessToken).toMatch(/^at-secret-/);
    await expect(decryptSecret(ring, sealed!, aad(GLOBEX.id, row!.id as string))).rejects.toThrow();
    await expect(decryptSecret(ring, sealed!, aad(ACME.id, "conn_other"))).rejects.toThrow();

    const audits = await auditRows("integration.connected");
    expect(audits.results).toHaveLength(1);
    expect(JSON.stringify(audits.results[0])).not.toMatch(/secret|at-secret|rt-secret/);

    const success = await john.get("/integrations/salesforce/connected");
    expect(success.status).toBe(200);
    const html = (await success.text()).replaceAll("<!-- -->", "");
    expect(html).toContain("Successfully connected to Salesforce!");
    expect(html).toContain("Configure Settings");
    const list = await (await john.get("/integrations")).text();
    expect(list).toContain("Connected Integrations (1)");
    expect(list).toContain("Account: john@acme.sf");
    // SALESFORCE_BASE points away from login.salesforce.com, so the card says so.
    expect(list).toContain(">Sandbox</span>");
  });

  it("a callback without a state is a 400 and no token request is made", async () => {
    const fake = installFakeProviders();
    const john = await signIn(ACME.adminEmail);
    await startConnect(john, "salesforce");
    const res = await john.get("/integrations/salesforce/callback?code=good-code");
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Try again");
    expect(fake.tokenCalls()).toHaveLength(0);
    expect(await connection("salesforce")).toBeNull();
  });

  it("a state that was never issued (mismatched) is a 400 and no token request is made", async () => {
    const fake = installFakeProviders();
    const john = await signIn(ACME.adminEmail);
    await startConnect(john, "salesforce");
    const res = await john.get("/integrations/salesforce/callback?code=good-code&state=forged-state-value-1234567890");
    expect(res.status).toBe(400);
    expect(fake.tokenCalls()).toHaveLength(0);
  });

  it("a state older than ten minutes is a 400 and no token request is made", async () => {
    const fake = installFakeProviders();
    const john = await signIn(ACME.adminEmail);
    const user = await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(ACME.adminEmail).first<{ id: string }>();
    const old = {
      provider: "salesforce",
      userId: user!.id,
      companyId: ACME.id,
      codeVerifier: "v".repeat(43),
      createdAt: Date.now() - 11 * 60 * 1000,
    };
    await env.KV.put("oauth_state:old-state-abcdefghijklmnop", JSON.stringify(old));
    const res = await john.get("/integrations/salesforce/callback?code=good-code&state=old-state-abcdefghijklmnop");
    expect(res.status).toBe(400);
    expect(fake.tokenCalls()).toHaveLength(0);
    expect(await env.KV.get("oauth_state:old-state-abcdefghijklmnop")).toBeNull();
  });

  it("a state used once cannot be used again: the replay is a 400 and makes no second token request", async () => {
    const fake = installFakeProviders();
    const john = await signIn(ACME.adminEmail);
    const state = (await startConnect(john, "salesforce")).searchParams.get("state");
    expect((await john.get(`/integrations/salesforce/callback?code=good-code&state=${state}`)).status).toBe(302);
    const replay = await john.get(`/integrations/salesforce/callback?code=good-code&state=${state}`);
    expect(replay.status).toBe(400);
    expect(fake.tokenCalls()).toHaveLength(1);
    expect((await auditRows("integration.connected")).results).toHaveLength(1);
  });

  it("a state issued for Salesforce is refused at HubSpot's callback (400, no token request, state spent)", async () => {
    const fake = installFakeProviders();
    const john = await signIn(ACME.adminEmail);
    const state = (await startConnect(john, "salesforce")).searchParams.get("state");
    const res = await john.get(`/integrations/hubspot/callback?code=good-code&state=${state}`);
    expect(res.status).toBe(400);
    expect(fake.tokenCalls()).toHaveLength(0);
    expect(await connection("hubspot")).toBeNull();
  });

  it("a state issued to Acme's admin is refused when Globex's admin brings it back", async () => {
    const fake = installFakeProviders();
    const john = await signIn(ACME.adminEmail);
    const state = (await startConnect(john, "salesforce")).searchParams.get("state");
    const globex = await signIn(GLOBEX.adminEmail);
    const res = await globex.get(`/integrations/salesforce/callback?code=good-code&state=${state}`);
    expect(res.status).toBe(400);
    expect(fake.tokenCalls()).toHaveLength(0);
  });

  it("Deny at the provider shows a clear message with Try again and saves nothing", async () => {
    const fake = installFakeProviders();
    const john = await signIn(ACME.adminEmail);
    const state = (await startConnect(john, "salesforce")).searchParams.get("state");
    const res = await john.get(`/integrations/salesforce/callback?error=access_denied&state=${state}`);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("Access was not granted at Salesforce.");
    expect(html).toContain('href="/integrations/salesforce/connect"');
    expect(fake.tokenCalls()).toHaveLength(0);
    expect(await connection("salesforce")).toBeNull();
  });

  it("a token endpoint failure saves nothing: no connection, no KV entry, no audit row", async () => {
    installFakeProviders({ tokenStatus: 400 });
    const john = await signIn(ACME.adminEmail);
    const before = (await env.KV.list({ prefix: "conn_tokens:" })).keys.length;
    const state = (await startConnect(john, "salesforce")).searchParams.get("state");
    const res = await john.get(`/integrations/salesforce/callback?code=bad&state=${state}`);
    expect(res.status).toBe(502);
    expect(await res.text()).toContain("Nothing was saved.");
    expect(await connection("salesforce")).toBeNull();
    expect((await env.KV.list({ prefix: "conn_tokens:" })).keys).toHaveLength(before);
    expect((await auditRows("integration.connected")).results).toHaveLength(0);
  });

  it("Slack's install reads the workspace from oauth.v2.access", async () => {
    installFakeProviders();
    const john = await signIn(ACME.adminEmail);
    const state = (await startConnect(john, "slack")).searchParams.get("state");
    expect((await john.get(`/integrations/slack/callback?code=c&state=${state}`)).status).toBe(302);
    expect(await connection("slack")).toMatchObject({ account_label: "Acme Slack", account_id: "T1" });
  });

  it("an unknown provider is a 404 on connect and callback", async () => {
    const john = await signIn(ACME.adminEmail);
    expect((await john.get("/integrations/myspace/connect")).status).toBe(404);
    expect((await john.get("/integrations/myspace/callback?state=x&code=y")).status).toBe(404);
    expect((await john.post("/integrations/myspace/connect", { intent: "oauth" })).status).toBe(404);
  });
});
