import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-ignore: plain JS build step
import { addCompileHints, frameworkChunks, HINT } from "../../scripts/compile-hints.mjs";

const input = (bytesInOutput: number) => ({ bytesInOutput });

// ADR 0166: the browser chunk that carries react-dom starts with V8's compile hint, so it compiles while it streams.
describe("compile hints (ADR 0166)", () => {
  it("picks the chunks that carry react-dom or the scheduler, and no other", () => {
    const metafile = {
      outputs: {
        "public/build/_shared/chunk-A.js": { inputs: { "node_modules/react-dom/cjs/react-dom.production.min.js": input(130_000) } },
        "public/build/_shared/chunk-B.js": { inputs: { "node_modules/react/cjs/react.production.min.js": input(7_000) } },
        "public/build/_shared/chunk-C.js": { inputs: { "node_modules/scheduler/index.js": input(0), "app/x.tsx": input(10) } },
        "public/build/_shared/chunk-A.js.map": { inputs: { "node_modules/react-dom/index.js": input(10) } },
      },
    };
    expect(frameworkChunks(metafile)).toEqual(["public/build/_shared/chunk-A.js"]);
  });

  it("the built framework chunk starts with the hint (npm run build ran it)", () => {
    const meta = JSON.parse(readFileSync(new URL("../../build/server/metafile.js.json", import.meta.url), "utf8"));
    const chunks: string[] = frameworkChunks(meta);
    expect(chunks.some((c) => c.includes("/_shared/"))).toBe(true);
    for (const c of chunks) expect(readFileSync(new URL(`../../${c}`, import.meta.url), "utf8").startsWith(HINT)).toBe(true);
  });

  it("hints a chunk once however often the build step runs, and fails the build when no chunk carries react-dom", () => {
    const dir = mkdtempSync(join(tmpdir(), "hints-"));
    try {
      mkdirSync(join(dir, "build/server"), { recursive: true });
      mkdirSync(join(dir, "public/build"), { recursive: true });
      const meta = (input: string) => ({ outputs: { "public/build/chunk-A.js": { inputs: { [input]: { bytesInOutput: 10 } } } } });
      writeFileSync(join(dir, "public/build/chunk-A.js"), "export{};");
      writeFileSync(join(dir, "build/server/metafile.js.json"), JSON.stringify(meta("node_modules/react-dom/client.js")));
      addCompileHints(dir);
      addCompileHints(dir);
      expect(readFileSync(join(dir, "public/build/chunk-A.js"), "utf8")).toBe(`${HINT}export{};`);
      writeFileSync(join(dir, "build/server/metafile.js.json"), JSON.stringify(meta("app/root.tsx")));
      expect(() => addCompileHints(dir)).toThrow(/no browser chunk carries react-dom/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
