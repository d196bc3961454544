import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { axeViolations, fileBrowser, openPage, screenshot, signInThroughForm, type ViewportName } from "./browser";

const baseURL = inject("baseURL");
const receiverURL = inject("receiverURL");
const shared = fileBrowser();

const viewports: ViewportName[] = ["desktop", "phone"];

async function submitAndWait(page: Page, name: string) {
  await page.getByRole("button", { name, exact: true }).click();
  await page.waitForLoadState("load");
}

function createKeyForm(page: Page) {
  return page.getByRole("form", { name: "Create a key" });
}

describe.each(viewports)("forms keep exactly what was chosen (%s)", (viewport) => {
  it("JavaScript on: after a server error, every scope click counts", async () => {
    const { context, page } = await openPage(shared.browser, { js: true, viewport });
    await signInThroughForm(page, baseURL, "john@acme.com", undefined, "/integrations/developers");
    const form = createKeyForm(page);
    await form.getByRole("button", { name: "Create key" }).waitFor();
    // an empty name is refused by the server (the browser-side check would also catch it)
    await form.getByLabel("Name").fill(" ");
    await form.getByRole("button", { name: "Create key" }).click();
    await form.getByText("Give the key a name").waitFor();
    await form.getByLabel("Name").fill(`Scoped ${viewport}`);
    const write = form.getByRole("checkbox", { name: /^webhooks:write/ });
    await expect(write.isChecked()).resolves.toBe(true);
    await write.click();
    await expect(write.isChecked()).resolves.toBe(false);
    await form.getByRole("checkbox", { name: /^conversations:write/ }).click();
    await expect(form.getByRole("checkbox", { name: /^conversations:write/ }).isChecked()).resolves.toBe(false);
    await screenshot(page, `forms-key-scopes-after-error-${viewport}-js`);
    await Promise.all([page.waitForURL(/revealed=/), form.getByRole("button", { name: "Create key" }).click()]);
    const row = page
      .getByRole("list", { name: "API keys" })
      .getByRole("listitem")
      .filter({ hasText: `Scoped ${viewport}` });
    await expect(row.getByText(/^Scopes:/).textContent()).resolves.toBe(
      "Scopes: conversations:read, webhooks:read, hooks, orders:read, contacts:read",
    );
    await context.close();
  });

  // ADR 0169: the browser-side check is loaded after the page is interactive (here on the first focus in the form);
  // once it is there, an invalid form is refused in the page without a request.
  it("JavaScript on: the lazily loaded browser-side check refuses an empty name without a request", async () => {
    const { context, page } = await openPage(shared.browser, { js: true, viewport });
    await signInThroughForm(page, baseURL, "john@acme.com", undefined, "/integrations/developers");
    const form = createKeyForm(page);
    await form.getByRole("button", { name: "Create key" }).waitFor();
    const posts: string[] = [];
    page.on("request", (r) => {
      if (r.method() === "POST") posts.push(r.url());
    });
    await form.getByLabel("Name").focus();
    await page.waitForLoadState("networkidle");
    await form.getByLabel("Name").fill(" ");
    await form.getByRole("button", { name: "Create key" }).click();
    await form.getByText("Give the key a name").waitFor();
    expect(posts).toEqual([]);
    // fixing the field clears the error as it is typed (revalidated on input, still in the page)
    await form.getByLabel("Name").fill(`Checked ${viewport}`);
    await form.getByText("Give the key a name").waitFor({ state: "detached" });
    expect(posts).toEqual([]);
    await context.close();
  });

  it("JavaScript off: the re-rendered form shows exactly what was submitted", async () => {
    const { context, page } = await openPage(shared.browser, { js: false, viewport });
    await signInThroughForm(page, baseURL, "john@acme.com", undefined, "/integrations/developers");
    const form = createKeyForm(page);
    await form.getByLabel("Name").fill(`No scopes ${viewport}`);
    for (const box of await form.getByRole("checkbox").all()) await box.uncheck();
    await submitAndWait(page, "Create key");
    await form.getByText("Choose at least one scope").waitFor();
    for (const box of await form.getByRole("checkbox").all()) expect(await box.isChecked()).toBe(false);
    await expect(form.getByLabel("Name").inputValue()).resolves.toBe(`No scopes ${viewport}`);
    await screenshot(page, `forms-key-no-scope-${viewport}-nojs`);
    expect(await axeViolations(page)).toEqual([]);
    // pressing Create again without choosing still creates nothing
    await submitAndWait(page, "Create key");
    await form.getByText("Choose at least one scope").waitFor();
    await expect(page.getByRole("list", { name: "API keys" }).getByText(`No scopes ${viewport}`).count()).resolves.toBe(0);
    await context.close();
  });

  // Skipped at the end of session 2: failed in Chromium after the merge (issue 20 item 1 on Add Webhook is not finished); fix, then re-enable.
  it("JavaScript on: Add Webhook keeps event clicks after its URL is refused", async () => {
    const { context, page } = await openPage(shared.browser, { js: true, viewport });
    await signInThroughForm(page, baseURL, "john@acme.com", undefined, "/integrations/developers/webhooks/new");
    const dialog = page.getByRole("dialog", { name: "Add Webhook Endpoint" });
    // a private address: refused by the browser-side check and by the server alike
    await dialog.getByLabel(/^Endpoint URL/).fill("https://10.0.0.1/hook");
    await dialog.getByRole("checkbox", { name: /^conversation\.created/ }).check();
    await dialog.getByRole("checkbox", { name: /^message\.sent/ }).check();
    await dialog.getByRole("button", { name: "Create Webhook" }).click();
    await dialog.locator(".field-error").first().waitFor();
    await dialog.getByLabel(/^Endpoint URL/).fill(`${receiverURL}/forms-${viewport}`);
    const sent = dialog.getByRole("checkbox", { name: /^message\.sent/ });
    await expect(sent.isChecked()).resolves.toBe(true);
    await sent.click();
    await expect(sent.isChecked()).resolves.toBe(false);
    await Promise.all([
      page.waitForURL(/\/webhooks\/we_[^/?]+\?created=1/),
      dialog.getByRole("button", { name: "Create Webhook" }).click(),
    ]);
    await page.goto(`${baseURL}/integrations/developers`);
    const row = page.getByRole("listitem").filter({ hasText: `forms-${viewport}` });
    await expect(row.textContent()).resolves.toContain("conversation.created");
    await expect(row.textContent()).resolves.not.toContain("message.sent");
    await context.close();
  });
});
