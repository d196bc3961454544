import { Document, type ISpectralDiagnostic, type RulesetDefinition, Spectral } from "@stoplight/spectral-core";
// @ts-ignore: the package ships no types
import owaspRaw from "@stoplight/spectral-owasp-ruleset";
import { Json } from "@stoplight/spectral-parsers";
import { oas } from "@stoplight/spectral-rulesets";
import { buildOpenApiDocument } from "~/lib/api/openapi.server";
import { apiRoutes } from "~/lib/api/routes/index.server";
import { RULES_OFF } from "./openapi-ruleset";

const owasp = ((owaspRaw as { default?: unknown }).default ?? owaspRaw) as RulesetDefinition;

/** Lints the served document with one ruleset; rules turned off (with a reason) in openapi-ruleset.ts. */
export async function lintOpenApi(which: "oas" | "owasp"): Promise<ISpectralDiagnostic[]> {
  const spectral = new Spectral();
  const base = which === "oas" ? oas : owasp;
  spectral.setRuleset({
    extends: [[base as RulesetDefinition, "recommended"]],
    rules: Object.fromEntries(Object.keys(RULES_OFF[which]).map((r) => [r, "off"])),
  } as RulesetDefinition);
  const doc = buildOpenApiDocument(apiRoutes, "https://api.chat.buzzi.ai");
  return spectral.run(new Document(JSON.stringify(doc, null, 2), Json, "openapi.json"));
}
