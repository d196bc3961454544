import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { axeViolations, launchBrowser, openPage, screenshot, signInThroughForm, type ViewportName } from "./browser";

const baseURL = inject("baseURL");
const receiverURL = inject("receiverURL");
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

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

/** Lines a piece of text occupies on screen. */
async function linesOf(page: Page, text: string) {
  return page.evaluate((needle) => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const i = n.textContent!.indexOf(needle);
      if (i < 0 || !n.parentElement?.offsetParent) continue;
      const range = document.createRange();
      range.setStart(n, i);
      range.setEnd(n, i + needle.length);
      return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    }
    return -1;
  }, text);
}

async function noHorizontalOverflow(page: Page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

describe.each(runs)("confirmations, access and layout (JavaScript $js, $viewport)", ({ js, viewport }) => {
  const tag = `${viewport}-${js ? "js" : "nojs"}`;

  // Skipped at the end of session 2: this flow failed in Chromium (issue 20 items 3, 5, 9 are not finished); fix the feature, then re-enable.
  it("revoking a key and deleting an endpoint are confirmed on the next page, once", async () => {
    const { context, page } = await openPage(browser, { js, viewport });
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
    expect(await flash(page, "deleted").count()).toBe(0);
    await context.close();
  });

  // Skipped at the end of session 2: this flow failed in Chromium (issue 20 items 3, 5, 9 are not finished); fix the feature, then re-enable.
  it("an agent sees the 403 inside the shell, can reach the main app and can sign out", async () => {
    const { context, page } = await openPage(browser, { js, viewport });
    await signInThroughForm(page, baseURL, "sarah@acme.com", undefined, "/integrations");
    await page.getByRole("heading", { name: "You don't have access to this page" }).waitFor();
    await expect(page.getByRole("navigation", { name: "Main" }).count()).resolves.toBeGreaterThan(0);
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

describe("keyboard and small things", () => {
  // Skipped at the end of session 2: this flow failed in Chromium (issue 20 items 3, 5, 9 are not finished); fix the feature, then re-enable.
  it("Escape closes the phone drawer and the account menu, and focus returns to their button", async () => {
    const { context, page } = await openPage(browser, { js: true, viewport: "phone" });
    await signInThroughForm(page, baseURL, "john@acme.com");
    const summary = page.getByLabel("Open menu");
    await summary.click();
    await page.getByRole("navigation", { name: "Main" }).first().waitFor();
    await page.keyboard.press("Escape");
    await expect(page.locator("details.drawer").evaluate((d: HTMLDetailsElement) => d.open)).resolves.toBe(false);
    await expect(summary.evaluate((s) => s === document.activeElement)).resolves.toBe(true);
    await context.close();

    const desktop = await openPage(browser, { js: true, viewport: "desktop" });
    await signInThroughForm(desktop.page, baseURL, "john@acme.com");
    const account = desktop.page.getByText(/^Account menu for/);
    await account.click();
    await desktop.page.getByRole("button", { name: "Sign out" }).waitFor();
    await desktop.page.keyboard.press("Escape");
    await desktop.page.getByRole("button", { name: "Sign out" }).waitFor({ state: "hidden" });
    await desktop.context.close();
  });

  it("/favicon.ico is an icon, and the header search stays on this machine in development", async () => {
    const res = await fetch(`${baseURL}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/icon/);
    const { context, page } = await openPage(browser, { js: false, viewport: "desktop" });
    await signInThroughForm(page, baseURL, "john@acme.com");
    await page.getByRole("searchbox", { name: "Search" }).fill("refund");
    await Promise.all([
      page.waitForURL(/\/dev\/main-app\/search\?q=refund/),
      page.getByRole("searchbox", { name: "Search" }).press("Enter"),
    ]);
    await page.getByText("with the search “refund”").waitFor();
    await context.close();
  });
});
