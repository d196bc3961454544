import { describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "~/lib/api/openapi.server";
import { apiRoutes } from "~/lib/api/routes/index.server";
import { lintOpenApi } from "./openapi-lint";
import { RULES_OFF } from "./openapi-ruleset";

const show = (ds: Awaited<ReturnType<typeof lintOpenApi>>) => ds.map((d) => `${d.code} at ${d.path.join(".")}: ${d.message}`);

describe("the OpenAPI document against third-party rules (Stoplight Spectral)", { timeout: 120_000 }, () => {
  it("spectral:oas reports no error and no warning", async () => {
    const found = (await lintOpenApi("oas")).filter((d) => d.severity <= 1);
    expect(show(found)).toEqual([]);
  });

  it("the OWASP API Security ruleset reports no error", async () => {
    const found = (await lintOpenApi("owasp")).filter((d) => d.severity === 0);
    expect(show(found)).toEqual([]);
  });

  it("every rule turned off says why it does not apply", () => {
    for (const reason of [...Object.values(RULES_OFF.oas), ...Object.values(RULES_OFF.owasp)]) expect(reason.length).toBeGreaterThan(40);
  });

  it("a 204 is documented without a body", () => {
    const doc = buildOpenApiDocument(apiRoutes) as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: unknown }> }>>;
    };
    const noContent = Object.values(doc.paths).flatMap((ops) =>
      Object.values(ops).flatMap((op) => (op.responses["204"] ? [op.responses["204"]] : [])),
    );
    expect(noContent.length).toBeGreaterThan(0);
    for (const r of noContent) expect(r.content).toBeUndefined();
  });
});
