// After `remix build`: marks the browser chunk that carries the framework (react-dom, the router, Remix) with V8's
// file-level explicit compile hint, so Chromium compiles its functions while it streams the file in, off the main
// thread, instead of one by one on the main thread as the page's modules run (ADR 0166). Other browsers ignore the
// comment. Run by `npm run build`; idempotent.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isMain, root } from "./lib.mjs";

export const HINT = "//# allFunctionsCalledOnLoad\n";

/** The packages whose chunk is hinted: what every page runs in full to hydrate. */
const FRAMEWORK = ["node_modules/react-dom/", "node_modules/scheduler/"];

/** Output files (paths relative to the repository) of the browser build that carry the framework. */
export function frameworkChunks(metafile) {
  return Object.entries(metafile.outputs)
    .filter(
      ([out, o]) =>
        out.endsWith(".js") && Object.entries(o.inputs).some(([n, i]) => i.bytesInOutput > 0 && FRAMEWORK.some((f) => n.includes(f))),
    )
    .map(([out]) => out);
}

export function addCompileHints(dir = root) {
  const metafile = JSON.parse(readFileSync(join(dir, "build/server/metafile.js.json"), "utf8"));
  const chunks = frameworkChunks(metafile);
  if (chunks.length === 0)
    throw new Error("compile hints: no browser chunk carries react-dom (is build/server/metafile.js.json the browser build's?)");
  for (const out of chunks) {
    const file = join(dir, out);
    const text = readFileSync(file, "utf8");
    if (!text.startsWith(HINT)) writeFileSync(file, HINT + text);
  }
  return chunks;
}

if (isMain(import.meta.url)) {
  const chunks = addCompileHints();
  console.log(`compile hints: ${chunks.join(", ")}`);
}
