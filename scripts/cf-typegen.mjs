#!/usr/bin/env node
// `npm run cf-typegen`: writes worker-configuration.d.ts (the Worker's bindings, [vars] and the
// secrets named in .dev.vars.example) with `wrangler types`. Run it after changing wrangler.toml
// or .dev.vars.example. `--check` (run by `npm test`) fails when the committed file is stale.
// Secrets come from .dev.vars.example, never from your own .dev.vars, so the output is the same on
// every machine. (`wrangler types --check` itself ignores --env-file, hence this comparison.)
import { readFileSync, writeFileSync } from "node:fs";
import { root, wrangler } from "./lib.mjs";

const file = `${root}worker-configuration.d.ts`;
const args = ["types", "worker-configuration.d.ts", "--include-runtime=false", "--strict-vars=false", "--env-file", ".dev.vars.example"];

if (process.argv.includes("--check")) {
  const committed = readFileSync(file, "utf8");
  try {
    await wrangler(args, { quiet: true });
  } finally {
    const fresh = readFileSync(file, "utf8");
    writeFileSync(file, committed);
    if (fresh !== committed) {
      console.error(
        "worker-configuration.d.ts is out of date with wrangler.toml / .dev.vars.example: run `npm run cf-typegen` and commit it.",
      );
      process.exitCode = 1;
    } else console.log("worker-configuration.d.ts is up to date.");
  }
} else {
  await wrangler(args, { quiet: true });
  console.log("wrote worker-configuration.d.ts");
}
