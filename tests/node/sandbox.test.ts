import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CATALOG, providerBaseUrlVars } from "~/lib/integrations/catalog";
import {
  authorizationUrl,
  exchangeAuthorizationCode,
  fetchIdentity,
  ProviderError,
  refreshAccessToken,
  revokeToken,
} from "~/lib/oauth/client.server";
// @ts-ignore: plain JS script
import { start } from "../../scripts/sandbox.mjs";

type Sandbox = { env: Record<string, string>; url: string; close: () => Promise<void> };
let sandbox: Sandbox;
const deps = { fetch: (i: RequestInfo | URL, init?: RequestInit) => fetch(i, init), now: () => new Date() };
const redirectUri = "http://127.0.0.1:8787/integrations/salesforce/callback";

async function clickThrough(authUrl: URL, decision: "allow" | "deny") {
  const page = await fetch(authUrl);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain("Sandbox: authorize Integrations Hub for Acme?");
  const form = new URLSearchParams(authUrl.searchParams);
  form.set("__family", authUrl.pathname.split("/")[1]!);
  form.set("decision", decision);
  const res = await fetch(`${sandbox.url}/__sandbox/decide`, { method: "POST", body: form, redirect: "manual" });
  expect(res.status).toBe(302);
  return new URL(res.headers.get("location")!);
}

async function calls() {
  return ((await (await fetch(`${sandbox.url}/__sandbox/calls`)).json()) as { calls: Record<string, unknown>[] }).calls;
}

beforeAll(async () => {
  sandbox = await start({ appOrigin: "http://127.0.0.1:8787", port: 0 });
});
afterAll(async () => sandbox?.close());

describe("provider sandbox", () => {
  it("maps every provider base URL the catalog uses, and hands out sandbox client credentials", () => {
    for (const name of Object.keys(providerBaseUrlVars())) expect(sandbox.env[name], name).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(sandbox.env.SALESFORCE_CLIENT_ID).toBe("sandbox-salesforce-client");
    expect(sandbox.env.SALESFORCE_CLIENT_SECRET).toBeTruthy();
  });

  it("runs a real authorization-code flow with PKCE for Salesforce: consent page, code, token, identity, refresh, revoke", async () => {
    const spec = CATALOG.salesforce.oauth!;
    const url = authorizationUrl(spec, sandbox.env, { state: "state-123", codeVerifier: "v".repeat(50), redirectUri });
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    const back = await clickThrough(url, "allow");
    expect(back.origin + back.pathname).toBe(redirectUri);
    expect(back.searchParams.get("state")).toBe("state-123");
    const tokens = await exchangeAuthorizationCode(deps, spec, sandbox.env, {
      code: back.searchParams.get("code")!,
      codeVerifier: "v".repeat(50),
      redirectUri,
    });
    expect(tokens.accessToken).toBeTruthy();
    expect(tokens.expiresAt).toBeGreaterThan(Date.now());
    const who = await fetchIdentity(deps, spec, sandbox.env, tokens.accessToken);
    expect(who).toEqual({ id: "00DSANDBOX0000001", label: "john@acme.sandbox" });
    const fresh = await refreshAccessToken(deps, spec, sandbox.env, tokens.refreshToken ?? "r");
    expect(fresh.accessToken).toBeTruthy();
    expect(await revokeToken(deps, spec, sandbox.env, tokens.accessToken)).toBe(true);
    await expect(fetchIdentity(deps, spec, sandbox.env, tokens.accessToken)).rejects.toMatchObject({ status: 401 });
    const tokenCall = (await calls()).find((c) => c.kind === "token" && c.grantType === "authorization_code");
    expect(tokenCall).toMatchObject({ family: "salesforce", hasCodeVerifier: true, clientAuth: "basic" });
  });

  it("a Deny sends the browser back with error=access_denied and the state", async () => {
    const url = authorizationUrl(CATALOG.hubspot.oauth!, sandbox.env, { state: "s-deny", codeVerifier: null, redirectUri });
    const back = await clickThrough(url, "deny");
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("state")).toBe("s-deny");
  });

  it("installs Slack through oauth.v2.access and reads the team from the body; a bad code is an ok:false error", async () => {
    const spec = CATALOG.slack.oauth!;
    const url = authorizationUrl(spec, sandbox.env, { state: "s-slack", codeVerifier: null, redirectUri });
    expect(url.searchParams.get("scope")).toBe("chat:write,channels:read,groups:read,channels:history,groups:history,users:read");
    const back = await clickThrough(url, "allow");
    const tokens = await exchangeAuthorizationCode(deps, spec, sandbox.env, {
      code: back.searchParams.get("code")!,
      codeVerifier: null,
      redirectUri,
    });
    expect(tokens.account).toEqual({ id: "T0SANDBOX", label: "Acme Corp (Sandbox)" });
    const bad = exchangeAuthorizationCode(deps, spec, sandbox.env, { code: "", codeVerifier: null, redirectUri });
    await expect(bad).rejects.toBeInstanceOf(ProviderError);
  });
});

describe("provider sandbox refuses what a real provider refuses", () => {
  it("a code is single-use, bound to its redirect_uri, and needs the right PKCE verifier", async () => {
    const spec = CATALOG.salesforce.oauth!;
    const verifier = "w".repeat(50);
    const issue = async () =>
      (
        await clickThrough(authorizationUrl(spec, sandbox.env, { state: "s", codeVerifier: verifier, redirectUri }), "allow")
      ).searchParams.get("code")!;
    const wrongVerifier = exchangeAuthorizationCode(deps, spec, sandbox.env, {
      code: await issue(),
      codeVerifier: "x".repeat(50),
      redirectUri,
    });
    await expect(wrongVerifier).rejects.toMatchObject({ status: 400 });
    const wrongRedirect = exchangeAuthorizationCode(deps, spec, sandbox.env, {
      code: await issue(),
      codeVerifier: verifier,
      redirectUri: "http://127.0.0.1:1/evil",
    });
    await expect(wrongRedirect).rejects.toMatchObject({ status: 400 });
    const code = await issue();
    await exchangeAuthorizationCode(deps, spec, sandbox.env, { code, codeVerifier: verifier, redirectUri });
    await expect(exchangeAuthorizationCode(deps, spec, sandbox.env, { code, codeVerifier: verifier, redirectUri })).rejects.toMatchObject({
      status: 400,
    });
  });
});
