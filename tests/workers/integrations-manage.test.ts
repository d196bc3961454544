import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { credentialsKey } from "~/lib/oauth/token-store.server";
import { signIn } from "../helpers/browser-client";
import { ACME, GLOBEX } from "../helpers/seed";
import { connectViaOAuth, html, installFakeProviders } from "./fake-provider";
import { installNotifyFakes } from "./notify-helpers";

afterEach(async () => {
  vi.unstubAllGlobals();
  await env.DB.prepare("DELETE FROM connections").run();
  await env.DB.prepare("DELETE FROM audit_log").run();
});

const connection = (provider: string, companyId = ACME.id) =>
  env.DB.prepare("SELECT * FROM connections WHERE company_id = ? AND provider = ?")
    .bind(companyId, provider)
    .first<Record<string, unknown>>();
const audits = (action: string) =>
  env.DB.prepare("SELECT * FROM audit_log WHERE action = ?")
    .bind(action)
    .all<Record<string, unknown>>()
    .then((r) => r.results);

describe("configure", () => {
  it("shows who connected it and when, and saves valid settings with exactly one audit row", async () => {
    installFakeProviders();
    const john = await signIn(ACME.adminEmail);
    await connectViaOAuth(john, "salesforce");
    const page = await html(await john.get("/integrations/salesforce/configure"));
    expect(page).toContain("Connected by:");
    expect(page).toContain(ACME.adminEmail);
    expect(page).toContain("<time");
    const res = await john.post("/integrations/salesforce/configure", { record_type: "contact" });
    expect(res.status).toBe(302);
    expect(JSON.parse((await connection("salesforce"))!.config as string)).toEqual({ record_type: "contact", log_transcripts: false });
    const rows = await audits("integration.configured");
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.details as string)).toEqual({ provider: "salesforce", changed: ["record_type", "log_transcripts"] });
  });

  it("bad input is a 400 with the field error and the user's values, and nothing is saved", async () => {
    const john = await signIn(ACME.adminEmail);
    await john.post("/integrations/email-forwarding/connect", { intent: "enable" });
    // Email Forwarding has its own configure screen (more in tests/workers/email-forwarding-ui.test.ts).
    const res = await john.post("/integrations/email-forwarding/configure", {
      intent: "save",
      enabled: "on",
      allowedSenderDomains: "example.com, abc",
    });
    expect(res.status).toBe(400);
    const page = await html(res);
    expect(page).toContain("is not a domain name");
    expect(page).toContain('value="example.com, abc"');
    const unknownIntent = await john.post("/integrations/email-forwarding/configure", { allowedSenderDomains: "example.com" });
    expect(unknownIntent.status).toBe(400);
    expect(JSON.parse((await connection("email-forwarding"))!.config as string)).toEqual({});
    expect(await audits("email_forwarding.settings_updated")).toHaveLength(0);
    expect(await audits("integration.configured")).toHaveLength(0);
  });

  // Slack has its own configure screen (channel picker): tests/workers/slack-notify.test.ts.
  it("an invalid setting is refused and an unknown setting is never stored", async () => {
    installFakeProviders();
    const john = await signIn(ACME.adminEmail);
    await connectViaOAuth(john, "salesforce");
    expect((await john.post("/integrations/salesforce/configure", { record_type: "spaceship" })).status).toBe(400);
    expect((await john.post("/integrations/salesforce/configure", { record_type: "lead", log_transcripts: "on", evil: "x" })).status).toBe(
      302,
    );
    const config = JSON.parse((await connection("salesforce"))!.config as string);
    expect(config).toEqual({ record_type: "lead", log_transcripts: true });
    expect(config).not.toHaveProperty("evil");
  });

  it("Globex's admin gets 404 configuring or disconnecting Acme's connection, and nothing changes", async () => {
    installFakeProviders();
    const john = await signIn(ACME.adminEmail);
    await connectViaOAuth(john, "salesforce");
    const globex = await signIn(GLOBEX.adminEmail);
    expect((await globex.get("/integrations/salesforce/configure")).status).toBe(404);
    expect((await globex.post("/integrations/salesforce/configure", { record_type: "contact" })).status).toBe(404);
    expect((await globex.get("/integrations/salesforce/disconnect")).status).toBe(404);
    expect((await globex.post("/integrations/salesforce/disconnect", { intent: "disconnect" })).status).toBe(404);
    const row = await connection("salesforce");
    expect(row).not.toBeNull();
    expect(JSON.parse(row!.config as string)).toEqual({});
    expect(await env.KV.get(credentialsKey(row!.id as string))).not.toBeNull();
  });
});

describe("disconnect", () => {
  it("lists what disconnecting does, then revokes at the provider, deletes the KV token and the row, with one audit row", async () => {
    const fake = installFakeProviders();
    const john = await signIn(ACME.adminEmail);
    await connectViaOAuth(john, "salesforce");
    const row = await connection("salesforce");
    const page = await html(await john.get("/integrations/salesforce/disconnect"));
    expect(page).toContain("Are you sure you want to disconnect Salesforce?");
    expect(page).toContain("Revoke our access token in Salesforce");
    const res = await john.post("/integrations/salesforce/disconnect", { intent: "disconnect" });
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/integrations");
    const [revoke] = fake.revokeCalls();
    expect(revoke!.url).toBe("https://salesforce.fake.test/services/oauth2/revoke");
    expect(new URLSearchParams(revoke!.body).get("token")).toMatch(/^rt-secret-/);
    expect(await connection("salesforce")).toBeNull();
    expect(await env.KV.get(credentialsKey(row!.id as string))).toBeNull();
    const rows = await audits("integration.disconnected");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.details).toBe(JSON.stringify({ provider: "salesforce", revoked: "yes" }));
    expect(await html(await john.get("/integrations"))).toContain("Connected Integrations (0)");
  });

  it("a provider without a revocation endpoint still disconnects locally (HubSpot)", async () => {
    const fake = installFakeProviders();
    const john = await signIn(ACME.adminEmail);
    await connectViaOAuth(john, "hubspot");
    expect((await john.post("/integrations/hubspot/disconnect", { intent: "disconnect" })).status).toBe(302);
    expect(fake.revokeCalls()).toHaveLength(0);
    expect(await connection("hubspot")).toBeNull();
  });

  it("an unknown intent is a 400 and nothing is deleted", async () => {
    const john = await signIn(ACME.adminEmail);
    await john.post("/integrations/email-forwarding/connect", { intent: "enable" });
    expect((await john.post("/integrations/email-forwarding/disconnect", { intent: "nope" })).status).toBe(400);
    expect(await connection("email-forwarding")).not.toBeNull();
  });
});

describe("API-key and built-in connections", () => {
  it("an API key is stored encrypted in KV, never in D1, with one audit row and no secret in it", async () => {
    // Segment's fake (the sandbox's) knows `sandbox_…` write keys: connecting checks the key first.
    const segment = installNotifyFakes();
    const john = await signIn(ACME.adminEmail);
    const res = await john.post("/integrations/segment/connect", {
      intent: "api_key",
      source_name: "Website chat",
      write_key: "sandbox_wk_supersecret_123",
    });
    segment.restore();
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/integrations/segment/connected");
    const row = await connection("segment");
    expect(row).toMatchObject({ account_label: "Website chat", status: "connected" });
    expect(JSON.stringify(row)).not.toContain("wk_supersecret_123");
    const sealed = await env.KV.get(credentialsKey(row!.id as string));
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain("wk_supersecret");
    const rows = await audits("integration.connected");
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain("wk_supersecret");
  });

  it("a missing or malformed API key is a 400 with field errors, the secret is not echoed, and nothing is saved", async () => {
    const john = await signIn(ACME.adminEmail);
    const res = await john.post("/integrations/segment/connect", { intent: "api_key", source_name: "Web", write_key: "has space secret" });
    expect(res.status).toBe(400);
    const page = await html(res);
    expect(page).toContain("Remove the spaces: the value has none.");
    expect(page).toContain('value="Web"');
    expect(page).not.toContain("has space secret");
    expect(await connection("segment")).toBeNull();
    expect((await john.post("/integrations/segment/connect", { intent: "bogus" })).status).toBe(400);
  });

  it("email forwarding is enabled with a connection row and no token, and the card shows the address", async () => {
    const john = await signIn(ACME.adminEmail);
    const res = await john.post("/integrations/email-forwarding/connect", { intent: "enable" });
    expect(res.status).toBe(302);
    const row = await connection("email-forwarding");
    expect(row).toMatchObject({ account_label: "support@acme.chat.buzzi.ai" });
    expect(await env.KV.get(credentialsKey(row!.id as string))).toBeNull();
    expect(await html(await john.get("/integrations"))).toContain("support@acme.chat.buzzi.ai");
  });

  it("Zapier's connect screen gives instructions; only creating its API key connects it (see zapier-card.test.ts)", async () => {
    const john = await signIn(ACME.adminEmail);
    const page = await html(await john.get("/integrations/zapier/connect"));
    expect(page).toContain("Integrations Hub");
    expect((await john.post("/integrations/zapier/connect", { intent: "enable" })).status).toBe(400);
    expect(await connection("zapier")).toBeNull();
  });

  it("an agent cannot connect anything (403)", async () => {
    const sarah = await signIn(ACME.agentEmail);
    expect((await sarah.post("/integrations/email-forwarding/connect", { intent: "enable" })).status).toBe(403);
    expect(await connection("email-forwarding")).toBeNull();
  });
});
