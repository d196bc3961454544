import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { openPage, screenshot, signInThroughForm, type ViewportName } from "./browser";
import { ownApp, sandboxState as sandboxStateOf, until, v1Client } from "./own-app";

/**
 * HubSpot and Zendesk doing their real job through the sandbox: connected in the browser, then a
 * conversation created, escalated and closed through /v1; the sandbox's own records show the
 * contact, the transcript note and the ticket. Its own app instance, so the transcript's grace
 * window can be two seconds.
 */
const KEY = "sk_live_crmhelpdeskcrmhelpdeskcrmhelpdeskcrm12";
const own = ownApp({ SEED_API_KEY: KEY, TRANSCRIPT_GRACE_SECONDS: "2" });
const v1 = v1Client(() => own.app.baseURL, KEY);
const sandboxState = (provider: string) => sandboxStateOf(own.app.sandboxURL, provider);

async function connectHubspot(page: Page) {
  await page.goto(`${own.app.baseURL}/integrations/hubspot/connect`);
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(own.app.sandboxURL!)),
    page.getByRole("button", { name: "Continue to HubSpot" }).click(),
  ]);
  await Promise.all([page.waitForURL(/\/integrations\/hubspot\/connected$/), page.getByRole("button", { name: "Allow" }).click()]);
}

async function connectZendesk(page: Page) {
  await page.goto(`${own.app.baseURL}/integrations/zendesk/connect`);
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Zendesk subdomain").fill("acme");
  await dialog.getByLabel("Admin email").fill("sam@acme.com");
  await dialog.getByLabel("API token").fill("wrong_token_for_zendesk");
  await dialog.getByRole("button", { name: "Connect Zendesk" }).click();
  await page.getByText("Zendesk did not accept this email and API token.").waitFor();
  await page.getByRole("dialog").getByLabel("API token").fill("sandbox_zendesk_e2e_token");
  await Promise.all([
    page.waitForURL(/\/integrations\/zendesk\/connected$/),
    page.getByRole("dialog").getByRole("button", { name: "Connect Zendesk" }).click(),
  ]);
}

const runs: { js: boolean; viewport: ViewportName }[] = [
  { js: true, viewport: "desktop" },
  { js: false, viewport: "phone" },
];

describe.each(runs)("HubSpot and Zendesk through the sandbox (JavaScript $js, $viewport)", ({ js, viewport }) => {
  it("connect both, then create → escalate → close a conversation: contact, transcript note and ticket appear at the providers", async () => {
    const { context, page } = await openPage(own.browser, { js, viewport });
    await signInThroughForm(page, own.app.baseURL, "john@acme.com");
    await connectHubspot(page);
    await connectZendesk(page);

    const email = `e2e-${viewport}-${js ? "js" : "nojs"}@example.com`;
    const conversation = await v1("/conversations", {
      method: "POST",
      body: {
        contact: { email, name: "Erin Tester" },
        subject: `Broken widget (${viewport})`,
        message: { body: "My widget arrived broken." },
      },
    });
    const contact = await until(
      async () => (await sandboxState("hubspot")).contacts!.find((c) => c.properties.email === email),
      "the HubSpot contact",
    );
    expect(contact.properties).toMatchObject({ firstname: "Erin", lastname: "Tester" });

    await v1(`/conversations/${conversation.id}/escalate`, { method: "POST", body: { reason: "Wants a replacement" } });
    const ticket = await until(
      async () => (await sandboxState("zendesk")).tickets!.find((t) => t.external_id === conversation.id),
      "the Zendesk ticket",
    );
    expect(ticket).toMatchObject({ subject: `Broken widget (${viewport})`, requester: { email, name: "Erin Tester" } });
    expect(ticket.comments[0]).toMatchObject({ public: false, body: expect.stringContaining("Erin Tester: My widget arrived broken.") });

    await v1(`/conversations/${conversation.id}/messages`, {
      method: "POST",
      body: { body: "A replacement is on its way.", author: "agent", author_name: "Sam" },
    });
    await v1(`/conversations/${conversation.id}`, { method: "PATCH", body: { status: "closed" } });
    const note = await until(
      async () =>
        (await sandboxState("hubspot")).notes!.find((n) => n.associations.some((a: { toObjectId: string }) => a.toObjectId === contact.id)),
      "the HubSpot transcript note",
    );
    expect(note.properties.hs_note_body).toContain("Sam: A replacement is on its way.");

    // the Configure screens list those actions with their results (issue 12 item 7)
    for (const [provider, event] of [
      ["hubspot", "conversation.created"],
      ["zendesk", "escalation.triggered"],
    ] as const) {
      await page.goto(`${own.app.baseURL}/integrations/${provider}/configure`);
      const action = page.getByRole("region", { name: "Recent activity" }).getByRole("listitem").filter({ hasText: event }).first();
      await action.getByText("Succeeded").waitFor();
      await expect(action.textContent()).resolves.toMatch(/1 attempt\b/);
      await screenshot(page, `crm-activity-${provider}-${viewport}-${js ? "js" : "nojs"}`);
    }

    const calls = (
      (await (await fetch(`${own.app.sandboxURL}/__sandbox/calls`)).json()) as {
        calls: { provider: string; method: string; path: string }[];
      }
    ).calls;
    expect(calls.some((c) => c.provider === "zendesk" && c.method === "POST" && c.path === "/api/v2/tickets.json")).toBe(true);
    expect(JSON.stringify(calls)).not.toContain("sandbox_zendesk_e2e_token");
    await context.close();
  });
});
