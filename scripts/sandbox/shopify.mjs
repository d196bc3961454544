// A stateful fake of the Shopify GraphQL Admin API the app calls on `{shop}`:
// POST /admin/api/{version}/graphql.json with the token in `X-Shopify-Access-Token`. It answers
// the two documents the app sends (`shop { name }` and `orders(first:, query: "email:…")`) from a
// few orders held for orders@customer.test; anything else is a GraphQL error, as Shopify answers
// a field it does not know. A rule with `throttled: true` answers Shopify's cost-based THROTTLED.
import { createFake, isObject, json } from "./kit.mjs";

export const ORDERS_EMAIL = "orders@customer.test";

function seed() {
  const money = (amount) => ({ shopMoney: { amount, currencyCode: "EUR" } });
  return {
    lookups: [],
    orders: [
      {
        id: "gid://shopify/Order/5003",
        email: ORDERS_EMAIL,
        name: "#1003",
        createdAt: "2026-11-20T10:15:00Z",
        closed: false,
        cancelledAt: null,
        displayFinancialStatus: "PAID",
        displayFulfillmentStatus: "FULFILLED",
        totalPriceSet: money("59.90"),
        fulfillments: [
          {
            status: "SUCCESS",
            trackingInfo: [{ company: "DHL Express", number: "JD014600003826", url: "https://www.dhl.com/track?id=JD014600003826" }],
          },
        ],
      },
      {
        id: "gid://shopify/Order/5002",
        email: ORDERS_EMAIL,
        name: "#1002",
        createdAt: "2026-11-02T08:00:00Z",
        closed: false,
        cancelledAt: null,
        displayFinancialStatus: "PAID",
        displayFulfillmentStatus: "UNFULFILLED",
        totalPriceSet: money("24.00"),
        fulfillments: [],
      },
      {
        id: "gid://shopify/Order/5001",
        email: ORDERS_EMAIL,
        name: "#1001",
        createdAt: "2026-10-01T12:00:00Z",
        closed: true,
        cancelledAt: "2026-10-02T09:00:00Z",
        displayFinancialStatus: "REFUNDED",
        displayFulfillmentStatus: "UNFULFILLED",
        totalPriceSet: money("12.50"),
        fulfillments: [],
      },
      {
        id: "gid://shopify/Order/4999",
        email: "someone@else.test",
        name: "#999",
        createdAt: "2026-09-01T12:00:00Z",
        closed: true,
        cancelledAt: null,
        displayFinancialStatus: "PAID",
        displayFulfillmentStatus: "FULFILLED",
        totalPriceSet: money("99.00"),
        fulfillments: [],
      },
    ],
  };
}

const gqlError = (message, code) => json({ errors: [{ message, ...(code ? { extensions: { code } } : {}) }] });
const cost = (requested) => ({
  requestedQueryCost: requested,
  actualQueryCost: requested,
  throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 1990, restoreRate: 100 },
});

export function createShopifyFake({ onCall, credentials } = {}) {
  return createFake({
    provider: "shopify",
    onCall,
    credentials,
    seed,
    snapshot: (state) => ({ orders: state.orders, lookups: state.lookups }),
    authenticate: ({ request, credentials }) => credentials.accepts(request.headers.get("x-shopify-access-token") ?? ""),
    unauthorized: () => json({ errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" }, 401),
    rateLimited: () => ({ errors: "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service." }),
    notFound: () => json({ errors: "Not Found" }, 404),
    routes: ({ method, path, body, state, fault }) => {
      const m = path.match(/^\/admin\/api\/(\d{4}-(?:01|04|07|10)|unstable)\/graphql\.json$/);
      if (!m || method !== "POST") return null;
      if (!isObject(body) || typeof body.query !== "string" || !body.query.trim())
        return json({ errors: { query: "Required parameter missing or invalid" } }, 400);
      const variables = isObject(body.variables) ? body.variables : {};
      if (fault?.throttled)
        return json({
          errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
          extensions: {
            cost: {
              requestedQueryCost: 252,
              actualQueryCost: null,
              throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 52, restoreRate: 100 },
            },
          },
        });
      const q = body.query;
      if (/\bshop\s*\{/.test(q) && !/\borders\s*\(/.test(q)) {
        if (!/\bname\b/.test(q)) return gqlError("Field must have selections (field 'shop' returns Shop but has no selections.)");
        return json({
          data: { shop: { name: "Acme Store (Sandbox)", myshopifyDomain: "acme.myshopify.com" } },
          extensions: { cost: cost(1) },
        });
      }
      if (/\borders\s*\(/.test(q)) {
        for (const field of ["createdAt", "displayFulfillmentStatus", "trackingInfo"])
          if (!q.includes(field)) return gqlError(`The document asks for no ${field}; the app always does.`);
        const first = variables.first;
        if (!Number.isInteger(first) || first < 1 || first > 250)
          return gqlError("Variable $first of type Int! was provided invalid value", "INVALID_VARIABLE");
        if (typeof variables.query !== "string")
          return gqlError("Variable $query of type String! was provided invalid value", "INVALID_VARIABLE");
        const email = /^email:"?([^"\s]+)"?$/.exec(variables.query.trim())?.[1]?.toLowerCase() ?? null;
        const list = state.orders
          .filter((o) => email !== null && o.email.toLowerCase() === email)
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
          .slice(0, first)
          .map(({ email: _e, ...o }) => o);
        state.lookups.push({ email, returned: list.map((o) => o.name) });
        return json({ data: { orders: { nodes: list } }, extensions: { cost: cost(2 + first * 12) } });
      }
      return gqlError("Field 'unknown' doesn't exist on type 'QueryRoot'", "undefinedField");
    },
  });
}
