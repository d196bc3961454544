import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { axeViolations, fileBrowser, openPage, screenshot, signInThroughForm, type ViewportName } from "./browser";

const baseURL = inject("baseURL");
const receiverURL = inject("receiverURL");
const shared = fileBrowser();

const runs: { js: boolean; viewport: ViewportName }[] = [
  { js: true, viewport: "desktop" },
  { js: true, viewport: "phone" },
  { js: false, viewport: "desktop" },
  { js: false, viewport: "phone" },
];

async function click(page: Page, js: boolean, action: () => Promise<unknown>, url: RegExp | ((u: URL) => boolean)) {
  await Promise.all([page.waitForURL(url), action()]);
  if (!js) await page.waitForLoadState("load");
}

function flash(page: Page, text: string | RegExp) {
  return page.getByRole("status").filter({ hasText: text });
}

/** Lines the element whose whole text is `text` occupies on screen (its text may span several nodes). */
async function linesOf(page: Page, text: string) {
  return page.evaluate((needle) => {
    const el = [...document.querySelectorAll<HTMLElement>("main *")].find((e) => e.textContent === needle && e.offsetParent);
    if (!el) return -1;
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
  }, text);
}

async function noHorizontalOverflow(page: Page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

describe.each(runs)("confirmations, access and layout (JavaScript $js, $viewport)", ({ js, viewport }) => {
  const tag = `${viewport}-${js ? "js" : "nojs"}`;

  // Skipped at the end of session 2: this flow failed in Chromium (issue 20 items 3, 5, 9 are not finished); fix the feature, then re-enable.
  it("revoking a key and deleting an endpoint are confirmed on the next page, once", async () => {
    const { context, page } = await openPage(shared.browser, { js, viewport });
    await signInThroughForm(page, baseURL, "john@acme.com", undefined, "/integrations/developers");
    const form = page.getByRole("form", { name: "Create a key" });
    // a long name without spaces must not overflow the revoke modal on a phone
    const name = `Key${tag}${"x".repeat(40)}`.slice(0, 60);
    await form.getByLabel("Name").fill(name);
    await click(page, js, () => form.getByRole("button", { name: "Create key" }).click(), /revealed=/);
    await page.getByRole("link", { name: `Revoke ${name}` }).click();
    const dialog = page.getByRole("dialog", { name: "Revoke API key?" });
    await dialog.waitFor();
    expect(await dialog.evaluate((d) => d.scrollWidth <= d.clientWidth)).toBe(true);
    await screenshot(page, `ux-revoke-long-name-${tag}`);
    await click(
      page,
      js,
      () => dialog.getByRole("button", { name: "Revoke key" }).click(),
      (u) => u.pathname === "/integrations/developers" && !u.search,
    );
    await flash(page, "API key revoked.").waitFor();
    await screenshot(page, `ux-flash-revoked-${tag}`);
    expect(await axeViolations(page)).toEqual([]);

    // an endpoint, then its deletion
    const url = `${receiverURL}/ux-${tag}`;
    await page.goto(`${baseURL}/integrations/developers/webhooks/new`);
    const add = page.getByRole("dialog", { name: "Add Webhook Endpoint" });
    await add.getByLabel(/^Endpoint URL/).fill(url);
    await add.getByRole("checkbox", { name: /^conversation\.created/ }).check();
    await click(page, js, () => add.getByRole("button", { name: "Create Webhook" }).click(), /created=1/);
    // the secret's Copy button exists only when it can work (JavaScript on)
    await page.getByLabel("Signing secret").waitFor();
    if (js) await page.getByRole("button", { name: "Copy" }).waitFor();
    else expect(await page.getByRole("button", { name: "Copy" }).count()).toBe(0);
    await page.goto(`${baseURL}/integrations/developers`);
    const row = page.getByRole("listitem").filter({ hasText: url });
    // the chart has a visible label, and on a phone the URL is not broken beside it
    await row.getByText("Delivery success, last 24 h").waitFor();
    expect(await linesOf(page, url)).toBe(1);
    expect(await noHorizontalOverflow(page)).toBe(true);
    await screenshot(page, `ux-webhook-row-${tag}`);
    await row.getByRole("link", { name: "Delete" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete webhook endpoint?" });
    await click(
      page,
      js,
      () => confirm.getByRole("button", { name: "Delete endpoint" }).click(),
      (u) => u.pathname === "/integrations/developers",
    );
    await flash(page, `Webhook endpoint ${url} deleted.`).waitFor();
    await screenshot(page, `ux-flash-deleted-${tag}`);
    // gone after the next navigation
    await page.getByRole("link", { name: "Connected" }).first().click();
    await page.waitForURL((u) => u.pathname === "/integrations");
    await flash(page, "deleted").waitFor({ state: "detached" });
    await context.close();
  });

  // Skipped at the end of session 2: this flow failed in Chromium (issue 20 items 3, 5, 9 are not finished); fix the feature, then re-enable.
  it("an agent sees the 403 inside the shell, can reach the main app and can sign out", async () => {
    const { context, page } = await openPage(shared.browser, { js, viewport });
    await signInThroughForm(page, baseURL, "sarah@acme.com", undefined, "/integrations");
    await page.getByRole("heading", { name: "You don't have access to this page" }).waitFor();
    // the shell's navigation is there: the sidebar, or on a phone behind the menu button
    if (viewport === "phone") await page.getByLabel("Open menu").click();
    await page.getByRole("navigation", { name: "Main" }).first().waitFor();
    // the open drawer covers the page: start again from a closed one
    if (viewport === "phone") await page.goto(page.url());
    const dashboard = page.getByRole("link", { name: "Go to the dashboard" });
    expect(await dashboard.getAttribute("href")).toBe(`${baseURL}/dev/main-app/dashboard`);
    await screenshot(page, `ux-403-${tag}`);
    expect(await axeViolations(page)).toEqual([]);
    await click(page, js, () => dashboard.click(), /\/dev\/main-app\/dashboard/);
    await page.getByRole("heading", { name: "/dashboard belongs to the main app" }).waitFor();
    await screenshot(page, `ux-main-app-placeholder-${tag}`);
    // GET /logout asks instead of bouncing back to the 403
    await page.goto(`${baseURL}/logout`);
    await page.getByRole("heading", { name: "Sign out?" }).waitFor();
    await page.goBack();
    await page.goto(`${baseURL}/integrations`);
    await click(page, js, () => page.getByRole("main").getByRole("button", { name: "Sign out" }).click(), /\/login/);
    await page.goto(`${baseURL}/integrations`);
    await page.waitForURL(/\/login/);
    await context.close();
  });
});

describe.each(runs)("connecting and disconnecting keep their place (JavaScript $js, $viewport)", ({ js, viewport }) => {
  const tag = `${viewport}-${js ? "js" : "nojs"}`;

  it("Connect from Available keeps Available behind the modals; Cancel on a disconnect returns to Configure; Disconnect is confirmed once", async () => {
    const { context, page } = await openPage(shared.browser, { js, viewport });
    await signInThroughForm(page, baseURL, "john@acme.com", undefined, "/integrations/available");
    const tabs = page.getByRole("navigation", { name: "Integrations sections" });
    await click(page, js, () => page.getByRole("link", { name: "Connect Slack" }).click(), /\/integrations\/available\/slack$/);
    await click(
      page,
      js,
      () => page.getByRole("dialog", { name: "Slack Integration" }).getByRole("link", { name: "Connect with Slack" }).click(),
      /\/integrations\/available\/slack\/connect$/,
    );
    await page.getByRole("dialog", { name: "Connect to Slack" }).waitFor();
    await expect(tabs.getByRole("link", { name: "Available" }).getAttribute("aria-current")).resolves.toBe("page");
    await screenshot(page, `ux-consent-over-available-${tag}`);
    // Cancel goes back to the detail modal, still over Available
    await click(
      page,
      js,
      () => page.getByRole("dialog").getByRole("link", { name: "Cancel" }).click(),
      /\/integrations\/available\/slack$/,
    );

    // Email Forwarding on, then Disconnect from its Configure screen
    await page.goto(`${baseURL}/integrations/email-forwarding/connect`);
    await click(page, js, () => page.getByRole("button", { name: "Turn on email forwarding" }).click(), /\/connected$/);
    await page.goto(`${baseURL}/integrations/email-forwarding/configure`);
    const configure = page.getByRole("dialog", { name: "Configure Email Forwarding" });
    await click(page, js, () => configure.getByRole("link", { name: "Disconnect" }).click(), /\/disconnect\?from=configure$/);
    await click(
      page,
      js,
      () => page.getByRole("dialog", { name: "Disconnect Email Forwarding" }).getByRole("link", { name: "Cancel" }).click(),
      /\/integrations\/email-forwarding\/configure$/,
    );
    await page.getByRole("dialog", { name: "Configure Email Forwarding" }).waitFor();
    await click(page, js, () => configure.getByRole("link", { name: "Disconnect" }).click(), /\/disconnect\?from=configure$/);
    await click(
      page,
      js,
      () =>
        page
          .getByRole("dialog", { name: "Disconnect Email Forwarding" })
          .getByRole("button", { name: /^Disconnect$/ })
          .click(),
      (u) => u.pathname === "/integrations",
    );
    await flash(page, "Email Forwarding disconnected.").waitFor();
    await screenshot(page, `ux-flash-disconnected-${tag}`);
    expect(await axeViolations(page)).toEqual([]);
    await click(page, js, () => tabs.getByRole("link", { name: "Available" }).click(), /\/integrations\/available$/);
    await flash(page, "disconnected").waitFor({ state: "detached" });
    await context.close();
  });
});

describe("keyboard and small things", () => {
  // Skipped at the end of session 2: this flow failed in Chromium (issue 20 items 3, 5, 9 are not finished); fix the feature, then re-enable.
  it("Escape closes the phone drawer and the account menu, and focus returns to their button", async () => {
    const { context, page } = await openPage(shared.browser, { js: true, viewport: "phone" });
    await signInThroughForm(page, baseURL, "john@acme.com");
    const summary = page.getByLabel("Open menu");
    await summary.click();
    await page.getByRole("navigation", { name: "Main" }).first().waitFor();
    await page.keyboard.press("Escape");
    await expect(page.locator("details.drawer").evaluate((d: HTMLDetailsElement) => d.open)).resolves.toBe(false);
    await expect(summary.evaluate((s) => s === document.activeElement)).resolves.toBe(true);
    await context.close();

    const desktop = await openPage(shared.browser, { js: true, viewport: "desktop" });
    await signInThroughForm(desktop.page, baseURL, "john@acme.com");
    const account = desktop.page.locator("summary").filter({ hasText: /Account menu for/ });
    await account.click();
    await desktop.page.getByRole("button", { name: "Sign out" }).waitFor();
    await desktop.page.keyboard.press("Escape");
    await desktop.page.getByRole("button", { name: "Sign out" }).waitFor({ state: "hidden" });
    await expect(account.evaluate((s) => s === document.activeElement)).resolves.toBe(true);
    await desktop.context.close();

    // a connected card's ⋮ menu on a phone
    const phone = await openPage(shared.browser, { js: true, viewport: "phone" });
    await signInThroughForm(phone.page, baseURL, "john@acme.com", undefined, "/integrations/email-forwarding/connect");
    await Promise.all([
      phone.page.waitForURL(/\/connected$/),
      phone.page.getByRole("button", { name: "Turn on email forwarding" }).click(),
    ]);
    await phone.page.goto(`${baseURL}/integrations`);
    const more = phone.page.getByLabel("More actions for Email Forwarding");
    await more.click();
    const menuDisconnect = phone.page.getByRole("region", { name: /^Connected Integrations/ }).getByRole("link", { name: "Disconnect" });
    await menuDisconnect.waitFor();
    await phone.page.keyboard.press("Escape");
    await menuDisconnect.waitFor({ state: "hidden" });
    await expect(more.evaluate((s) => s === document.activeElement)).resolves.toBe(true);
    await phone.page.goto(`${baseURL}/integrations/email-forwarding/disconnect`);
    await Promise.all([phone.page.waitForURL(/\/integrations$/), phone.page.getByRole("button", { name: /^Disconnect$/ }).click()]);
    await phone.context.close();
  });

  it("npm start says which URL runs the cron jobs locally, and that URL runs them", async () => {
    const output = inject("startOutput");
    const url = output.match(/Cron jobs .* curl -X POST (http:\/\/127\.0\.0\.1:\d+\/__dev\/cron)/)?.[1];
    expect(url, output.slice(-2000)).toBe(`${baseURL}/__dev/cron`);
    expect(output).toContain("not wrangler's /cdn-cgi/handler/scheduled");
    const res = await fetch(url!, { method: "POST" });
    expect(res.status).toBe(200);
    await expect(res.text()).resolves.toBe("scheduled jobs ran\n");
  });

  it("/favicon.ico is an icon, and the header search stays on this machine in development", async () => {
    const res = await fetch(`${baseURL}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/icon/);
    const { context, page } = await openPage(shared.browser, { js: false, viewport: "desktop" });
    await signInThroughForm(page, baseURL, "john@acme.com");
    await page.getByRole("searchbox", { name: "Search", exact: true }).fill("refund");
    await Promise.all([
      page.waitForURL(/\/dev\/main-app\/search\?q=refund/),
      page.getByRole("searchbox", { name: "Search", exact: true }).press("Enter"),
    ]);
    await page.getByText("with the search “refund”").waitFor();
    await context.close();
  });
});
