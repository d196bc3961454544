import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { axeViolations, fileBrowser, openPage, screenshot, signInThroughForm, type ViewportName } from "./browser";

const baseURL = inject("baseURL");
const receiverURL = inject("receiverURL");
const shared = fileBrowser();

async function submit(page: Page, name: string | RegExp) {
  await page.getByRole("button", { name }).first().click();
  await page.waitForLoadState("load");
}

const runs: { js: boolean; viewport: ViewportName }[] = [
  { js: true, viewport: "desktop" },
  { js: false, viewport: "desktop" },
  { js: false, viewport: "phone" },
];

describe.each(runs)("API & Webhooks (JavaScript $js, $viewport)", ({ js, viewport }) => {
  const tag = `${viewport}-${js ? "js" : "nojs"}`;

  it("a new API key is shown exactly once", async () => {
    const { context, page } = await openPage(shared.browser, { js, viewport });
    await signInThroughForm(page, baseURL, "john@acme.com", undefined, "/integrations/developers");
    await page.getByLabel("Name").fill(`E2E key ${tag}`);
    await Promise.all([page.waitForURL(/revealed=/), submit(page, "Create key")]);
    const field = page.getByLabel("New API key");
    await field.waitFor();
    const key = await field.inputValue();
    expect(key).toMatch(/^sk_live_[A-Za-z0-9_-]{40,}$/);
    await screenshot(page, `api-key-revealed-${tag}`);
    await page.reload();
    await page.getByRole("heading", { name: "API Access" }).waitFor();
    expect(await page.content()).not.toContain(key);
    expect(await page.content()).toContain(`…${key.slice(-4)}`);
    await context.close();
  });

  it("create an endpoint, Test it against the local receiver, and see the attempt on its detail page", async () => {
    const { context, page } = await openPage(shared.browser, { js, viewport });
    await signInThroughForm(page, baseURL, "john@acme.com", undefined, "/integrations/developers");
    await page.getByRole("link", { name: "+ Add Webhook Endpoint" }).click();
    await page.getByRole("dialog").waitFor();
    await screenshot(page, `webhook-new-${tag}`);
    expect(await axeViolations(page)).toEqual([]);
    const url = `${receiverURL}/e2e-${tag}`;
    await page.getByLabel("Endpoint URL *").fill(url);
    await page.getByLabel("Description (optional)").fill("E2E receiver");
    await page.getByLabel("conversation.created").check();
    await Promise.all([page.waitForURL(/\/webhooks\/we_[^/?]+\?created=1/), submit(page, "Create Webhook")]);
    await page.getByLabel("Signing secret").waitFor();
    expect(await page.getByLabel("Signing secret").inputValue()).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    await screenshot(page, `webhook-secret-${tag}`);

    await page.goto(`${baseURL}/integrations/developers`);
    await screenshot(page, `developers-${tag}`);
    expect(await axeViolations(page)).toEqual([]);
    const row = page.getByRole("listitem").filter({ hasText: url });
    await Promise.all([
      page.waitForURL(/\/webhooks\/we_[^/?]+\?test=dlv_/),
      row.getByRole("button", { name: /Send a test event/ }).click(),
    ]);
    await page.getByText("Test event delivered: status 200").waitFor();
    // the Test is recorded as an attempt on the endpoint's detail page
    await expect(page.content()).resolves.toContain("webhook.test");
    await screenshot(page, `webhook-tested-${tag}`);
    expect(await axeViolations(page)).toEqual([]);

    const received = (await (await fetch(`${receiverURL}/__receiver/deliveries`)).json()) as unknown[];
    expect(JSON.stringify(received)).toContain(`e2e-${tag}`);
    await context.close();
  });
});
