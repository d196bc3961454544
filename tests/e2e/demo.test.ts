import { describe, expect, it } from "vitest";
import { axeViolations, connectedCard, openPage, screenshot, signInThroughForm } from "./browser";
import { ownApp, until } from "./own-app";

/**
 * What a newcomer sees after `npm ci && npm start` (issue 12 item 9, issue 17 item 9): the demo seed
 * connects Slack, Salesforce, HubSpot and Zapier through the sandbox, adds a "Local receiver" endpoint
 * whose secret the local receiver knows, and sends a few conversations through /v1.
 */
const own = ownApp({ DEMO_DATA: "1" });

describe("the first run shows itself", () => {
  it("prints the demo line, and the local receiver verifies the first deliveries", async () => {
    expect(own.app.output()).toContain("Demo data: Slack (#support-alerts), Salesforce, HubSpot and Zapier (3 Zaps) connected");
    const deliveries = await until(async () => {
      const { data } = (await (await fetch(`${own.app.receiverURL}/__receiver/deliveries`)).json()) as {
        data: { type?: string; verified: boolean }[];
      };
      return data.length >= 3 ? data : null;
    }, "three deliveries at the local receiver");
    expect(deliveries.every((d) => d.verified)).toBe(true);
    const zapier = await until(async () => {
      const state = (await (await fetch(`${own.app.sandboxURL}/__sandbox/state/zapier`)).json()) as { hooks: { received: number }[] };
      return state.hooks.length >= 2 ? state : null;
    }, "Zap runs at the Zapier catch hooks");
    expect(zapier.hooks.every((h) => h.received >= 1)).toBe(true);
  });

  it.each([
    { js: true, viewport: "desktop" as const },
    { js: false, viewport: "phone" as const },
  ])("Connected tab and an activity list are not empty (JavaScript $js, $viewport)", async ({ js, viewport }) => {
    const { context, page } = await openPage(own.browser, { js, viewport });
    await signInThroughForm(page, own.app.baseURL, "john@acme.com");
    await page.goto(`${own.app.baseURL}/integrations`);
    await page.getByRole("heading", { name: "Connected Integrations (4)" }).waitFor();
    await connectedCard(page, "Slack").getByText("#support-alerts").waitFor();
    await connectedCard(page, "Zapier").getByText("3 active Zaps").waitFor();
    for (const name of ["Salesforce", "HubSpot"]) await connectedCard(page, name).waitFor();
    await screenshot(page, `demo-connected-${viewport}-${js ? "js" : "nojs"}`);
    expect(await axeViolations(page)).toEqual([]);

    const activity = await until(async () => {
      await page.goto(`${own.app.baseURL}/integrations/hubspot/configure`);
      const dialog = page.getByRole("dialog");
      await dialog.waitFor();
      return (await dialog.getByText("Created contact alice@customer.test").count()) > 0 ? dialog : null;
    }, "HubSpot's activity to list the demo contact");
    await activity.getByText("Created contact bob@customer.test").waitFor();
    await screenshot(page, `demo-hubspot-activity-${viewport}-${js ? "js" : "nojs"}`);
    await context.close();
  });
});
