import SwaggerParser from "@apidevtools/swagger-parser";
import { describe, expect, it } from "vitest";
import { buildOpenApiDocument, openApiPath } from "~/lib/api/openapi.server";
import { apiRoutes } from "~/lib/api/routes/index.server";
import { webhookEventTypes } from "~/lib/vocabulary";

type Doc = ReturnType<typeof buildOpenApiDocument>;

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const doc = buildOpenApiDocument(apiRoutes, "https://api.example.com");
    const api = await SwaggerParser.validate(structuredClone(doc) as never);
    expect((api as { openapi: string }).openapi).toBe("3.1.0");
  });

  it("documents every route of the route table, and nothing else", () => {
    const doc = buildOpenApiDocument(apiRoutes) as Doc;
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const implemented = apiRoutes.map((r) => `${r.method} ${openApiPath(r.path)}`);
    expect(documented.sort()).toEqual(implemented.sort());
    expect(new Set(apiRoutes.map((r) => r.operationId)).size).toBe(apiRoutes.length);
  });

  it("describes request bodies with the same constraints the validator enforces", () => {
    const doc = buildOpenApiDocument(apiRoutes) as any;
    const create = doc.paths["/v1/conversations"].post;
    expect(create.requestBody.required).toBe(true);
    const schema = doc.components.schemas.ConversationCreate;
    expect(schema.required.sort()).toEqual(["contact", "message"]);
    expect(schema.properties.subject.maxLength).toBe(500);
    expect(schema.properties.contact.$ref).toBe("#/components/schemas/ContactInput");
    const contact = doc.components.schemas.ContactInput;
    expect(contact.properties.email.format).toBe("email");
    expect(contact.properties.phone.pattern).toBe("^\\+[1-9][0-9]{6,14}$");
    const escalate = doc.paths["/v1/conversations/{id}/escalate"].post;
    expect(escalate.requestBody.required).toBe(false);
    const list = doc.paths["/v1/conversations"].get;
    const limit = list.parameters.find((p: any) => p.name === "limit");
    expect(limit).toMatchObject({ in: "query", required: false, schema: { maximum: 100, minimum: 1 } });
    expect(list.responses["401"]).toBeDefined();
    expect(list.responses["429"]).toBeDefined();
    expect(create.responses["403"]).toBeDefined();
  });

  it("publishes the event catalog in the top-level webhooks section: one entry per event type, keyed by the type, with a schema and a sample", () => {
    const doc = buildOpenApiDocument(apiRoutes) as any;
    expect(Object.keys(doc.webhooks).sort()).toEqual([...webhookEventTypes].sort());
    for (const type of webhookEventTypes) {
      const media = doc.webhooks[type].post.requestBody.content["application/json"];
      const name = media.schema.$ref.replace("#/components/schemas/", "");
      const schema = doc.components.schemas[name];
      expect(schema.properties.type.const).toBe(type);
      expect(schema.additionalProperties).toBe(false);
      expect(media.examples.sample.value.type).toBe(type);
      expect(doc.webhooks[type].post.parameters.map((p: any) => p.name)).toEqual(["webhook-id", "webhook-timestamp", "webhook-signature"]);
    }
  });

  it("a route added to the table without documentation support would show up as missing", () => {
    const extra = { ...apiRoutes[0]!, path: "/v1/extra", operationId: "extra" };
    const doc = buildOpenApiDocument(apiRoutes) as Doc;
    expect(Object.keys(doc.paths)).not.toContain(openApiPath(extra.path));
    expect(Object.keys(buildOpenApiDocument([...apiRoutes, extra]).paths)).toContain("/v1/extra");
  });
});
