import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { slackCardLine } from "~/lib/integrations/slack";
import { readSlackConfig } from "~/lib/integrations/slack/config";
import { signIn } from "../helpers/browser-client";
import { ACME } from "../helpers/seed";
import { html } from "./fake-provider";

/** Issue 20 items 5, 6, 7 and 9 and issue 12 item 8, at the level of the HTML the server sends. */

afterEach(async () => {
  for (const t of ["connections", "webhook_endpoints"]) await env.DB.prepare(`DELETE FROM ${t} WHERE company_id = ?`).bind(ACME.id).run();
});

async function insertConnection(provider: string, config: Record<string, unknown> = {}) {
  const now = Date.now();
  await env.DB.prepare(
    "INSERT INTO connections (id, company_id, provider, status, account_label, connected_by, connected_by_email, connected_at, config, updated_at) VALUES (?, ?, ?, 'connected', 'Acme', 'usr_john', 'john@acme.com', ?, ?, ?)",
  )
    .bind(`conn_${provider}`, ACME.id, provider, now, JSON.stringify(config), now)
    .run();
}

describe("the Connected tab follows the spec's layout", () => {
  it("lists what is not connected yet under the connected cards, each Connect opening the consent modal over this tab", async () => {
    await insertConnection("slack", { channel: "#support-alerts" });
    const john = await signIn(ACME.adminEmail);
    const page = await html(await john.get("/integrations"));
    const connected = page.indexOf("Connected Integrations (1)");
    const available = page.indexOf("Available Integrations");
    expect(connected).toBeGreaterThan(0);
    expect(available).toBeGreaterThan(connected);
    expect(page).toContain('href="/integrations/hubspot/connect"');
    expect(page).toContain('aria-label="Connect HubSpot"');
    // Slack is connected: it is a card, not an offer
    expect(page).not.toContain('aria-label="Connect Slack"');
    // the search stays on this tab
    const crm = await html(await john.get("/integrations?category=crm&q=hub"));
    expect(crm).toContain('aria-label="Connect HubSpot"');
    expect(crm).not.toContain('aria-label="Connect Salesforce"');
  });
});

describe("what the screens say matches what happens (issue 20 item 6)", () => {
  it("the Slack card stops promising new-conversation notifications once they are turned off", async () => {
    expect(slackCardLine(readSlackConfig({}))).toBeUndefined();
    expect(slackCardLine(readSlackConfig({ notify_new_conversations: false }))).toBe(
      "Get notified about escalations and a daily summary (not new conversations)",
    );
    expect(slackCardLine(readSlackConfig({ notify_new_conversations: false, notify_escalations: false, daily_summary: false }))).toBe(
      "Notifications are off: nothing is posted to Slack",
    );
    await insertConnection("slack", { channel: "#support-alerts", notify_new_conversations: false });
    const john = await signIn(ACME.adminEmail);
    const page = await html(await john.get("/integrations"));
    expect(page).not.toContain("Get notified about new conversations");
    expect(page).toContain("Get notified about escalations and a daily summary (not new conversations)");
  });

  it("turning on Email Forwarding claims no success before an email arrives", async () => {
    const john = await signIn(ACME.adminEmail);
    expect((await john.post("/integrations/email-forwarding/connect", { intent: "enable" })).status).toBe(302);
    const page = await html(await john.get("/integrations"));
    expect(page).toContain("No successful call yet");
    expect(page).not.toContain("Last success");
  });

  it("the success modal lists the adapter's features, not a promise to sync", async () => {
    await insertConnection("hubspot");
    const john = await signIn(ACME.adminEmail);
    const page = await html(await john.get("/integrations/hubspot/connected"));
    expect(page).toContain("<li>Create or link a contact for each new customer (by email)</li>");
    expect(page).not.toMatch(/will now sync/i);
  });
});

describe("confirmations and ways back (issue 20 items 5 and 9)", () => {
  it("disconnecting is confirmed on the next page, once", async () => {
    await insertConnection("hubspot");
    const john = await signIn(ACME.adminEmail);
    const res = await john.post("/integrations/hubspot/disconnect", { intent: "disconnect" });
    expect(res.status).toBe(302);
    const page = await html(await john.get(res.headers.get("Location")!));
    expect(page).toMatch(/role="status"[^>]*>(?:(?!<\/div>).)*HubSpot disconnected\./s);
    expect(await html(await john.get("/integrations"))).not.toContain("HubSpot disconnected.");
  });

  it("Cancel on a disconnect opened from Configure goes back to Configure", async () => {
    await insertConnection("slack", { channel: "#support-alerts" });
    const john = await signIn(ACME.adminEmail);
    const configure = await html(await john.get("/integrations/slack/configure"));
    expect(configure).toContain('href="/integrations/slack/disconnect?from=configure"');
    const fromConfigure = await html(await john.get("/integrations/slack/disconnect?from=configure"));
    expect(fromConfigure).toMatch(/href="\/integrations\/slack\/configure"[^>]*>Cancel</);
    const fromList = await html(await john.get("/integrations/slack/disconnect"));
    expect(fromList).toMatch(/href="\/integrations"[^>]*>Cancel</);
  });
});

describe("connect forms check formats and speak to people (issue 20 item 7)", () => {
  it("a Zendesk subdomain with spaces and a one-letter email are refused together, in words, and nothing is saved", async () => {
    const john = await signIn(ACME.adminEmail);
    const res = await john.post("/integrations/zendesk/connect", {
      intent: "api_key",
      subdomain: "not a subdomain!!",
      email: "a",
      api_token: "sandbox_token_123",
    });
    expect(res.status).toBe(400);
    const page = await html(res);
    expect(page).toContain("A subdomain has only letters, numbers and hyphens, like acme (for acme.zendesk.com).");
    expect(page).toContain("Enter an email address, like admin@example.com.");
    const saved = await env.DB.prepare("SELECT count(*) AS n FROM connections WHERE company_id = ?").bind(ACME.id).first<{ n: number }>();
    expect(saved?.n).toBe(0);
  });

  it("an empty field names what to enter without lowercasing the product's name", async () => {
    const john = await signIn(ACME.adminEmail);
    const page = await html(
      await john.post("/integrations/zendesk/connect", { intent: "api_key", subdomain: "", email: "", api_token: "" }),
    );
    expect(page).toContain("Enter the Zendesk subdomain.");
    expect(page).toContain("Enter the admin email.");
    expect(page).toContain("Enter the API token.");
    expect(page).not.toContain("zendesk subdomain");
  });

  it("Edit webhook reports the URL and the events errors at once, and says the rule where it runs", async () => {
    const john = await signIn(ACME.adminEmail);
    const created = await john.post("/integrations/developers/webhooks/new", {
      url: "https://example.com/hook",
      events: "conversation.created",
    });
    expect(created.status).toBe(302);
    const id = created.headers.get("Location")!.match(/webhooks\/(we_[^/?]+)/)![1];
    const res = await john.post(`/integrations/developers/webhooks/${id}/edit`, { url: "ftp://example.com/hook" });
    expect(res.status).toBe(400);
    const page = await html(res);
    expect(page).toContain("Choose at least one event.");
    expect(page).toMatch(/The URL must start with https?:\/\//);
  });
});
