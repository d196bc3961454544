import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import {
  axeViolations,
  connectedCard,
  fileBrowser,
  offLoopback,
  openPage,
  screenshot,
  signInThroughForm,
  type ViewportName,
} from "./browser";

const baseURL = inject("baseURL");
const sandboxURL = inject("sandboxURL");
const shared = fileBrowser();

/** Clicks and waits for the URL the click leads to (works for full page loads and client navigation). */
async function go(page: Page, url: RegExp | ((u: URL) => boolean), click: () => Promise<void>) {
  await Promise.all([page.waitForURL(url), click()]);
  await page.waitForLoadState("load");
}

const runs: { js: boolean; viewport: ViewportName }[] = [
  { js: true, viewport: "desktop" },
  { js: false, viewport: "desktop" },
  { js: false, viewport: "phone" },
];

describe.each(runs)("Slack and Email Forwarding cards (JavaScript $js, $viewport)", ({ js, viewport }) => {
  const tag = `${viewport}-${js ? "js" : "nojs"}`;

  it("install Slack through the sandbox, choose the channel in the configure modal, and see it on the card", async () => {
    const { context, page, requests } = await openPage(shared.browser, { js, viewport });
    await signInThroughForm(page, baseURL, "john@acme.com", undefined, "/integrations/slack/connect");
    await page.getByText("You will be redirected to", { exact: false }).waitFor();
    await go(
      page,
      (u) => u.href.startsWith(sandboxURL),
      () => page.getByRole("button", { name: "Continue to Slack" }).click(),
    );
    await go(page, /\/integrations\/slack\/connected$/, () => page.getByRole("button", { name: "Allow" }).click());

    await page.goto(`${baseURL}/integrations/slack/configure`);
    const dialog = page.getByRole("dialog");
    await dialog.getByText("Acme Corp (Sandbox)").first().waitFor();
    await page.getByLabel("Notification Channel").selectOption("C0ALERTS01");
    await screenshot(page, `slack-configure-${tag}`);
    expect(await axeViolations(page)).toEqual([]);
    await go(page, /\/integrations$/, () => page.getByRole("button", { name: "Save Changes" }).click());

    const card = connectedCard(page, "Slack");
    await card.getByText("Connected to: #support-alerts").waitFor();
    await screenshot(page, `slack-card-${tag}`);
    expect(await axeViolations(page)).toEqual([]);

    // leave the shared app as we found it (and check the confirmation's promises are listed)
    await page.goto(`${baseURL}/integrations/slack/disconnect`);
    await page.getByText("Stop all notifications", { exact: false }).waitFor();
    await go(page, /\/integrations$/, () => page.getByRole("button", { name: /^Disconnect$/ }).click());
    // with JS the URL can change before the revalidated list renders: wait for the card to go
    await connectedCard(page, "Slack").waitFor({ state: "detached" });
    expect(offLoopback(requests)).toEqual([]);
    await context.close();
  });

  it("turn on Email Forwarding and see the company's address on its card", async () => {
    const { context, page } = await openPage(shared.browser, { js, viewport });
    await signInThroughForm(page, baseURL, "john@acme.com", undefined, "/integrations/email-forwarding/connect");
    await go(
      page,
      (u) => u.pathname !== "/integrations/email-forwarding/connect",
      () => page.getByRole("button", { name: "Turn on email forwarding" }).click(),
    );
    await page.goto(`${baseURL}/integrations`);
    const card = connectedCard(page, "Email Forwarding");
    await card
      .getByText(/support@acme\./)
      .first()
      .waitFor();
    await screenshot(page, `email-card-${tag}`);
    expect(await axeViolations(page)).toEqual([]);
    // a test email is an action its Configure screen lists, with its result
    await page.goto(`${baseURL}/integrations/email-forwarding/configure`);
    await go(
      page,
      (u) => u.searchParams.has("test"),
      () => page.getByRole("button", { name: "Send test email" }).click(),
    );
    const action = page.getByRole("region", { name: "Recent activity" }).getByRole("listitem").filter({ hasText: "john@acme.com" }).first();
    await action.getByText("Received", { exact: true }).waitFor();
    await expect(action.textContent()).resolves.toMatch(/Email from john@acme\.com (started|added to) conversation/);
    await screenshot(page, `email-activity-${tag}`);
    await page.goto(`${baseURL}/integrations/email-forwarding/disconnect`);
    await go(page, /\/integrations$/, () => page.getByRole("button", { name: /^Disconnect$/ }).click());
    await context.close();
  });
});
