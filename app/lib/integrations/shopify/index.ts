/**
 * Shopify: read-only order lookup for `GET /v1/contacts/{email}/orders` through the GraphQL Admin
 * API with a custom app's token (read_orders). Connecting checks the token with `shop { name }`.
 */
import { defineAdapter, type VerifyInput, type VerifyResult } from "../adapter";
import { CATALOG } from "../catalog";
import { ProviderApiError } from "../provider-http.server";
import { shopifyClient } from "./client.server";

/** Shopify's permanent shop domain: `{name}.myshopify.com`. */
const SHOP = /^[a-z0-9][a-z0-9-]{0,60}\.myshopify\.com$/;
export const shopDomain = (raw: string | undefined) =>
  (raw ?? "")
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, "")
    .replace(/\/.*$/, "");

const fieldError = (field: string, message: string): VerifyResult => ({ ok: false, fieldErrors: { [field]: [message] } });

export async function verifyShopify(input: VerifyInput): Promise<VerifyResult> {
  const shop = shopDomain(input.fields?.shop);
  if (!SHOP.test(shop)) return fieldError("shop", "Enter the shop's myshopify.com domain, like acme.myshopify.com.");
  const client = shopifyClient({
    fetch: input.fetch,
    signal: input.signal,
    now: () => input.now,
    env: input.env,
    shop,
    token: input.fields?.access_token ?? "",
  });
  try {
    const info = await client.shop();
    return { ok: true, accountLabel: `${info.name} (${shop})`, accountId: shop, context: { shop } };
  } catch (error) {
    if (error instanceof ProviderApiError && error.status === 401)
      return fieldError("access_token", "Shopify did not accept this access token.");
    if (error instanceof ProviderApiError && error.status === 403)
      return fieldError("access_token", "This token cannot read the shop. Give the app the read_orders scope.");
    if (error instanceof ProviderApiError && error.status === 404) return fieldError("shop", "There is no Shopify store at this domain.");
    return fieldError("shop", "We could not reach Shopify at this domain. Check it and try again.");
  }
}

export const shopifyAdapter = defineAdapter({
  id: "shopify",
  provider: CATALOG.shopify,
  features: CATALOG.shopify.features,
  verifyCredential: verifyShopify,
  orderLookup: ({ connection, env, fetch, now, signal, email, limit }) =>
    shopifyClient({
      fetch,
      signal,
      now,
      env,
      shop: connection.context.shop ?? shopDomain(connection.credential.fields?.shop),
      token: connection.credential.fields?.access_token ?? "",
    }).ordersByEmail(email, limit),
});
