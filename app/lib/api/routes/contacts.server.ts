import { appDeps } from "../../deps.server";
import { lookupOrders } from "../../integrations/orders/lookup.server";
import { type ApiRoute, defineRoute, jsonResponse } from "../define";
import { problem } from "../problem";
import { OrderList, OrdersQuery } from "../schemas";

export const contactRoutes: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/v1/contacts/:email/orders",
    scope: "orders:read",
    operationId: "listContactOrders",
    summary: "Look up a contact's recent orders in the connected stores",
    description:
      'Asks the connected Shopify and/or WooCommerce store for the newest orders whose customer email is `{email}`, with status, fulfilment and tracking. Meant as a tool for the AI agent ("where is my order?"). Answers are cached about a minute and never stored. A store that fails is listed in `sources` with its error; the others still answer. Needs an API key with the `orders:read` scope.',
    tag: "Contacts",
    params: { email: { description: "The contact's email address (URL-encoded).", example: "orders@customer.test" } },
    query: OrdersQuery,
    responses: {
      200: { description: "The contact's recent orders, newest first.", schema: OrderList },
      404: { description: "No store is connected (connect Shopify or WooCommerce)." },
      502: { description: "Every connected store failed to answer; `detail` says why." },
    },
    handler: async (c) => {
      let raw = "";
      try {
        raw = decodeURIComponent(c.params.email ?? "");
      } catch {}
      const result = await lookupOrders({ ...appDeps(c.env), db: c.db }, { companyId: c.key.companyId, email: raw, limit: c.query.limit });
      if (result.kind === "no_store") return problem(404, "No store is connected: connect Shopify or WooCommerce to look up orders.");
      if (result.kind === "invalid_email")
        return problem(400, "The email in the path is not valid.", { errors: { email: ["Must be an email address"] } });
      if (result.sources.every((s) => !s.ok))
        return problem(502, result.sources.map((s) => s.error).join(" ") || "The connected stores did not answer.");
      return jsonResponse({ data: result.orders, sources: result.sources });
    },
  }),
];
