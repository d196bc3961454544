/**
 * WooCommerce: read-only order lookup for `GET /v1/contacts/{email}/orders` through the store's
 * REST API v3. The store URL passes the URL guard at connect and before every call; connecting
 * checks the key by reading one order (the permission the lookup needs).
 */

import { checkAccountUrl, guardAccountUrl } from "../account-url.server";
import { defineAdapter, type VerifyInput, type VerifyResult } from "../adapter";
import { CATALOG } from "../catalog";
import { ProviderApiError } from "../provider-http.server";
import { wooClient } from "./client.server";

const fieldError = (field: string, message: string): VerifyResult => ({ ok: false, fieldErrors: { [field]: [message] } });

export async function verifyWooCommerce(input: VerifyInput): Promise<VerifyResult> {
  const url = checkAccountUrl(input.fields?.store_url ?? "", input.env);
  if (!url.ok) return fieldError("store_url", url.reason);
  const client = wooClient({
    fetch: input.fetch,
    signal: input.signal,
    now: () => input.now,
    base: url.base,
    key: input.fields?.consumer_key ?? "",
    secret: input.fields?.consumer_secret ?? "",
  });
  try {
    await client.check();
    const host = new URL(url.base);
    return {
      ok: true,
      accountLabel: `${host.host}${host.pathname === "/" ? "" : host.pathname}`,
      accountId: null,
      context: { base_url: url.base },
    };
  } catch (error) {
    if (error instanceof ProviderApiError && error.status === 401)
      return fieldError("consumer_key", "WooCommerce did not accept this consumer key and secret.");
    if (error instanceof ProviderApiError && error.status === 403)
      return fieldError("consumer_key", "This key cannot read orders. Give it Read permission.");
    if (error instanceof ProviderApiError && error.status === 404)
      return fieldError(
        "store_url",
        "There is no WooCommerce REST API at this address (is WooCommerce installed, with pretty permalinks?).",
      );
    return fieldError("store_url", "We could not reach the store at this address. Check it and try again.");
  }
}

export const wooCommerceAdapter = defineAdapter({
  id: "woocommerce",
  provider: CATALOG.woocommerce,
  features: CATALOG.woocommerce.features,
  verifyCredential: verifyWooCommerce,
  orderLookup: async ({ connection, env, fetch, now, signal, email, limit }) => {
    const fields = connection.credential.fields ?? {};
    const base = await guardAccountUrl(connection.context.base_url ?? fields.store_url ?? "", env, fetch);
    return wooClient({ fetch, signal, now, base, key: fields.consumer_key ?? "", secret: fields.consumer_secret ?? "" }).ordersByEmail(
      email,
      limit,
    );
  },
});
