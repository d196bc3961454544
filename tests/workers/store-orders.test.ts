import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clearDnsCache } from "~/lib/webhooks/url-guard";
import { signIn } from "../helpers/browser-client";
import { ACME, TEST_API_KEY } from "../helpers/seed";
import { api, newKey } from "./api-client";
import { installCommerceFakes, WOO_URL } from "./commerce-helpers";
import { connectionRow, resetTables } from "./crm-helpers";

let installed: ReturnType<typeof installCommerceFakes>;
let ordersKey: string;
beforeEach(async () => {
  await resetTables();
  await env.KV.list({ prefix: "orders:" }).then((l) => Promise.all(l.keys.map((k) => env.KV.delete(k.name))));
  clearDnsCache();
  installed = installCommerceFakes();
  ordersKey = (await newKey(ACME.id, ["orders:read"], "AI agent")).secret;
});
afterEach(() => {
  installed.restore();
  vi.unstubAllGlobals();
});

const SHOPIFY_FIELDS = { shop: "acme.myshopify.com", access_token: "sandbox_shpat_123" };
const WOO_FIELDS = { store_url: WOO_URL, consumer_key: "sandbox_ck_123", consumer_secret: "sandbox_cs_123" };
const EMAIL = "orders@customer.test";

const post = async (provider: string, fields: Record<string, string>) =>
  (await signIn(ACME.adminEmail)).post(`/integrations/${provider}/connect`, { intent: "api_key", ...fields });
const orders = (email = EMAIL, key = ordersKey, query = "") => api(`/contacts/${encodeURIComponent(email)}/orders${query}`, { key });
type OrderList = {
  data: { number: string; source: string; status: string; fulfillment_status: string | null; tracking: Record<string, string | null>[] }[];
  sources: { provider: string; ok: boolean; cached: boolean; error: string | null }[];
};

describe("connecting a store", () => {
  it("Shopify: a wrong token or a domain that is not myshopify.com is a field error and saves nothing", async () => {
    const wrong = await post("shopify", { ...SHOPIFY_FIELDS, access_token: "shpat_wrong_token" });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("Shopify did not accept this access token.");
    const domain = await post("shopify", { ...SHOPIFY_FIELDS, shop: "evil.example.com" });
    expect(domain.status).toBe(400);
    expect(await domain.text()).toContain("Enter the shop&#x27;s myshopify.com domain");
    expect(await connectionRow("shopify")).toBeNull();
  });

  it("Shopify: connecting checks the token with the shop { name } query", async () => {
    expect((await post("shopify", SHOPIFY_FIELDS)).status).toBe(302);
    expect(await connectionRow("shopify")).toMatchObject({
      status: "connected",
      account_label: "Acme Store (Sandbox) (acme.myshopify.com)",
    });
    const [call] = installed.fakes.shopify.calls();
    expect(call).toMatchObject({ method: "POST", path: "/admin/api/2025-07/graphql.json", status: 200 });
    expect(call!.body.query).toContain("shop { name");
  });

  it("WooCommerce: the store URL goes through the webhook URL guard; a wrong key is a field error", async () => {
    const http = await post("woocommerce", { ...WOO_FIELDS, store_url: "http://shop.acme.test" });
    expect(await http.text()).toContain("The URL must start with https://.");
    const internal = await post("woocommerce", { ...WOO_FIELDS, store_url: "https://10.1.2.3/shop" });
    expect(await internal.text()).toContain("Private, loopback and internal network addresses are not allowed.");
    const wrong = await post("woocommerce", { ...WOO_FIELDS, consumer_secret: "cs_wrong_secret" });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("WooCommerce did not accept this consumer key and secret.");
    expect(await connectionRow("woocommerce")).toBeNull();
    expect((await post("woocommerce", WOO_FIELDS)).status).toBe(302);
    expect(JSON.parse((await connectionRow("woocommerce"))!.context)).toEqual({ base_url: WOO_URL });
  });
});

describe("GET /v1/contacts/{email}/orders", () => {
  it("needs the orders:read scope, a connected store, and a valid email", async () => {
    expect((await orders(EMAIL, TEST_API_KEY)).status).toBe(403); // the seed key has no orders:read
    const none = await orders();
    expect(none.status).toBe(404);
    expect(((await none.json()) as { detail: string }).detail).toContain("connect Shopify or WooCommerce");
    await post("shopify", SHOPIFY_FIELDS);
    const bad = await orders("not-an-email");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: Record<string, string[]> }).errors).toEqual({ email: ["Must be an email address"] });
    expect((installed.fakes.shopify.snapshot() as { lookups: unknown[] }).lookups).toEqual([]);
  });

  it("Shopify: the customer's recent orders with status, fulfilment and tracking, newest first; a second look within a minute comes from the cache, and nothing is stored in D1", async () => {
    await post("shopify", SHOPIFY_FIELDS);
    const res = await orders();
    expect(res.status).toBe(200);
    const body = (await res.json()) as OrderList;
    expect(body.data.map((o) => [o.number, o.status, o.fulfillment_status])).toEqual([
      ["#1003", "open", "fulfilled"],
      ["#1002", "open", "unfulfilled"],
      ["#1001", "cancelled", "unfulfilled"],
    ]);
    expect(body.data[0]!.tracking).toEqual([
      { company: "DHL Express", number: "JD014600003826", url: "https://www.dhl.com/track?id=JD014600003826" },
    ]);
    expect(body.sources).toEqual([{ provider: "shopify", ok: true, cached: false, error: null }]);
    const lookups = () => (installed.fakes.shopify.snapshot() as { lookups: unknown[] }).lookups;
    expect(lookups()).toEqual([{ email: EMAIL, returned: ["#1003", "#1002", "#1001"] }]);

    const again = (await (await orders(EMAIL.toUpperCase())).json()) as OrderList;
    expect(again.sources[0]!.cached).toBe(true);
    expect(again.data).toHaveLength(3);
    expect(lookups()).toHaveLength(1);
    const limited = (await (await orders(EMAIL, ordersKey, "?limit=1")).json()) as OrderList;
    expect(limited.data.map((o) => o.number)).toEqual(["#1003"]);

    const tables = (
      await env.DB.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite_%'",
      ).all<{ name: string }>()
    ).results;
    for (const { name } of tables) {
      const dump = JSON.stringify((await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results);
      expect(dump, `table ${name}`).not.toContain("JD014600003826");
    }
  });

  it("WooCommerce: only orders whose billing email is the customer's, with Shipment Tracking's numbers", async () => {
    await post("woocommerce", WOO_FIELDS);
    const body = (await (await orders()).json()) as OrderList;
    expect(body.data.map((o) => [o.number, o.status, o.fulfillment_status])).toEqual([
      ["#812", "completed", "fulfilled"],
      ["#805", "processing", "unfulfilled"],
      ["#790", "cancelled", null],
    ]);
    expect(body.data[0]!.tracking).toEqual([
      { company: "ups", number: "1Z999AA10123456784", url: "https://www.ups.com/track?tracknum=1Z999AA10123456784" },
    ]);
    const search = installed.fakes.woocommerce.calls().at(-1)!;
    expect(search).toMatchObject({
      method: "GET",
      path: "/wp-json/wc/v3/orders",
      query: { search: EMAIL, orderby: "date", order: "desc" },
    });
  });

  it("both stores: merged newest first; one store failing is reported and the other still answers", async () => {
    await post("shopify", SHOPIFY_FIELDS);
    await post("woocommerce", WOO_FIELDS);
    installed.fakes.woocommerce.inject({ path: "/wp-json/wc/v3/orders", status: 503 });
    const body = (await (await orders()).json()) as OrderList;
    expect(body.data.map((o) => o.source)).toEqual(["shopify", "shopify", "shopify"]);
    expect(body.sources).toEqual([
      { provider: "shopify", ok: true, cached: false, error: null },
      { provider: "woocommerce", ok: false, cached: false, error: expect.stringContaining("WooCommerce answered 503") },
    ]);
    const later = (await (await orders()).json()) as OrderList;
    expect(later.data.map((o) => o.number)).toEqual(["#1003", "#812", "#805", "#1002", "#790"]);
  });

  it("Shopify throttling (THROTTLED or 429) is a 502 that says so; a refused token marks the connection for reconnecting", async () => {
    await post("shopify", SHOPIFY_FIELDS);
    installed.fakes.shopify.inject({ path: "/graphql.json", throttled: true });
    const throttled = await orders();
    expect(throttled.status).toBe(502);
    expect(((await throttled.json()) as { detail: string }).detail).toMatch(/Shopify is rate limiting us; retry in \d+ s\./);
    installed.fakes.shopify.inject({ path: "/graphql.json", status: 429, retryAfter: 2 });
    expect(((await (await orders()).json()) as { detail: string }).detail).toContain("rate limiting");
    installed.fakes.shopify.credentials.revoked.add(SHOPIFY_FIELDS.access_token);
    const refused = await orders();
    expect(refused.status).toBe(502);
    expect(await connectionRow("shopify")).toMatchObject({ status: "needs_reauth" });
    expect((await orders()).status).toBe(404);
  });

  it("a store URL that now resolves to a private address is refused before any call", async () => {
    await post("woocommerce", WOO_FIELDS);
    installed.restore();
    vi.unstubAllGlobals();
    installed = installCommerceFakes(() => "192.168.1.20");
    clearDnsCache();
    const res = await orders();
    expect(res.status).toBe(502);
    expect(((await res.json()) as { detail: string }).detail).toContain("non-public address");
    expect(installed.fakes.woocommerce.calls()).toEqual([]);
  });
});
