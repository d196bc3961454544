/**
 * The Shopify GraphQL Admin API calls the adapter makes on the shop's domain (SHOPIFY_BASE is the
 * `https://{shop}` template the sandbox points at itself), with a custom app's Admin API token in
 * `X-Shopify-Access-Token`: `shop { name }` to check a token, and a customer's recent orders by
 * email with status, fulfilment and tracking. GraphQL answers 200 with `errors` for a query it
 * refuses; THROTTLED (the cost-based rate limit) becomes a 429 with the wait the cost data implies.
 */
import type { StoreOrder } from "../adapter";
import { type ClientDeps, field, ProviderApiError, providerBase, requestJson } from "../provider-http.server";

export const SHOPIFY_DEFAULT = "https://{shop}";
export const SHOPIFY_API_VERSION = "2025-07";

const ORDERS_QUERY = `query OrdersByEmail($query: String!, $first: Int!) {
  orders(first: $first, query: $query, sortKey: CREATED_AT, reverse: true) {
    nodes {
      id
      name
      createdAt
      closed
      cancelledAt
      displayFinancialStatus
      displayFulfillmentStatus
      totalPriceSet { shopMoney { amount currencyCode } }
      fulfillments(first: 5) { status trackingInfo(first: 5) { company number url } }
    }
  }
}`;

type GraphqlError = { message?: string; extensions?: { code?: string } };
type Cost = { requestedQueryCost?: number; throttleStatus?: { currentlyAvailable?: number; restoreRate?: number } };
type OrderNode = {
  id: string;
  name: string;
  createdAt: string;
  closed: boolean;
  cancelledAt: string | null;
  displayFinancialStatus: string | null;
  displayFulfillmentStatus: string | null;
  totalPriceSet: { shopMoney: { amount: string; currencyCode: string } } | null;
  fulfillments: { status: string; trackingInfo: { company: string | null; number: string | null; url: string | null }[] }[];
};

/** Seconds until the bucket holds what the query costs (Shopify's leaky bucket). */
function throttleWait(cost: Cost | undefined): number {
  const need = cost?.requestedQueryCost ?? 0;
  const have = cost?.throttleStatus?.currentlyAvailable ?? 0;
  const rate = cost?.throttleStatus?.restoreRate ?? 50;
  return Math.max(1, Math.ceil((need - have) / Math.max(rate, 1)));
}

export function shopifyClient(deps: ClientDeps & { env: Record<string, unknown>; shop: string; token: string }) {
  const base = providerBase(deps.env, "SHOPIFY_BASE", SHOPIFY_DEFAULT, { shop: deps.shop });
  async function graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const { data } = await requestJson<{ data?: T; errors?: GraphqlError[] | string; extensions?: { cost?: Cost } }>(
      deps,
      "Shopify",
      {
        method: "POST",
        url: `${base}/admin/api/${SHOPIFY_API_VERSION}/graphql.json`,
        headers: { "X-Shopify-Access-Token": deps.token },
        body: { query, variables },
      },
      (status, body) => ({ message: field(body, "errors") ?? field(body, "errors", 0, "message") ?? `HTTP ${status}` }),
    );
    const errors = Array.isArray(data?.errors) ? data.errors : [];
    if (errors.length) {
      const code = errors[0]?.extensions?.code ?? null;
      const message = `Shopify answered: ${errors.map((e) => e.message).join("; ")}`;
      if (code === "THROTTLED")
        throw new ProviderApiError(message, { status: 429, retryAfterSeconds: throttleWait(data.extensions?.cost), code });
      throw new ProviderApiError(message, { status: code === "ACCESS_DENIED" ? 403 : 400, code });
    }
    if (!data?.data) throw new ProviderApiError("Shopify answered without data.", { status: 502 });
    return data.data;
  }

  return {
    base,
    async shop(): Promise<{ name: string; domain: string | null }> {
      const data = await graphql<{ shop: { name: string; myshopifyDomain?: string } }>("query ShopName { shop { name myshopifyDomain } }");
      return { name: data.shop.name, domain: data.shop.myshopifyDomain ?? null };
    },
    async ordersByEmail(email: string, limit: number): Promise<StoreOrder[]> {
      const data = await graphql<{ orders: { nodes: OrderNode[] } }>(ORDERS_QUERY, {
        query: `email:"${email.replace(/["\\]/g, "")}"`,
        first: limit,
      });
      return data.orders.nodes.map(toOrder);
    },
  };
}

const lower = (s: string | null | undefined) => (s ? s.toLowerCase() : null);

function toOrder(o: OrderNode): StoreOrder {
  return {
    id: o.id,
    number: o.name,
    created_at: o.createdAt,
    status: o.cancelledAt ? "cancelled" : o.closed ? "closed" : "open",
    financial_status: lower(o.displayFinancialStatus),
    fulfillment_status: lower(o.displayFulfillmentStatus),
    total: o.totalPriceSet ? { amount: o.totalPriceSet.shopMoney.amount, currency: o.totalPriceSet.shopMoney.currencyCode } : null,
    tracking: o.fulfillments.flatMap((f) => f.trackingInfo.map((t) => ({ company: t.company, number: t.number, url: t.url }))),
  };
}
