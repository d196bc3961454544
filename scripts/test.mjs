#!/usr/bin/env node
// `npm test`: typecheck, build the Worker once, then run both vitest projects
// (workerd integration tests and the Chromium end-to-end tests).
import { npmRun, run, root } from "./lib.mjs";

const t0 = Date.now();
await npmRun("typecheck");
await npmRun("build");
try {
  await run(`${root}node_modules/.bin/vitest`, ["run", ...process.argv.slice(2)]);
} catch {
  process.exitCode = 1;
}
console.log(`npm test finished in ${Math.round((Date.now() - t0) / 1000)} s`);
