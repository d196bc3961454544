import { buildOpenApiDocument } from "~/lib/api/openapi.server";
import { rateLimitPerMinute } from "~/lib/api/rate-limit.server";
import { apiRoutes } from "~/lib/api/routes/index.server";
import { webhookEventTypes } from "~/lib/db/schema";
import { apiBaseUrl, type Env } from "~/lib/env";
import { eventDescriptions } from "~/lib/events/catalog";
import { sampleEvent } from "~/lib/events/samples";
import { curlExample, exampleBodies } from "./examples";
import { constraintNotes, fieldRows, refName, typeLabel } from "./schema-view.server";

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document is untyped JSON walked by key; each reader checks what it finds.
type Json = Record<string, any>;

/** Everything /docs/api shows, derived from the same route table as the OpenAPI document. */
export function loadApiDocs(env: Env, origin: string) {
  const doc = buildOpenApiDocument(apiRoutes, origin) as Json;
  const components = doc.components.schemas as Json;
  const operations = apiRoutes.map((route) => {
    const path = route.path.replace(/:([A-Za-z_]+)/g, "{$1}");
    const op = doc.paths[path][route.method.toLowerCase()] as Json;
    const body = op.requestBody?.content["application/json"].schema as Json | undefined;
    const example = exampleBodies[route.operationId];
    return {
      id: route.operationId,
      method: route.method,
      path,
      summary: route.summary,
      description: route.description ?? null,
      scope: route.scope,
      parameters: ((op.parameters ?? []) as Json[]).map((p) => ({
        name: p.name as string,
        in: p.in as string,
        required: Boolean(p.required),
        description: (p.description as string) ?? "",
        type: typeLabel(p.schema, components),
        notes: constraintNotes(p.schema, components),
      })),
      requestBody: body
        ? {
            required: Boolean(op.requestBody.required),
            schema: refName(body),
            fields: fieldRows(body, components),
            example: example === undefined ? null : JSON.stringify(example, null, 2),
          }
        : null,
      responses: Object.entries(op.responses as Json).map(([status, r]) => {
        const content = (r.content?.["application/json"] ?? r.content?.["application/problem+json"]) as Json | undefined;
        return { status, description: r.description as string, type: content?.schema ? typeLabel(content.schema, components) : null };
      }),
      curl: curlExample(route.method, path, route.operationId),
    };
  });
  return {
    baseUrl: apiBaseUrl(env, origin),
    rateLimit: rateLimitPerMinute(env),
    operations,
    schemas: Object.entries(components).map(([name, schema]) => ({
      name,
      description: (schema.description as string | undefined) ?? null,
      fields: fieldRows(schema, components),
      type: fieldRows(schema, components).length ? null : typeLabel(schema, components),
      notes: constraintNotes(schema, components),
    })),
    // The typed event catalog: the OpenAPI document's `webhooks` entry of each type, its schema's fields and its sample.
    events: webhookEventTypes.map((type) => {
      const schema = doc.webhooks[type].post.requestBody.content["application/json"].schema as Json;
      return {
        type,
        description: eventDescriptions[type],
        schema: refName(schema),
        fields: fieldRows(schema, components),
        sample: JSON.stringify(sampleEvent(type), null, 2),
      };
    }),
  };
}
