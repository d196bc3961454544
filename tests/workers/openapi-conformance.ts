import { type Schema, Validator } from "@cfworker/json-schema";
import { findRoute } from "~/lib/api/match";
import { buildOpenApiDocument, openApiPath } from "~/lib/api/openapi.server";
import { apiRoutes } from "~/lib/api/routes/index.server";

type Op = { responses: Record<string, { content?: Record<string, { schema: Schema }> }> };
const doc = buildOpenApiDocument(apiRoutes) as unknown as {
  paths: Record<string, Record<string, Op>>;
  components: { schemas: Record<string, Schema> };
};

/**
 * Checks a real /v1 response against the served OpenAPI document: the status is documented for
 * the operation, a documented body matches its JSON Schema (@cfworker/json-schema, 2020-12), and
 * a response documented without content (204) has no body. Returns the problems found.
 */
export async function conformanceProblems(method: string, url: string, res: Response): Promise<string[]> {
  const path = new URL(url).pathname;
  const found = findRoute(apiRoutes, method, path);
  if (!found.route || path === "/v1/openapi.json") return [];
  const op = doc.paths[openApiPath(found.route.path)]?.[method.toLowerCase()];
  if (!op) return [`${method} ${path}: not in the document`];
  const documented = op.responses[String(res.status)];
  if (!documented) return res.status === 503 ? [] : [`${method} ${path}: status ${res.status} is not documented`];
  const text = await res.clone().text();
  if (!documented.content) return text === "" ? [] : [`${method} ${path}: ${res.status} is documented without a body but has one`];
  const type = (res.headers.get("Content-Type") ?? "").split(";")[0]!.trim();
  const media = documented.content[type];
  if (!media) return [`${method} ${path}: ${res.status} answered ${type}, documented ${Object.keys(documented.content).join(", ")}`];
  const schema = { ...media.schema, $defs: undefined } as Schema;
  const validator = new Validator({ ...schema, components: doc.components } as Schema, "2020-12", false);
  const result = validator.validate(JSON.parse(text));
  return result.valid ? [] : result.errors.slice(0, 5).map((e) => `${method} ${path} ${res.status}: ${e.instanceLocation} ${e.error}`);
}
