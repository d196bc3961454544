import { describe, expect, inject, it } from "vitest";
import { axeViolations, fileBrowser, offLoopback, openPage, screenshot, signInThroughForm, type ViewportName } from "./browser";

/** The Zapier card in Chromium, as the spec draws a connected card: connect, see, configure, disconnect. */
const baseURL = inject("baseURL");
const shared = fileBrowser();

const combos: { js: boolean; viewport: ViewportName }[] = [
  { js: true, viewport: "desktop" },
  { js: false, viewport: "desktop" },
  { js: false, viewport: "phone" },
];

describe.each(combos)("the Zapier card with JavaScript $js at $viewport width", ({ js, viewport }) => {
  it("Connect reveals a dedicated key once; the card shows Connected and the active Zaps; Disconnect says what it removes", async () => {
    const { context, page, requests } = await openPage(shared.browser, { js, viewport });
    await signInThroughForm(page, baseURL, "john@acme.com", undefined, "/integrations/available/zapier");
    await Promise.all([
      page.waitForURL((u) => u.pathname !== "/integrations/available/zapier"),
      page.getByRole("link", { name: /Connect with Zapier|View on Connected/ }).click(),
    ]);
    if (new URL(page.url()).pathname === "/integrations") await page.goto(`${baseURL}/integrations/zapier/connect`);
    const dialog = page.getByRole("dialog");
    await dialog.getByText("Integrations Hub").waitFor();
    await Promise.all([page.waitForURL(/revealed=/), dialog.getByRole("button", { name: /Zapier (API )?key/ }).click()]);

    const key = page.getByLabel("New API key");
    await expect(key.inputValue()).resolves.toMatch(/^sk_live_[A-Za-z0-9_-]{40,}$/);
    // the Copy button appears once JavaScript has run (clipboard available); without JS the key is selectable text
    if (js) await dialog.getByRole("button", { name: "Copy" }).waitFor();
    else await expect(dialog.getByRole("button", { name: "Copy" }).count()).resolves.toBe(0);
    await screenshot(page, `zapier-connect-${viewport}-${js ? "js" : "nojs"}`);
    await page.reload();
    await expect(page.getByLabel("New API key").count()).resolves.toBe(0);

    await page.goto(`${baseURL}/integrations`);
    const card = page.getByRole("article", { name: "Zapier" });
    await expect(card.getByText("Connected", { exact: true }).isVisible()).resolves.toBe(true);
    await expect(card.getByText("Automate workflows with 5000+ apps").isVisible()).resolves.toBe(true);
    await expect(card.getByText(/^(No active Zaps yet|\d+ active Zaps?)$/).isVisible()).resolves.toBe(true);
    await expect(card.getByRole("link", { name: "Configure" }).isVisible()).resolves.toBe(true);
    // axe runs inside the page, which needs JavaScript
    if (js) expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, `zapier-card-${viewport}-${js ? "js" : "nojs"}`);

    await card.getByRole("link", { name: "Configure" }).click();
    await page.getByRole("dialog", { name: "Configure Zapier" }).waitFor();
    // axe runs inside the page, which needs JavaScript
    if (js) expect(await axeViolations(page)).toEqual([]);

    await page.goto(`${baseURL}/integrations/zapier/disconnect`);
    const confirm = page.getByRole("dialog", { name: "Disconnect Zapier" });
    await confirm.getByText("Revoke the Zapier API key").waitFor();
    await confirm.getByText("Delete all Zapier subscriptions").waitFor();
    await Promise.all([
      page.waitForURL((u) => u.pathname === "/integrations"),
      confirm.getByRole("button", { name: "Disconnect" }).click(),
    ]);
    // with JavaScript the URL can change a moment before the revalidated list renders
    await page.getByRole("article", { name: "Zapier" }).waitFor({ state: "detached", timeout: 10_000 });
    await expect(page.getByRole("heading", { name: /Connected Integrations/ }).isVisible()).resolves.toBe(true);
    expect(offLoopback(requests)).toEqual([]);
    await context.close();
  });
});
