import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { axeViolations, fileBrowser, openPage, screenshot, signInThroughForm, type ViewportName } from "./browser";

/**
 * Issue 18 items 1 and 6 in a real browser against `npm start`: Verify my receiver against the
 * local receiver (started with ?verify=1 it refuses what does not verify, as a correct receiver
 * must), and the Audit log page with its filter and CSV export. JavaScript on and off, desktop and phone.
 */
const baseURL = inject("baseURL");
const receiverURL = inject("receiverURL");
const shared = fileBrowser();

const runs: { js: boolean; viewport: ViewportName }[] = [
  { js: true, viewport: "desktop" },
  { js: false, viewport: "desktop" },
  { js: true, viewport: "phone" },
  { js: false, viewport: "phone" },
];

async function createEndpoint(page: Page, url: string) {
  await page.goto(`${baseURL}/integrations/developers/webhooks/new`);
  const dialog = page.getByRole("dialog", { name: "Add Webhook Endpoint" });
  await dialog.getByLabel("Endpoint URL *").fill(url);
  await dialog.getByLabel("conversation.created").check();
  await Promise.all([page.waitForURL(/\/webhooks\/we_[^/?]+\?created=1/), dialog.getByRole("button", { name: "Create Webhook" }).click()]);
  const secret = await page.getByLabel("Signing secret").inputValue();
  expect(secret).toMatch(/^whsec_/);
  return { secret, detailURL: page.url().replace(/\?.*$/, "") };
}

describe.each(runs)("issue 18 screens (JavaScript $js, $viewport)", ({ js, viewport }) => {
  const tag = `${viewport}-${js ? "js" : "nojs"}`;

  it("Verify my receiver: the local receiver accepts the signed delivery and refuses the other two", async () => {
    const { context, page } = await openPage(shared.browser, { js, viewport });
    await signInThroughForm(page, baseURL, "john@acme.com", undefined, "/integrations/developers");
    const path = `/beyond-${tag}`;
    const { secret, detailURL } = await createEndpoint(page, `${receiverURL}${path}?verify=1`);
    // the receiver learns the secret the way the docs say: POST /__receiver/secret
    expect((await fetch(`${receiverURL}/__receiver/secret`, { method: "POST", body: JSON.stringify({ secret }) })).status).toBe(201);

    await page.goto(detailURL);
    const tools = page.getByRole("region", { name: "Check your receiver" });
    await tools.waitFor();
    await screenshot(page, `beyond-endpoint-tools-${tag}`);
    expect(await axeViolations(page)).toEqual([]);
    await Promise.all([page.waitForURL(/\/verify$/), tools.getByRole("button", { name: "Verify my receiver" }).click()]);
    const dialog = page.getByRole("dialog", { name: "Verify my receiver" });
    await dialog.getByRole("heading", { name: "Your receiver passed all three checks" }).waitFor();
    for (const text of [
      "A correctly signed delivery is accepted",
      "A delivery with a wrong signature is refused",
      "A delivery with a timestamp 10 minutes old is refused",
    ]) {
      await dialog.getByText(text).waitFor();
    }
    await screenshot(page, `beyond-verify-passed-${tag}`);
    expect(await axeViolations(page)).toEqual([]);

    const { data } = (await (await fetch(`${receiverURL}/__receiver/deliveries`)).json()) as {
      data: { path: string; verified: boolean; answered: number; body: string }[];
    };
    const mine = data.filter((d) => d.path === path);
    expect(mine.map((d) => [JSON.parse(d.body).data.check, d.verified, d.answered]).sort()).toEqual([
      ["bad_signature", false, 401],
      ["signed", true, 200],
      ["stale_timestamp", false, 401],
    ]);
    // the checks are not deliveries: the endpoint's log is still empty
    await page.goto(detailURL);
    await page.getByText("No deliveries yet.").waitFor();

    // Replay to another URL: the screen opens from the endpoint page; with no delivery yet a range replay says so
    await Promise.all([page.waitForURL(/\/replay$/), page.getByRole("link", { name: "Replay to another URL" }).click()]);
    const replay = page.getByRole("dialog", { name: "Replay to another URL" });
    await replay.getByLabel("Send to URL *").fill(`${receiverURL}/beyond-copy-${tag}`);
    await replay.getByRole("button", { name: "Replay" }).click();
    await replay.getByText("No deliveries of this endpoint were created in that range.").waitFor();
    await screenshot(page, `beyond-replay-${tag}`);
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  });

  it("the Audit log lists the verification, filters with a GET form and exports CSV without secrets", async () => {
    const { context, page } = await openPage(shared.browser, { js, viewport });
    await signInThroughForm(page, baseURL, "john@acme.com", undefined, "/integrations/developers");
    await Promise.all([
      page.waitForURL(/\/integrations\/developers\/audit$/),
      page.getByRole("link", { name: "View the audit log" }).click(),
    ]);
    await page.getByRole("heading", { name: "Audit log", level: 2 }).waitFor();
    const entries = page.getByRole("list", { name: "Audit log entries" });
    await entries.getByText("Created a webhook endpoint").first().waitFor();
    await screenshot(page, `beyond-audit-${tag}`);
    expect(await axeViolations(page)).toEqual([]);

    await page.getByLabel("Action").selectOption("webhook_endpoint.verified");
    await page.getByLabel("Who").selectOption({ label: "john@acme.com" });
    await Promise.all([page.waitForURL(/action=webhook_endpoint\.verified/), page.getByRole("button", { name: "Filter" }).click()]);
    await entries.getByText("Verified a webhook receiver").first().waitFor();
    expect(await entries.getByText("Created a webhook endpoint").count()).toBe(0);
    await screenshot(page, `beyond-audit-filtered-${tag}`);
    expect(await axeViolations(page)).toEqual([]);

    const href = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
    expect(href).toContain("/integrations/developers/audit.csv?action=webhook_endpoint.verified");
    const csv = await context.request.get(`${baseURL}${href}`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()["content-type"]).toBe("text/csv; charset=utf-8");
    const text = await csv.text();
    expect(text.split("\r\n")[0]).toBe("at,actor_type,actor,action,description,target,details,ip");
    expect(text).toContain("webhook_endpoint.verified");
    expect(text).not.toContain("whsec_");
    expect(await page.content()).not.toContain("whsec_");
    await context.close();
  });
});
