import { and, eq } from "drizzle-orm";
import { apiKeys } from "../../db/schema";
import { type ApiRoute, defineRoute, jsonResponse } from "../define";
import { Me } from "../schemas";

/** GET /v1/me: who the key belongs to. Zapier uses it as its authentication test. */
export const meRoutes: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/v1/me",
    scope: null,
    scopeReason: "Only describes the calling key and its company (never a secret); Zapier's auth test needs it with any key.",
    operationId: "getMe",
    summary: "The company and API key making the request",
    tag: "Account",
    responses: { 200: { description: "The key's company and the key itself (never its secret).", schema: Me } },
    handler: async ({ key, db }) => {
      // expires_at is read, not taken from the isolate's key cache: regenerating a key sets it (ADR 0045)
      const row = await db
        .select({ expiresAt: apiKeys.expiresAt })
        .from(apiKeys)
        .where(and(eq(apiKeys.id, key.id), eq(apiKeys.companyId, key.companyId)))
        .get();
      const expiresAt = row ? row.expiresAt : key.expiresAt;
      return jsonResponse({
        company: { id: key.companyId, name: key.companyName, slug: key.companySlug },
        api_key: {
          id: key.id,
          name: key.name,
          scopes: key.scopes,
          last4: key.last4,
          created_at: key.createdAt.toISOString(),
          expires_at: expiresAt ? expiresAt.toISOString() : null,
        },
      });
    },
  }),
];
