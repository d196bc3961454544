// The production bundle (`wrangler deploy --dry-run --minify`) served by Miniflare on loopback,
// with wrangler.toml's bindings (D1, KV, Queues, assets), migrated and seeded D1, and bench vars.

import { webcrypto as crypto } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { freePort, root, wrangler } from "../lib.mjs";
import { seed } from "../seed.mjs";

const requireFromWrangler = createRequire(createRequire(import.meta.url).resolve("wrangler/package.json"));

/** The miniflare that wrangler itself depends on (same workerd as `wrangler dev`). */
export async function loadMiniflare() {
  const mod = await import(pathToFileURL(requireFromWrangler.resolve("miniflare")).href);
  const pkg = JSON.parse(readFileSync(requireFromWrangler.resolve("miniflare/package.json"), "utf8"));
  return { Miniflare: mod.Miniflare, Log: mod.Log, LogLevel: mod.LogLevel, version: pkg.version };
}

export const DRY_RUN_ARGS = ["deploy", "--dry-run", "--minify", "--outdir"];

/** Bundles the Worker exactly as `wrangler deploy` would; returns the entry file and its sizes. */
export async function dryRunBundle(outdir) {
  await wrangler([...DRY_RUN_ARGS, outdir], { quiet: true });
  const entry = readdirSync(outdir).find((f) => f.endsWith(".js"));
  if (!entry) throw new Error(`wrangler --dry-run wrote no .js into ${outdir}`);
  const files = readdirSync(outdir).filter((f) => !f.endsWith(".map") && !f.endsWith(".md"));
  let raw = 0;
  let gzip = 0;
  for (const f of files) {
    const buf = readFileSync(join(outdir, f));
    raw += buf.length;
    gzip += gzipSync(buf, { level: 9 }).length;
  }
  return { entry: join(outdir, entry), files, raw, gzip };
}

// wrk closes its sockets mid-response when a run ends: workerd logs each as "Broken pipe" with a stack
const NOISE = /Broken pipe|Connection reset by peer|^stack: /;
function forwardRuntimeOutput(stdout, stderr) {
  for (const [stream, sink] of [
    [stdout, process.stdout],
    [stderr, process.stderr],
  ]) {
    let buf = "";
    stream.on("data", (d) => {
      buf += d;
      const lines = buf.split("\n");
      buf = lines.pop();
      for (const line of lines) if (line && !NOISE.test(line)) sink.write(`  [workerd] ${line}\n`);
    });
  }
}

const rnd = (n) => Buffer.from(crypto.getRandomValues(new Uint8Array(n)));

/**
 * Starts Miniflare on 127.0.0.1:<free port>. Returns { url, apiKey, bundle, mf, dispose }.
 * `vars` are extra bindings (they win over wrangler.toml [vars]). `beforeStart({ persistDir })` runs
 * after the demo seed, before Miniflare opens the database (e.g. to seed more data with wrangler).
 * `miniflareLog`: a Miniflare Log to receive its own lines (e.g. the per-batch QUEUE lines, timed).
 */
export async function startBenchServer({ vars = {}, log = console.log, beforeStart, miniflareLog } = {}) {
  // D1/KV state on tmpfs when there is one: the app's round trips are measured, not the disk's queue
  const stateRoot = process.env.BENCH_STATE_DIR || (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());
  const work = mkdtempSync(join(stateRoot, "ih-bench-"));
  const outdir = join(work, "dist");
  const persistDir = join(work, "state");
  log("  bundling with wrangler deploy --dry-run --minify …");
  const bundle = await dryRunBundle(outdir);

  log("  applying migrations and the demo seed to a fresh local D1 …");
  await wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir], { quiet: true });
  const apiKey = `sk_live_${rnd(32).toString("base64url")}`;
  const savedKey = process.env.SEED_API_KEY;
  process.env.SEED_API_KEY = apiKey;
  try {
    await seed({ persistDir, quiet: true });
  } finally {
    if (savedKey === undefined) delete process.env.SEED_API_KEY;
    else process.env.SEED_API_KEY = savedKey;
  }
  const seeded = beforeStart ? await beforeStart({ persistDir }) : undefined;

  const { unstable_getMiniflareWorkerOptions } = await import("wrangler");
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml"));
  const { Miniflare, Log, LogLevel, version } = await loadMiniflare();
  // BENCH_MINIFLARE_LOG=info prints Miniflare's own lines, e.g. "QUEUE ih-deliveries 25/25 (180ms)" per
  // consumer batch: how long each batch took (profiling the delivery pipeline, ADR 0125).
  const logLevel = process.env.BENCH_MINIFLARE_LOG?.toUpperCase();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const bindings = {
    ...workerOptions.bindings,
    ENVIRONMENT: "development",
    APP_BASE_URL: url,
    API_BASE_URL: `${url}/v1`,
    SESSION_SECRETS: rnd(32).toString("base64url"),
    ENCRYPTION_KEYS: `b1:${rnd(32).toString("base64")}`,
    WEBHOOK_ALLOW_PRIVATE: "true",
    WEBHOOK_RETRY_SCHEDULE: "1,2,5",
    // the per-key limit (600/min) would turn a throughput run into a rate-limit test
    API_RATE_LIMIT_PER_MINUTE: "100000000",
    BENCH_ROUTES: "true",
    ...vars,
  };
  const mf = new Miniflare({
    ...workerOptions,
    name: "integrations-hub",
    // one ESM file, listed by hand (the bundle keeps dynamic import()s Miniflare cannot follow)
    modules: bundle.files.filter((f) => f.endsWith(".js")).map((f) => ({ type: "ESModule", path: join(outdir, f) })),
    modulesRoot: outdir,
    bindings,
    host: "127.0.0.1",
    port,
    cf: false,
    // BENCH_INSPECTOR_PORT=9229 opens workerd's V8 inspector (CPU profiles of the Worker, ADR 0115's method)
    ...(process.env.BENCH_INSPECTOR_PORT ? { inspectorPort: Number(process.env.BENCH_INSPECTOR_PORT) } : {}),
    d1Persist: join(persistDir, "v3", "d1"),
    kvPersist: false,
    cachePersist: false,
    handleRuntimeStdio: forwardRuntimeOutput,
    ...(miniflareLog ? { log: miniflareLog } : logLevel && logLevel in LogLevel ? { log: new Log(LogLevel[logLevel]) } : {}),
  });
  await mf.ready;
  return {
    url,
    apiKey,
    bundle,
    stateDir: stateRoot,
    miniflareVersion: version,
    bindings: Object.keys(bindings),
    mf,
    seeded,
    async dispose() {
      await mf.dispose().catch(() => {});
      rmSync(work, { recursive: true, force: true });
    },
  };
}
