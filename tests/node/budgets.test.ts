import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-ignore: plain JS shared with the benchmark
import { BUDGETS, chainForPath, integrationsPage, pageWeight } from "../../scripts/bundle-sizes.mjs";

// Sizes are deterministic, so the architecture.md §8 budgets are enforced here; timings live in `npm run bench`.
describe("size budgets (architecture.md §8)", () => {
  const weight = pageWeight(integrationsPage());

  it(`client JS for /integrations is at most ${BUDGETS.jsGzip / 1024} KB gzip`, () => {
    expect(weight.js.gzip).toBeLessThanOrEqual(BUDGETS.jsGzip);
  });

  it(`CSS for /integrations is at most ${BUDGETS.cssGzip / 1024} KB gzip`, () => {
    expect(weight.css.gzip).toBeLessThanOrEqual(BUDGETS.cssGzip);
  });

  it("the weight counts the real files (entry, root and route modules, CSS)", () => {
    expect(weight.jsFiles.length).toBeGreaterThan(4);
    expect(weight.js.gzip).toBeGreaterThan(50 * 1024); // react-dom + remix alone are ~80 KB gzip
    expect(weight.css.gzip).toBeGreaterThan(1024);
  });

  // ADR 0169: the three tabs load no zod up front; the Create-a-key check comes in its own chunk later, and the
  // Available tab's loader takes the provider ids from a .server module instead of the catalog (whose entries hold zod).
  it("the JS the three tabs load up front carries no zod", () => {
    const meta = JSON.parse(readFileSync(new URL("../../build/server/metafile.js.json", import.meta.url), "utf8")) as {
      outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }>; imports: { path: string; kind: string }[] }>;
    };
    const inputsOf = (file: string) => Object.keys(meta.outputs[`public${file}`]?.inputs ?? {});
    for (const path of ["/integrations", "/integrations/available", "/integrations/developers"]) {
      const files: string[] = pageWeight(chainForPath(path)).jsFiles.filter((f: string) => f.startsWith("/build/"));
      expect(files.length).toBeGreaterThan(4);
      expect(files.filter((f) => inputsOf(f).some((i) => i.includes("node_modules/zod/")))).toEqual([]);
    }
    const lazy = Object.entries(meta.outputs).find(([, o]) =>
      Object.keys(o.inputs).some((i) => i.endsWith("app/lib/api-keys/create-key.validate.ts")),
    );
    expect(lazy).toBeDefined();
    const developers = Object.entries(meta.outputs).find(([k]) => k.includes("/routes/integrations.developers-") && k.endsWith(".js"));
    expect(developers?.[1].imports.filter((i) => i.path === lazy?.[0]).map((i) => i.kind)).toEqual(["dynamic-import"]);
  });

  // What no page may ship, read from the browser build's metafile (modules that made it into an output file):
  // storage code (a route importing a non-.server module with top-level table definitions keeps drizzle and the
  // schema in the page, 18 KB gzip on /login), and zod beyond what the schemas use (`import { z }` kept all
  // 60 locales and JSON Schema, 64 KB gzip on every form page; ADR 0160).
  it("no page's JS carries storage code, drizzle, or zod's unused locales and JSON Schema import", () => {
    const meta = JSON.parse(readFileSync(new URL("../../build/server/metafile.js.json", import.meta.url), "utf8")) as {
      outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
    };
    const shipped = Object.values(meta.outputs).flatMap((o) =>
      Object.entries(o.inputs)
        .filter(([, i]) => i.bytesInOutput > 0)
        .map(([n]) => n),
    );
    expect(shipped.some((n) => n.includes("node_modules/react-dom/"))).toBe(true); // the metafile is the browser build's
    const forbidden = shipped.filter(
      (n) =>
        n.includes("node_modules/drizzle-orm/") ||
        n.startsWith("app/lib/db/") ||
        (n.includes("node_modules/zod/v4/locales/") && !n.endsWith("/en.js")) ||
        n.includes("node_modules/zod/v4/classic/from-json-schema"),
    );
    expect(forbidden).toEqual([]);
  });
});
