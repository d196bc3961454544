import { createExecutionContext, createScheduledController, env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDb } from "~/lib/db/client";
import {
  getAccessToken,
  NeedsReauthError,
  providerFetch,
  RefreshInProgressError,
  refreshExpiringTokens,
} from "~/lib/integrations/access.server";
import { loadCredentials } from "~/lib/oauth/token-store.server";
import { keyringFromEnv } from "~/lib/security/encryption";
import worker from "../../workers/app";
import { signIn } from "../helpers/browser-client";
import { ACME } from "../helpers/seed";
import { connectViaOAuth, FAKE_ENV, html, installFakeProviders } from "./fake-provider";

afterEach(async () => {
  vi.unstubAllGlobals();
  await env.DB.prepare("DELETE FROM connections").run();
});

async function connectedSalesforce() {
  installFakeProviders();
  const john = await signIn(ACME.adminEmail);
  await connectViaOAuth(john, "salesforce");
  vi.unstubAllGlobals();
  const row = await createDb(env.DB).query.connections.findFirst({ where: (c, { eq }) => eq(c.provider, "salesforce") });
  return { john, row: row! };
}

function recorder(status = 200, body: unknown = { access_token: "fresh-at", expires_in: 3600 }) {
  const calls: Request<unknown, CfProperties<unknown>>[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    calls.push(req.clone() as unknown as Request<unknown, CfProperties<unknown>>);
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  });
  return { calls, fetch: fetch as unknown as typeof globalThis.fetch };
}

const deps = (fetch: typeof globalThis.fetch, at: number) => ({
  db: createDb(env.DB),
  kv: env.KV,
  env: { ...env, ...FAKE_ENV },
  fetch,
  now: () => new Date(at),
});

describe("token refresh and needs_reauth", () => {
  it("a token far from expiry is used as is, without calling the provider", async () => {
    const { row } = await connectedSalesforce();
    const rec = recorder();
    const token = await getAccessToken(deps(rec.fetch, Date.now()), row);
    expect(token).toMatch(/^at-secret-/);
    expect(rec.calls).toHaveLength(0);
  });

  it("a token about to expire is refreshed first; the new one is stored encrypted and the old refresh token kept", async () => {
    const { row } = await connectedSalesforce();
    const rec = recorder();
    const almostExpired = row.tokenExpiresAt!.getTime() - 60_000;
    const token = await getAccessToken(deps(rec.fetch, almostExpired), row);
    expect(token).toBe("fresh-at");
    const sent = new URLSearchParams(await rec.calls[0]!.text());
    expect(rec.calls[0]!.url).toBe("https://salesforce.fake.test/services/oauth2/token");
    expect(sent.get("grant_type")).toBe("refresh_token");
    expect(sent.get("refresh_token")).toMatch(/^rt-secret-/);
    const creds = await loadCredentials({ kv: env.KV, ring: await keyringFromEnv(env) }, { companyId: ACME.id, connectionId: row.id });
    expect(creds).toMatchObject({ accessToken: "fresh-at", refreshToken: sent.get("refresh_token") });
    const updated = await createDb(env.DB).query.connections.findFirst({ where: (c, { eq }) => eq(c.id, row.id) });
    expect(updated!.tokenExpiresAt!.getTime()).toBe(almostExpired + 3600_000);
  });

  it("the cron job refreshes tokens that expire within ten minutes", async () => {
    const { row } = await connectedSalesforce();
    const rec = recorder();
    const result = await refreshExpiringTokens(deps(rec.fetch, row.tokenExpiresAt!.getTime() - 5 * 60_000));
    expect(result).toEqual({ refreshed: 1, failed: 0 });
    expect(rec.calls).toHaveLength(1);
    const none = await refreshExpiringTokens(deps(rec.fetch, Date.now()));
    expect(none).toEqual({ refreshed: 0, failed: 0 });
  });

  it("the scheduled handler runs the refresh job", async () => {
    await connectedSalesforce();
    const rec = recorder();
    vi.stubGlobal("fetch", rec.fetch);
    Object.assign(env, FAKE_ENV);
    const ctx = createExecutionContext();
    const farFuture = Date.now() + 3600_000 - 60_000;
    await worker.scheduled(createScheduledController({ scheduledTime: farFuture, cron: "* * * * *" }), env, ctx);
    expect(rec.calls.some((r) => r.url.endsWith("/services/oauth2/token"))).toBe(true);
  });

  it("a refused refresh marks the connection needs_reauth", async () => {
    const { row } = await connectedSalesforce();
    const rec = recorder(400, { error: "invalid_grant" });
    await expect(getAccessToken(deps(rec.fetch, row.tokenExpiresAt!.getTime()), row)).rejects.toBeInstanceOf(NeedsReauthError);
    const updated = await createDb(env.DB).query.connections.findFirst({ where: (c, { eq }) => eq(c.id, row.id) });
    expect(updated!.status).toBe("needs_reauth");
  });

  it("a provider 401 marks the connection needs_reauth and the card offers Reconnect", async () => {
    const { john, row } = await connectedSalesforce();
    const rec = recorder(401, { error: "invalid_token" });
    await expect(providerFetch(deps(rec.fetch, Date.now()), row, "https://salesforce.fake.test/services/data")).rejects.toBeInstanceOf(
      NeedsReauthError,
    );
    expect(rec.calls[0]!.headers.get("Authorization")).toMatch(/^Bearer at-secret-/);
    const page = await html(await john.get("/integrations"));
    expect(page).toContain("Needs reconnect");
    expect(page).toContain('href="/integrations/salesforce/connect">Reconnect</a>');
  });

  it("reconnecting a needs_reauth connection keeps its id and settings and makes it connected again", async () => {
    const { john, row } = await connectedSalesforce();
    await env.DB.prepare("UPDATE connections SET status = 'needs_reauth', config = ? WHERE id = ?")
      .bind(JSON.stringify({ record_type: "contact" }), row.id)
      .run();
    installFakeProviders();
    await connectViaOAuth(john, "salesforce");
    const again = await env.DB.prepare("SELECT id, status, config FROM connections WHERE provider = 'salesforce'").all();
    expect(again.results).toEqual([{ id: row.id, status: "connected", config: JSON.stringify({ record_type: "contact" }) }]);
  });
});

describe("the refresh lock: a rotating refresh token is never spent twice (ADR 0082)", () => {
  /** A provider that rotates refresh tokens: each one works once, a spent one is invalid_grant. */
  function rotatingProvider() {
    const spent = new Set<string>();
    const calls: string[] = [];
    let n = 0;
    const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const body = new URLSearchParams(await new Request(input, init).text());
      const presented = body.get("refresh_token") ?? "";
      calls.push(presented);
      await new Promise((r) => setTimeout(r, 20)); // a real round trip: the callers overlap
      const json = (data: unknown, status = 200) =>
        new Response(JSON.stringify(data), { status, headers: { "Content-Type": "application/json" } });
      if (spent.has(presented)) return json({ error: "invalid_grant", error_description: "token was already used" }, 400);
      spent.add(presented);
      n++;
      return json({ access_token: `rotated-at-${n}`, refresh_token: `rotated-rt-${n}`, expires_in: 3600 });
    });
    return { calls, fetch: fetch as unknown as typeof globalThis.fetch };
  }

  const status = async (id: string) =>
    (await env.DB.prepare("SELECT status, credentials_version, refresh_claimed_until FROM connections WHERE id = ?").bind(id).first())!;

  it("eight callers refreshing at once make one token request; all get a working token and the connection stays connected", async () => {
    const { row } = await connectedSalesforce();
    const provider = rotatingProvider();
    const almostExpired = row.tokenExpiresAt!.getTime() - 60_000;
    const tokens = await Promise.all(Array.from({ length: 8 }, () => getAccessToken(deps(provider.fetch, almostExpired), row)));
    expect(provider.calls).toHaveLength(1);
    for (const t of tokens) expect(t === "rotated-at-1" || /^at-secret-/.test(t)).toBe(true);
    expect(await status(row.id)).toMatchObject({ status: "connected", credentials_version: 2, refresh_claimed_until: null });
    const creds = await loadCredentials({ kv: env.KV, ring: await keyringFromEnv(env) }, { companyId: ACME.id, connectionId: row.id });
    expect(creds).toMatchObject({ accessToken: "rotated-at-1", refreshToken: "rotated-rt-1", version: 2 });
  });

  it("a caller still reading the credentials from before the last refresh never spends the old refresh token", async () => {
    const { row } = await connectedSalesforce();
    const ring = await keyringFromEnv(env);
    const ref = { companyId: ACME.id, connectionId: row.id };
    const before = await env.KV.get(`conn_tokens:${row.id}`);
    const provider = rotatingProvider();
    await getAccessToken(deps(provider.fetch, row.tokenExpiresAt!.getTime() - 60_000), row);
    expect(provider.calls).toHaveLength(1);
    // KV is eventually consistent: another location may still see the entry from before the refresh
    await env.KV.put(`conn_tokens:${row.id}`, before!);
    expect((await loadCredentials({ kv: env.KV, ring }, ref))!.version).toBe(1);
    const expired = row.tokenExpiresAt!.getTime() + 60_000;
    await expect(getAccessToken(deps(provider.fetch, expired), row)).rejects.toBeInstanceOf(RefreshInProgressError);
    expect(provider.calls).toHaveLength(1);
    expect(await status(row.id)).toMatchObject({ status: "connected", credentials_version: 2 });
  });

  it("a claim left by a refresher that died is taken over once it expires", async () => {
    const { row } = await connectedSalesforce();
    const provider = rotatingProvider();
    const at = row.tokenExpiresAt!.getTime() - 60_000;
    await env.DB.prepare("UPDATE connections SET refresh_claimed_until = ? WHERE id = ?")
      .bind(at + 10_000, row.id)
      .run();
    // within the claim: the still-valid token is used and nothing is spent
    expect(await getAccessToken(deps(provider.fetch, at), row)).toMatch(/^at-secret-/);
    expect(provider.calls).toHaveLength(0);
    // after it: refreshed once
    expect(await getAccessToken(deps(provider.fetch, at + 10_001), row)).toBe("rotated-at-1");
    expect(provider.calls).toHaveLength(1);
  });
});
