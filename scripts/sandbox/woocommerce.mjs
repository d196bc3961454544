// A stateful fake of the WooCommerce REST API v3 the app calls on the store URL, with a REST key as
// HTTP Basic credentials (consumer key : consumer secret): orders (list with search, per_page 1–100,
// orderby, order; X-WP-Total headers), one order, and system_status. Errors are WordPress's
// { code, message, data: { status, params } }. Holds a few orders for orders@customer.test; the
// newest carries Shipment Tracking's `_wc_shipment_tracking_items` meta.
import { createFake, json } from "./kit.mjs";

export const ORDERS_EMAIL = "orders@customer.test";
const ORDERBY = ["date", "id", "include", "title", "slug", "modified"];

function order(id, status, date, paid, total, email, meta = []) {
  return {
    id: Number(id),
    number: String(id),
    status,
    currency: "EUR",
    total,
    date_created: date,
    date_created_gmt: date,
    date_paid_gmt: paid,
    billing: { first_name: "Olivia", last_name: "Orders", email },
    meta_data: meta,
  };
}

function seed() {
  return {
    lookups: [],
    orders: [
      order("812", "completed", "2026-11-18T14:00:00", "2026-11-18T14:01:00", "42.00", ORDERS_EMAIL, [
        {
          id: 9001,
          key: "_wc_shipment_tracking_items",
          value: [
            {
              tracking_provider: "ups",
              custom_tracking_provider: "",
              tracking_number: "1Z999AA10123456784",
              custom_tracking_link: "https://www.ups.com/track?tracknum=1Z999AA10123456784",
            },
          ],
        },
      ]),
      order("805", "processing", "2026-11-10T09:30:00", "2026-11-10T09:31:00", "18.50", ORDERS_EMAIL),
      order("790", "cancelled", "2026-10-05T17:45:00", null, "7.99", ORDERS_EMAIL),
      order("700", "completed", "2026-09-01T10:00:00", "2026-09-01T10:00:30", "120.00", "not-orders@customer.test"),
    ],
  };
}

const invalidParam = (name, message) =>
  json({ code: "rest_invalid_param", message: `Invalid parameter(s): ${name}`, data: { status: 400, params: { [name]: message } } }, 400);

export function createWooCommerceFake({ onCall, credentials } = {}) {
  return createFake({
    provider: "woocommerce",
    onCall,
    credentials,
    seed,
    snapshot: (state) => ({ orders: state.orders, lookups: state.lookups }),
    authenticate: ({ auth, credentials }) =>
      auth.scheme === "basic" && credentials.accepts(auth.user) && credentials.accepts(auth.password),
    unauthorized: () =>
      json({ code: "woocommerce_rest_authentication_error", message: "Consumer key is invalid.", data: { status: 401 } }, 401),
    rateLimited: () => ({ code: "too_many_requests", message: "Too many requests.", data: { status: 429 } }),
    notFound: () =>
      json({ code: "rest_no_route", message: "No route was found matching the URL and request method.", data: { status: 404 } }, 404),
    routes: ({ method, path, query, state }) => {
      if (method === "GET" && path === "/wp-json/wc/v3/system_status")
        return json({ environment: { site_url: "https://shop.acme.test", version: "9.4.0" }, settings: { currency: "EUR" } });
      if (method === "GET" && path === "/wp-json/wc/v3/orders") {
        const perPage = query.per_page === undefined ? 10 : Number(query.per_page);
        if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100)
          return invalidParam("per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)");
        if (query.orderby !== undefined && !ORDERBY.includes(query.orderby))
          return invalidParam("orderby", `orderby is not one of ${ORDERBY.join(", ")}.`);
        if (query.order !== undefined && !["asc", "desc"].includes(query.order))
          return invalidParam("order", "order is not one of asc and desc.");
        const search = (query.search ?? "").toLowerCase();
        const list = state.orders
          .filter(
            (o) =>
              !search ||
              [o.billing.email, o.billing.first_name, o.billing.last_name, o.number].some((v) => v.toLowerCase().includes(search)),
          )
          .sort((a, b) => (query.order === "asc" ? 1 : -1) * a.date_created_gmt.localeCompare(b.date_created_gmt));
        const page = list.slice(0, perPage);
        if (search) state.lookups.push({ search, returned: page.map((o) => `#${o.number}`) });
        return json(page, 200, {
          "X-WP-Total": String(list.length),
          "X-WP-TotalPages": String(Math.max(1, Math.ceil(list.length / perPage))),
        });
      }
      const one = path.match(/^\/wp-json\/wc\/v3\/orders\/(\d+)$/);
      if (method === "GET" && one) {
        const found = state.orders.find((o) => o.id === Number(one[1]));
        return found
          ? json(found)
          : json({ code: "woocommerce_rest_shop_order_invalid_id", message: "Invalid ID.", data: { status: 404 } }, 404);
      }
      return null;
    },
  });
}
