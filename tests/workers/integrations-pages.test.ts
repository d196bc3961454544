import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { searchCatalog } from "~/lib/integrations/catalog";
import { loadConnectedOverview } from "~/lib/integrations/connections.server";
import { signIn } from "../helpers/browser-client";
import { ACME, GLOBEX } from "../helpers/seed";
import { countingD1 } from "./d1-counter";
import { html } from "./fake-provider";

afterEach(async () => {
  vi.unstubAllGlobals();
  for (const t of ["connections", "deliveries", "delivery_attempts"]) await env.DB.prepare(`DELETE FROM ${t}`).run();
});

async function insertConnection(provider: string, companyId: string = ACME.id, extra: Record<string, unknown> = {}) {
  const now = Date.now();
  await env.DB.prepare(
    "INSERT INTO connections (id, company_id, provider, status, account_label, connected_by, connected_by_email, connected_at, config, last_success_at, updated_at) VALUES (?, ?, ?, ?, ?, 'usr_john', 'john@acme.com', ?, ?, ?, ?)",
  )
    .bind(
      `conn_${provider}_${companyId}`,
      companyId,
      provider,
      extra.status ?? "connected",
      extra.label ?? "Acme",
      now,
      JSON.stringify(extra.config ?? {}),
      now - 120_000,
      now,
    )
    .run();
}

async function insertAttempt(provider: string, n: number, ageMs: number, statusCode: number | null, error: string | null) {
  const at = Date.now() - ageMs;
  const id = `dlv_${provider}_${n}`;
  await env.DB.prepare(
    "INSERT INTO deliveries (id, company_id, event_id, target_kind, target_id, status, attempts, created_at, updated_at) VALUES (?, ?, ?, 'integration', ?, 'pending', 1, ?, ?)",
  )
    .bind(id, ACME.id, `evt_${n}`, provider, at, at)
    .run();
  await env.DB.prepare(
    "INSERT INTO delivery_attempts (id, company_id, delivery_id, n, at, duration_ms, status_code, error) VALUES (?, ?, ?, 1, ?, 10, ?, ?)",
  )
    .bind(`att_${provider}_${n}`, ACME.id, id, at, statusCode, error)
    .run();
}

describe("Connected tab", () => {
  it("loads the whole list in ONE D1 round trip", async () => {
    await insertConnection("slack", ACME.id, { config: { channel: "#support-alerts" } });
    await insertConnection("salesforce");
    await insertAttempt("slack", 1, 1000, 500, null);
    const counter = countingD1(env.DB);
    const overview = await loadConnectedOverview({ d1: counter.db, companyId: ACME.id, now: new Date() });
    expect(counter.calls()).toBe(1);
    expect(overview.connections.map((c) => c.provider).sort()).toEqual(["salesforce", "slack"]);
    expect(overview.failures24h).toEqual({ slack: 1 });
  });

  it("each card shows the status, connection info and a health line counting only the last 24 h of failures", async () => {
    await insertConnection("slack", ACME.id, { config: { channel: "#support-alerts" } });
    await insertConnection("hubspot", ACME.id, { status: "needs_reauth" });
    await insertAttempt("slack", 1, 60_000, 500, null);
    await insertAttempt("slack", 2, 3_600_000, null, "timeout");
    await insertAttempt("slack", 3, 3_600_000, 200, null);
    await insertAttempt("slack", 4, 25 * 3_600_000, 500, null);
    const john = await signIn(ACME.adminEmail);
    const page = await html(await john.get("/integrations"));
    expect(page).toContain("Connected Integrations (2)");
    expect(page).toContain("Connected to: #support-alerts");
    // no-break spaces: "in 24 h" never wraps as "24 / h" on a phone
    expect(page).toContain("2\u00a0errors in\u00a024\u00a0h");
    expect(page).toContain("Last success");
    expect(page).toContain("Needs reconnect");
    expect(page).toContain('href="/integrations/hubspot/connect">Reconnect</a>');
    // the card says what the integration does (issue 12, "tell the truth on screen")
    expect(page).toContain("Keep contacts and conversations together");
  });

  it("shows only the company's own connections, and an empty state leading to Available", async () => {
    await insertConnection("salesforce", GLOBEX.id);
    const john = await signIn(ACME.adminEmail);
    const page = await html(await john.get("/integrations"));
    expect(page).toContain("Connected Integrations (0)");
    expect(page).toContain('href="/integrations/available"');
    expect(page).not.toContain("card-salesforce");
  });
});

describe("Available tab", () => {
  it("lists all 17 integrations by default, with no Sandbox badge while every provider URL is the real one", async () => {
    const john = await signIn(ACME.adminEmail);
    const page = await html(await john.get("/integrations/available"));
    expect(page.match(/aria-label="Connect /g)).toHaveLength(17);
    expect(page).not.toContain(">Sandbox</span>");
  });

  it("filters by ?q= (case-insensitive) and by ?category=, and says so when nothing matches", async () => {
    const john = await signIn(ACME.adminEmail);
    const crm = await html(await john.get("/integrations/available?category=crm"));
    expect(crm).toContain("Connect Salesforce");
    expect(crm).toContain("Connect HubSpot");
    expect(crm).toContain("Connect Pipedrive");
    expect(crm).not.toContain("Connect Slack");
    const q = await html(await john.get("/integrations/available?q=SLA"));
    expect(q).toContain("Connect Slack");
    expect(q).not.toContain("Connect Salesforce");
    const both = await html(await john.get("/integrations/available?q=zen&category=support"));
    expect(both.match(/aria-label="Connect /g)).toEqual(['aria-label="Connect ']);
    const none = await john.get("/integrations/available?q=nothing-like-this&category=crm");
    expect(none.status).toBe(200);
    expect(await html(none)).toContain("No integrations match");
    const bogus = await john.get("/integrations/available?category=%3Cscript%3E");
    expect(bogus.status).toBe(200);
    expect((await html(bogus)).match(/aria-label="Connect /g)).toHaveLength(17);
  });

  it("marks connected integrations as Connected instead of offering Connect", async () => {
    await insertConnection("salesforce");
    const john = await signIn(ACME.adminEmail);
    const page = await html(await john.get("/integrations/available?category=crm"));
    expect(page).toContain("Salesforce: connected, view details");
    expect(page).not.toContain("Connect Salesforce");
  });

  it("the catalog search is the same function the page uses", () => {
    expect(searchCatalog({ category: "marketing" }).map((p) => p.id)).toEqual(["mailchimp", "activecampaign"]);
    expect(searchCatalog({ q: "  e-commerce " }).map((p) => p.id)).toEqual(["shopify", "woocommerce"]);
  });
});

describe("detail modal", () => {
  it("shows description, the adapter's features, permissions and Connect with X over the Available list", async () => {
    const john = await signIn(ACME.adminEmail);
    const page = await html(await john.get("/integrations/available/slack"));
    expect(page).toContain('role="dialog"');
    expect(page).toContain("Slack Integration");
    // the spec's four bullets, each of them built (the adapter's features)
    for (const f of ["New conversation notifications", "Escalation alerts", "Reply to customers from Slack", "Daily summary reports"])
      expect(page).toContain(`<li>${f}</li>`);
    expect(page).toContain("Send messages to channels");
    // Slack's features all work today; ActiveCampaign still lists a plan, marked as coming soon
    expect(await html(await john.get("/integrations/available/activecampaign"))).toContain("Coming soon");
    // Connect opens the consent modal over the Available tab, not over Connected
    expect(page).toContain('href="/integrations/available/slack/connect">Connect with Slack</a>');
    expect(page).toContain("Available Integrations");
  });

  it("an unknown provider is a 404", async () => {
    const john = await signIn(ACME.adminEmail);
    expect((await john.get("/integrations/available/myspace")).status).toBe(404);
  });

  it("the consent screen names the provider and the permissions it will request", async () => {
    const john = await signIn(ACME.adminEmail);
    const page = await html(await john.get("/integrations/salesforce/connect"));
    expect(page).toContain("You will be redirected to Salesforce to authorize access.");
    expect(page).toContain("We will request permission to:");
    expect(page).toContain("Read and write contacts and leads");
    expect(page).toContain("Continue to Salesforce");
  });
});
