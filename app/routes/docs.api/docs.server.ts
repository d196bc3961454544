import { buildOpenApiDocument } from "~/lib/api/openapi.server";
import { rateLimitPerMinute } from "~/lib/api/rate-limit.server";
import { apiRoutes } from "~/lib/api/routes/index.server";
import { webhookEventTypes } from "~/lib/db/schema";
import { apiBaseUrl, type Env } from "~/lib/env";
import { sampleEvent } from "~/lib/events/samples";
import { curlExample } from "./examples";

type Json = Record<string, any>;

/** Everything /docs/api shows, derived from the same route table as the OpenAPI document. */
export function loadApiDocs(env: Env, origin: string) {
  const doc = buildOpenApiDocument(apiRoutes, origin) as Json;
  const operations = apiRoutes.map((route) => {
    const path = route.path.replace(/:([A-Za-z_]+)/g, "{$1}");
    const op = doc.paths[path][route.method.toLowerCase()] as Json;
    return {
      id: route.operationId,
      method: route.method,
      path,
      summary: route.summary,
      description: route.description ?? null,
      scope: route.scope,
      parameters: ((op.parameters ?? []) as Json[]).map((p) => ({ name: p.name as string, in: p.in as string, required: Boolean(p.required), description: (p.description as string) ?? "", schema: JSON.stringify(p.schema) })),
      requestBody: op.requestBody ? { required: Boolean(op.requestBody.required), schema: JSON.stringify(op.requestBody.content["application/json"].schema, null, 2) } : null,
      responses: Object.entries(op.responses as Json).map(([status, r]) => ({
        status,
        description: r.description as string,
        schema: r.content?.["application/json"]?.schema ? JSON.stringify(r.content["application/json"].schema) : null,
      })),
      curl: curlExample(route.method, path, route.operationId),
    };
  });
  return {
    baseUrl: apiBaseUrl(env, origin),
    rateLimit: rateLimitPerMinute(env),
    operations,
    schemas: Object.entries(doc.components.schemas as Json).map(([name, schema]) => ({ name, json: JSON.stringify(schema, null, 2) })),
    events: webhookEventTypes.map((type) => ({ type, sample: JSON.stringify(sampleEvent(type), null, 2) })),
  };
}
