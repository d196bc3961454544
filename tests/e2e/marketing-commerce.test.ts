import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { signInSession } from "../../scripts/form-session.mjs";
import { axeViolations, connectedCard, openPage, signInThroughForm, type ViewportName } from "./browser";
import { ownApp, sandboxState as sandboxStateOf, until, v1Client } from "./own-app";

/**
 * Mailchimp, ActiveCampaign, Shopify and WooCommerce doing their real job through the sandbox:
 * connected and configured in the browser (the audience and list pickers read the fakes), then a
 * conversation with marketing consent (and one without) created through /v1, and an order lookup
 * through GET /v1/contacts/{email}/orders. The fakes' own state shows the member, the contact and
 * the lookup. ActiveCampaign and WooCommerce are typed as the sandbox's URL: loopback is accepted
 * by the URL guard only because `npm start` runs in development with WEBHOOK_ALLOW_PRIVATE=true.
 */
const KEY = "sk_live_marketingcommercemarketingcommerce1234";
const ORDERS_EMAIL = "orders@customer.test";
const own = ownApp({ SEED_API_KEY: KEY });
const v1 = v1Client(() => own.app.baseURL, KEY);
const sandboxState = (provider: string) => sandboxStateOf(own.app.sandboxURL, provider);

async function connectWithKey(page: Page, provider: string, name: string, fields: Record<string, string>) {
  await page.goto(`${own.app.baseURL}/integrations/${provider}/connect`);
  const dialog = page.getByRole("dialog");
  for (const [label, value] of Object.entries(fields)) await dialog.getByLabel(label, { exact: true }).fill(value);
  await Promise.all([
    page.waitForURL(new RegExp(`/integrations/${provider}/connected$`)),
    dialog.getByRole("button", { name: `Connect ${name}` }).click(),
  ]);
}

async function configure(page: Page, provider: string, picker: string, choice: string, tags: string) {
  await page.goto(`${own.app.baseURL}/integrations/${provider}/configure`);
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel(picker).selectOption({ label: choice });
  await dialog.getByLabel("Tags").fill(tags);
  await Promise.all([page.waitForURL(/\/integrations$/), dialog.getByRole("button", { name: "Save Changes" }).click()]);
}

const runs: { js: boolean; viewport: ViewportName }[] = [
  { js: true, viewport: "desktop" },
  { js: false, viewport: "phone" },
];

describe.each(runs)("Marketing and commerce through the sandbox (JavaScript $js, $viewport)", ({ js, viewport }) => {
  const tag = `${viewport}-${js ? "js" : "nojs"}`;

  it("Mailchimp and ActiveCampaign: connect, choose the list, and only the contact with consent reaches them", async () => {
    const { context, page } = await openPage(own.browser, { js, viewport });
    await signInThroughForm(page, own.app.baseURL, "john@acme.com");

    await page.goto(`${own.app.baseURL}/integrations/mailchimp/connect`);
    await Promise.all([
      page.waitForURL((u) => u.href.startsWith(own.app.sandboxURL!)),
      page.getByRole("button", { name: "Continue to Mailchimp" }).click(),
    ]);
    await Promise.all([page.waitForURL(/\/integrations\/mailchimp\/connected$/), page.getByRole("button", { name: "Allow" }).click()]);
    const success = page.getByRole("dialog");
    await success.getByText("Successfully connected to Mailchimp!").waitFor();
    // the success modal lists what the adapter does (its features)
    await success.getByText(/Add contacts who gave marketing consent to the audience you choose/).waitFor();

    await page.goto(`${own.app.baseURL}/integrations/mailchimp/configure`);
    await page.getByRole("dialog").getByLabel("Audience").waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await configure(page, "mailchimp", "Audience", "Acme Newsletter", `support-chat, e2e-${tag}`);

    await page.goto(`${own.app.baseURL}/integrations/activecampaign/connect`);
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("API URL", { exact: true }).fill(`${own.app.sandboxURL}/activecampaign`);
    await dialog.getByLabel("API key", { exact: true }).fill("wrong_activecampaign_key");
    await dialog.getByRole("button", { name: "Connect ActiveCampaign" }).click();
    await page.getByText("ActiveCampaign did not accept this API key.").waitFor();
    await connectWithKey(page, "activecampaign", "ActiveCampaign", {
      "API URL": `${own.app.sandboxURL}/activecampaign`,
      "API key": "sandbox_activecampaign_e2e_key",
    });
    await configure(page, "activecampaign", "List", "Newsletter", "support-chat");

    await page.goto(`${own.app.baseURL}/integrations`);
    await connectedCard(page, "Mailchimp")
      .getByText(/audience a1b2c3d4e5/)
      .waitFor();

    const consenting = `member-${tag}@customer.test`;
    const silent = `silent-${tag}@customer.test`;
    await v1("/conversations", {
      method: "POST",
      body: { contact: { email: silent, name: "Sid Silent" }, message: { body: "No newsletter please" } },
    });
    await v1("/conversations", {
      method: "POST",
      body: { contact: { email: consenting, name: "Mia Member", marketing_consent: true }, message: { body: "Sign me up" } },
    });
    const member = await until(
      async () => (await sandboxState("mailchimp")).members!.find((m) => m.email_address === consenting && m.tags.length === 2),
      "the tagged Mailchimp member",
    );
    expect(member).toMatchObject({ list_id: "a1b2c3d4e5", status: "pending", merge_fields: { FNAME: "Mia", LNAME: "Member" } });
    expect(member.tags.map((t: { name: string }) => t.name)).toEqual(["support-chat", `e2e-${tag}`]);
    const contact = await until(
      async () => (await sandboxState("activecampaign")).contacts!.find((c) => c.email === consenting && c.tags.length > 0),
      "the tagged ActiveCampaign contact",
    );
    expect(contact).toMatchObject({ firstName: "Mia", lists: ["1"], tags: ["support-chat"] });
    // The contact without consent was created first and was never sent to either.
    expect((await sandboxState("mailchimp")).members!.some((m) => m.email_address === silent)).toBe(false);
    expect((await sandboxState("activecampaign")).contacts!.some((c) => c.email === silent)).toBe(false);
    await context.close();
  });

  it("Shopify and WooCommerce: connect, then GET /v1/contacts/{email}/orders answers from both stores", async () => {
    const { context, page } = await openPage(own.browser, { js, viewport });
    await signInThroughForm(page, own.app.baseURL, "john@acme.com");
    await connectWithKey(page, "shopify", "Shopify", {
      "Shop domain": "acme.myshopify.com",
      "Admin API access token": "sandbox_shpat_e2e",
    });
    await page
      .getByRole("dialog")
      .getByText(/Look up a customer's recent orders by email/)
      .waitFor();
    await connectWithKey(page, "woocommerce", "WooCommerce", {
      "Store URL": `${own.app.sandboxURL}/woocommerce`,
      "Consumer key": "sandbox_ck_e2e",
      "Consumer secret": "sandbox_cs_e2e",
    });
    await page.goto(`${own.app.baseURL}/integrations`);
    await connectedCard(page, "Shopify").waitFor();
    await connectedCard(page, "WooCommerce").waitFor();

    const admin = await signInSession(own.app.baseURL, "john@acme.com");
    const ordersKey = await admin.postForRevealedKey("/integrations/developers", {
      intent: "create-key",
      name: `AI agent ${tag}`,
      scopes: ["orders:read"],
    });
    const result = await v1(`/contacts/${encodeURIComponent(ORDERS_EMAIL)}/orders`, { key: ordersKey });
    expect(result.data.map((o: { number: string; source: string }) => `${o.source} ${o.number}`)).toEqual([
      "shopify #1003",
      "woocommerce #812",
      "woocommerce #805",
      "shopify #1002",
      "woocommerce #790",
    ]);
    expect(result.data[0]).toMatchObject({
      fulfillment_status: "fulfilled",
      tracking: [{ company: "DHL Express", number: "JD014600003826" }],
    });
    expect(result.sources.map((s: { provider: string; ok: boolean }) => [s.provider, s.ok])).toEqual([
      ["shopify", true],
      ["woocommerce", true],
    ]);
    const shopify = await sandboxState("shopify");
    expect(shopify.lookups).toContainEqual({ email: ORDERS_EMAIL, returned: ["#1003", "#1002", "#1001"] });
    const woo = await sandboxState("woocommerce");
    expect(woo.lookups!.some((l) => l.search === ORDERS_EMAIL)).toBe(true);
    await context.close();
  });
});
