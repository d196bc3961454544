import * as z from "zod";
import { BOOKMARK_HEADER } from "../db/d1-session";
import { eventDescriptions } from "../events/catalog";
import { sampleEvent } from "../events/samples";
import { webhookEventTypes } from "../vocabulary";
import { SEND_TIMEOUT_MS } from "../webhooks/retry";
import type { ApiRoute } from "./define";
import { eventSchemas } from "./event-schemas";
import { IDEMPOTENCY_HEADER, IDEMPOTENCY_KEY_MAX, REPLAYED_HEADER } from "./idempotency.server";
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
  for (const [id, def] of Object.entries(defs)) components[id] ??= withIntegerFormats(def);
  withIntegerFormats(out);
  const id = z.globalRegistry.get(schema)?.id;
  if (!id) return out;
  components[id] ??= out;
  return { $ref: REF + id };
}

const INT32 = 2 ** 31;

/** Names the storage width of every bounded integer (int32 when its bounds fit, else int64). */
function withIntegerFormats<T>(node: T): T {
  if (Array.isArray(node)) node.forEach(withIntegerFormats);
  else if (node && typeof node === "object") {
    const o = node as Record<string, unknown>;
    if (o.type === "integer" && o.format === undefined) {
      const lo = typeof o.minimum === "number" ? o.minimum : -Infinity;
      const hi = typeof o.maximum === "number" ? o.maximum : Infinity;
      o.format = lo >= -INT32 && hi < INT32 ? "int32" : "int64";
    }
    Object.values(o).forEach(withIntegerFormats);
  }
  return node;
}

/**
 * Sent on every response to an authenticated request (per key) and on a 401 (per client address);
 * X-D1-Bookmark on every response whose request read or wrote data (ADR 0120).
 */
const RATE_LIMIT_HEADERS = {
  "RateLimit-Limit": { $ref: "#/components/headers/RateLimit-Limit" },
  "RateLimit-Remaining": { $ref: "#/components/headers/RateLimit-Remaining" },
  "RateLimit-Reset": { $ref: "#/components/headers/RateLimit-Reset" },
  [BOOKMARK_HEADER]: { $ref: `#/components/headers/${BOOKMARK_HEADER}` },
};
const BOOKMARK_SCHEMA = { type: "string", pattern: "^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$", maxLength: 59 };
const BOOKMARK_PARAMETER = {
  name: BOOKMARK_HEADER,
  in: "header",
  required: false,
  schema: BOOKMARK_SCHEMA,
  description:
    "The `X-D1-Bookmark` of your previous response. Send it to read your own writes: the answer comes from a copy of the data at least that recent. Without it (or with a value of the wrong shape, which is ignored) a read may come from a copy a moment behind; a write always sees the latest data.",
};
const IDEMPOTENCY_PARAMETER = {
  name: IDEMPOTENCY_HEADER,
  in: "header",
  required: false,
  schema: { type: "string", minLength: 1, maxLength: IDEMPOTENCY_KEY_MAX + 2 },
  example: "8e03978e-40d5-43e8-bc93-6894a57f9324",
  description:
    "Makes a retry safe: send a new unique value (a UUID) with each request, and the same value when you retry it. Within 24 hours a repeat of a request that succeeded gets the first answer again (with `Idempotent-Replayed: true`) and changes nothing; a repeat while the first still runs gets a 409; the key with another method, path or body gets a 422. An error answer keeps nothing, so a corrected request may reuse the key. 1–255 visible ASCII characters, bare or in double quotes.",
};
const HEADERS = {
  [REPLAYED_HEADER]: {
    description: "`true` when this is the stored answer to an earlier request with the same `Idempotency-Key`, not a new run.",
    schema: { type: "string", enum: ["true"] },
  },
  [BOOKMARK_HEADER]: {
    description: "Where this request left the data: send it back as `X-D1-Bookmark` on your next request to read your own writes.",
    schema: BOOKMARK_SCHEMA,
  },
  "RateLimit-Limit": {
    description: "Requests allowed in the window.",
    schema: { type: "integer", format: "int32", minimum: 1, maximum: 1_000_000 },
  },
  "RateLimit-Remaining": {
    description: "Requests left in the window.",
    schema: { type: "integer", format: "int32", minimum: 0, maximum: 1_000_000 },
  },
  "RateLimit-Reset": {
    description: "Seconds until a request is allowed again.",
    schema: { type: "integer", format: "int32", minimum: 0, maximum: 86_400 },
  },
  "Retry-After": {
    description: "Seconds to wait before retrying.",
    schema: { type: "integer", format: "int32", minimum: 0, maximum: 86_400 },
  },
};

const problemResponse = (description: string, headers: Record<string, unknown> = RATE_LIMIT_HEADERS) => ({
  description,
  headers,
  content: { "application/problem+json": { schema: { $ref: `${REF}Problem` } } },
});

/** "/v1/conversations/:id" → "/v1/conversations/{id}" */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, "{$1}");
}

/** The Standard Webhooks headers every delivery carries. */
const WEBHOOK_HEADERS = [
  {
    name: "webhook-id",
    in: "header",
    required: true,
    description: "The event id: the same on every retry of this event. Deduplicate by it.",
    schema: { type: "string", maxLength: 100 },
  },
  {
    name: "webhook-timestamp",
    in: "header",
    required: true,
    description: "Unix seconds when this attempt was signed. Refuse it when more than five minutes off your clock.",
    schema: { type: "string", maxLength: 20, pattern: "^[0-9]{1,20}$" },
  },
  {
    name: "webhook-signature",
    in: "header",
    required: true,
    description:
      "Space-separated `v1,<base64 HMAC-SHA256 of {webhook-id}.{webhook-timestamp}.{body}>`, one per active secret (two during a rotation). See /docs/api#webhook-signatures.",
    schema: { type: "string", maxLength: 1000 },
  },
];

/**
 * OpenAPI 3.1's top-level `webhooks`: one entry per event type, keyed by the type, whose request
 * body is that event's JSON Schema (a component) with a sample. What we send, not what we serve.
 */
function buildWebhooks(components: Components, sendTimeoutSeconds: number) {
  return Object.fromEntries(
    webhookEventTypes.map((type) => [
      type,
      {
        post: {
          operationId: `${type.replace(/\.(\w)/g, (_m, c: string) => c.toUpperCase())}Webhook`,
          summary: `${type} (sent to your endpoint)`,
          description: `${eventDescriptions[type]}\n\nPOSTed to every active endpoint subscribed to \`${type}\`, signed per Standard Webhooks. Answer any 2xx within ${sendTimeoutSeconds} seconds; anything else is retried on the published schedule.`,
          tags: ["Webhooks"],
          parameters: WEBHOOK_HEADERS,
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: toSchema(eventSchemas[type], "output", components),
                examples: { sample: { summary: `A ${type} event`, value: sampleEvent(type) } },
              },
            },
          },
          responses: {
            "200": { description: "Any 2xx acknowledges the delivery." },
            default: { description: "Anything else, a redirect or no answer in time: the delivery is retried." },
          },
        },
      },
    ]),
  );
}

export function buildOpenApiDocument(routes: readonly ApiRoute[], serverUrl = "https://api.chat.buzzi.ai") {
  const components: Components = {};
  toSchema(ProblemSchema, "output", components);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const pathParams = [...route.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]!);
    const parameters: unknown[] = [{ $ref: `#/components/parameters/${BOOKMARK_HEADER}` }];
    parameters.push(
      ...pathParams.map((name) => ({
        name,
        in: "path",
        required: true,
        schema: { type: "string", maxLength: 100 },
        description: route.params?.[name]?.description ?? `The ${name === "id" ? "resource" : name} id.`,
        ...(route.params?.[name]?.example ? { example: route.params[name].example } : {}),
      })),
    );
    if (route.query) {
      const q = toSchema(route.query, "input", components);
      const required = new Set((q.required as string[] | undefined) ?? []);
      for (const [name, schema] of Object.entries((q.properties ?? {}) as Record<string, JsonSchema>)) {
        const { description, ...rest } = schema;
        parameters.push({ name, in: "query", required: required.has(name), schema: rest, ...(description ? { description } : {}) });
      }
    }
    // Every POST/PATCH reads its body as JSON (even one with no fields), so each can answer 400/413/415,
    // and each takes an Idempotency-Key (ADR 0173).
    const readsBody = route.method !== "GET" && route.method !== "DELETE";
    if (readsBody) parameters.push({ $ref: `#/components/parameters/${IDEMPOTENCY_HEADER}` });
    const successHeaders = readsBody
      ? { ...RATE_LIMIT_HEADERS, [REPLAYED_HEADER]: { $ref: `#/components/headers/${REPLAYED_HEADER}` } }
      : RATE_LIMIT_HEADERS;
    const responses: Record<string, unknown> = {};
    for (const [status, doc] of Object.entries(route.responses)) {
      const success = Number(status) < 400;
      responses[status] = doc.schema
        ? {
            description: doc.description,
            headers: success ? successHeaders : RATE_LIMIT_HEADERS,
            content: { "application/json": { schema: toSchema(doc.schema, "output", components) } },
          }
        : success
          ? { description: doc.description, headers: successHeaders } // e.g. 204: no body at all
          : problemResponse(doc.description);
    }
    if (readsBody) {
      const also = (status: string, text: string) =>
        route.responses[Number(status)] ? `${route.responses[Number(status)]!.description} Or: ${text}` : text;
      responses["409"] = problemResponse(also("409", "a request with the same `Idempotency-Key` is still running; see Retry-After."), {
        ...RATE_LIMIT_HEADERS,
        "Retry-After": { $ref: "#/components/headers/Retry-After" },
      });
      responses["422"] = problemResponse(also("422", "the `Idempotency-Key` was used for a different request."));
    }
    if (readsBody || route.query)
      responses["400"] ??= problemResponse("Validation failed: `errors` maps each field to its messages. Malformed JSON is also a 400.");
    responses["401"] = problemResponse("Missing, invalid, revoked or expired API key.");
    if (route.scope) responses["403"] = problemResponse(`The key lacks the \`${route.scope}\` scope.`);
    if (pathParams.length) responses["404"] ??= problemResponse("No such resource in your company.");
    if (readsBody) responses["413"] = problemResponse("The body is larger than 64 KB.");
    if (readsBody) responses["415"] = problemResponse("The body is not sent as application/json.");
    responses["429"] = problemResponse(
      route.companyLimit
        ? "Rate limit exceeded (this key, or your company's budget for this action); see Retry-After."
        : "Rate limit exceeded; see Retry-After.",
      { ...RATE_LIMIT_HEADERS, "Retry-After": { $ref: "#/components/headers/Retry-After" } },
    );
    responses["500"] = problemResponse("Something failed on our side; retrying later is safe.", {});
    responses["503"] = problemResponse("Temporarily unavailable; see Retry-After.", {
      "Retry-After": { $ref: "#/components/headers/Retry-After" },
    });

    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      description:
        route.description ??
        `${route.summary}. ${route.scope ? `Needs an API key with the \`${route.scope}\` scope.` : (route.scopeReason ?? "")}`.trim(),
      tags: [route.tag],
      security: [{ bearerAuth: [] }],
      ...(route.scope ? { "x-required-scope": route.scope } : {}),
      parameters,
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
      contact: { name: "Integrations Hub API documentation", url: "https://app.chat.buzzi.ai/docs/api" },
      version: "1.0.0",
      description:
        "The edge API of the support platform. Authenticate with `Authorization: Bearer sk_live_…`. Errors are `application/problem+json` (RFC 9457). Lists are `{ data, next_cursor }`. Each key is limited to a number of requests per minute: every response says the limit and what remains in its `RateLimit-*` headers, and a 429 says when to retry in `Retry-After`.",
    },
    servers: [{ url: serverUrl, description: "Production API, public, for customers' own servers", "x-internal": false }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    webhooks: buildWebhooks(components, SEND_TIMEOUT_MS / 1000),
    components: {
      schemas: components,
      headers: HEADERS,
      parameters: { [BOOKMARK_HEADER]: BOOKMARK_PARAMETER, [IDEMPOTENCY_HEADER]: IDEMPOTENCY_PARAMETER },
      securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", description: "An API key: sk_live_…" } },
    },
  };
}
