#!/usr/bin/env node
// `npm test`: typecheck, formatter/linter/unused-code checks, check worker-configuration.d.ts against wrangler.toml, build the Worker
// once, then run the three vitest projects: workers (workerd integration tests), node (Node-only
// judges, loopback pipeline, schema drift) and e2e (Chromium).
import { npmRun, root, run } from "./lib.mjs";

const t0 = Date.now();
await npmRun("typecheck");
// Style and hygiene gates: Biome (formatter + linter, biome.jsonc) and knip (unused files, exports, dependencies).
await run(`${root}node_modules/.bin/biome`, ["ci", "."]);
await run(`${root}node_modules/.bin/knip`, []);
await run(process.execPath, [`${root}scripts/cf-typegen.mjs`, "--check"]);
await npmRun("build");
// The projects run one after another: on 2 cores, running the workerd suite beside the Node
// pipeline test and the browser tests made timings (and timeouts) depend on each other.
const extra = process.argv.slice(2);
const projects = extra.some((a) => a.startsWith("--project"))
  ? [[]]
  : [
      ["--project", "workers"],
      ["--project", "node"],
      ["--project", "e2e"],
    ];
for (const project of projects) {
  try {
    await run(`${root}node_modules/.bin/vitest`, ["run", ...project, ...extra]);
  } catch {
    process.exitCode = 1;
  }
}
console.log(`npm test finished in ${Math.round((Date.now() - t0) / 1000)} s`);
