import { z } from "zod";
import type { ApiRoute } from "./define";
import { ProblemSchema } from "./schemas";

type JsonSchema = Record<string, unknown>;
type Components = Record<string, JsonSchema>;

const REF = "#/components/schemas/";

/** zod → JSON Schema 2020-12 (OpenAPI 3.1's dialect); schemas with a meta id become components. */
function toSchema(schema: z.ZodType, io: "input" | "output", components: Components): JsonSchema {
  const raw = JSON.stringify(z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }));
  const out = JSON.parse(raw.replaceAll('"#/$defs/', `"${REF}`)) as JsonSchema;
  const defs = (out.$defs ?? {}) as Components;
  delete out.$defs;
  delete out.$schema;
  delete out.$id;
  for (const [id, def] of Object.entries(defs)) components[id] ??= def;
  const id = z.globalRegistry.get(schema)?.id;
  if (!id) return out;
  components[id] ??= out;
  return { $ref: REF + id };
}

const problemResponse = (description: string) => ({ description, content: { "application/problem+json": { schema: { $ref: REF + "Problem" } } } });

/** "/v1/conversations/:id" → "/v1/conversations/{id}" */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, "{$1}");
}

export function buildOpenApiDocument(routes: readonly ApiRoute[], serverUrl = "https://api.chat.buzzi.ai") {
  const components: Components = {};
  toSchema(ProblemSchema, "output", components);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const pathParams = [...route.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]!);
    const parameters: unknown[] = pathParams.map((name) => ({ name, in: "path", required: true, schema: { type: "string" }, description: `The ${name === "id" ? "resource" : name} id.` }));
    if (route.query) {
      const q = toSchema(route.query, "input", components);
      const required = new Set((q.required as string[] | undefined) ?? []);
      for (const [name, schema] of Object.entries((q.properties ?? {}) as Record<string, JsonSchema>)) {
        const { description, ...rest } = schema;
        parameters.push({ name, in: "query", required: required.has(name), schema: rest, ...(description ? { description } : {}) });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, doc] of Object.entries(route.responses)) {
      responses[status] = doc.schema
        ? { description: doc.description, content: { "application/json": { schema: toSchema(doc.schema, "output", components) } } }
        : problemResponse(doc.description);
    }
    if (route.body || route.query) responses["400"] ??= problemResponse("Validation failed: `errors` maps each field to its messages. Malformed JSON is also a 400.");
    responses["401"] = problemResponse("Missing, invalid, revoked or expired API key.");
    if (route.scope) responses["403"] = problemResponse(`The key lacks the \`${route.scope}\` scope.`);
    if (pathParams.length) responses["404"] = problemResponse("No such resource in your company.");
    if (route.body) responses["413"] = problemResponse("The body is larger than 64 KB.");
    responses["429"] = { ...problemResponse("Rate limit exceeded; see Retry-After."), headers: { "Retry-After": { schema: { type: "integer" } } } };

    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      security: [{ bearerAuth: [] }],
      ...(route.scope ? { "x-required-scope": route.scope } : {}),
      ...(parameters.length ? { parameters } : {}),
      responses,
    };
    if (route.body) {
      const optional = route.body.safeParse(undefined).success;
      const inner = route.body instanceof z.ZodOptional ? (route.body.unwrap() as z.ZodType) : route.body;
      operation.requestBody = { required: !optional, content: { "application/json": { schema: toSchema(inner, "input", components) } } };
    }
    (paths[openApiPath(route.path)] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Integrations Hub API",
      version: "1.0.0",
      description:
        "The edge API of the support platform. Authenticate with `Authorization: Bearer sk_live_…`. Errors are `application/problem+json` (RFC 9457). Lists are `{ data, next_cursor }`. Each key is limited to a number of requests per minute: every response says the limit and what remains in its `RateLimit-*` headers, and a 429 says when to retry in `Retry-After`.",
    },
    servers: [{ url: serverUrl }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: components,
      securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", description: "An API key: sk_live_…" } },
    },
  };
}
