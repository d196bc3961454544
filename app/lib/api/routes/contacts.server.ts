import { appDeps } from "../../deps.server";
import { customerContext } from "../../integrations/context/customer-context.server";
import { lookupOrders } from "../../integrations/orders/lookup.server";
import { type ApiRoute, defineRoute, jsonResponse } from "../define";
import { problem } from "../problem";
import { CustomerContext, OrderList, OrdersQuery } from "../schemas";

function emailParam(params: Record<string, string>): string {
  try {
    return decodeURIComponent(params.email ?? "");
  } catch {
    return "";
  }
}

export const contactRoutes: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/v1/contacts/:email/orders",
    scope: "orders:read",
    operationId: "listContactOrders",
    callsProviders: true,
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
      const result = await lookupOrders(
        { ...appDeps(c.env), db: c.db },
        { companyId: c.key.companyId, email: emailParam(c.params), limit: c.query.limit },
      );
      if (result.kind === "no_store") return problem(404, "No store is connected: connect Shopify or WooCommerce to look up orders.");
      if (result.kind === "invalid_email")
        return problem(400, "The email in the path is not valid.", { errors: { email: ["Must be an email address"] } });
      if (result.sources.every((s) => !s.ok))
        return problem(502, result.sources.map((s) => s.error).join(" ") || "The connected stores did not answer.");
      return jsonResponse({ data: result.orders, sources: result.sources });
    },
  }),
  defineRoute({
    method: "GET",
    path: "/v1/contacts/:email/context",
    scope: "contacts:read",
    operationId: "getContactContext",
    callsProviders: true,
    summary: "Customer context for the AI agent: what every connected CRM, help desk and store knows about a contact",
    description: [
      "**A tool for the AI agent: call it before answering a customer**, with the customer's email. One answer merges what each connected source knows: the CRM's record (company, owner, lifecycle stage, open deals), the help desk's open tickets and the store's recent orders. Each part says its `source` and `fetched_at` (`age_seconds`), so the agent can say how fresh it is.",
      "",
      "All sources are asked at once, each within a time budget of a few seconds: a source that is slow or fails is listed in `missing` with the reason and never delays the others. Use what is there; for a missing source, say it could not be checked rather than guessing. Answers are cached about a minute (`cached: true`) and never stored. Needs an API key with the `contacts:read` scope.",
    ].join("\n"),
    tag: "Contacts",
    params: { email: { description: "The contact's email address (URL-encoded).", example: "maria@example.com" } },
    responses: {
      200: {
        description: "What the connected sources know, each part labelled with its source and age; slow or failing sources in `missing`.",
        schema: CustomerContext,
      },
      400: { description: "The email in the path is not an email address." },
      404: { description: "No CRM, help desk or store is connected." },
    },
    handler: async (c) => {
      const result = await customerContext({ ...appDeps(c.env), db: c.db }, { companyId: c.key.companyId, email: emailParam(c.params) });
      if (result.kind === "no_source")
        return problem(404, "No CRM, help desk or store is connected: connect one to give the AI agent context.");
      if (result.kind === "invalid_email")
        return problem(400, "The email in the path is not valid.", { errors: { email: ["Must be an email address"] } });
      return jsonResponse({ email: result.email, parts: result.parts, missing: result.missing });
    },
  }),
];
