#!/usr/bin/env node
// `npm run db:migrate`: applies migrations/ to the local D1 in PERSIST_DIR (the same state
// `npm start` uses; default .wrangler/state). Production: `npx wrangler d1 migrations apply DB --remote`.
import { persistDir, wrangler } from "./lib.mjs";

await wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir]);
