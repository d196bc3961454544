#!/usr/bin/env node
// `npm run bench`: measures the architecture.md §8 budgets on loopback and writes BENCHMARKS.md.
// Flags: --quick (shorter runs, 1 Lighthouse run, smaller webhook and soak runs), --skip-build,
// --only=sizes,d1,ssr,api,lighthouse,webhooks,soak,far  --out=FILE (default BENCHMARKS.md),
// --json FILE (or --json=FILE): the headline figures as JSON as well (scripts/bench/summary.mjs).
// --large[=SCALE]: also seed a large company and report it beside the small one (scripts/bench/large.mjs).
// See docs/decisions/0005-benchmark-method.md for the method.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { FAR_API, FAR_PAGES, measureFarLocation, renderFar } from "./bench/far.mjs";
import { api, signIn } from "./bench/http.mjs";
import { largeSizes, measureLarge, renderLarge, seedLargeCompany } from "./bench/large.mjs";
import { runLighthouse } from "./bench/lighthouse.mjs";
import { findWrk, loadRun } from "./bench/load.mjs";
import { machineInfo } from "./bench/machine.mjs";
import { startReceiver } from "./bench/receiver.mjs";
import { renderReport } from "./bench/report.mjs";
import { startBenchServer } from "./bench/server.mjs";
import { measureSigning } from "./bench/signing.mjs";
import { soakRun } from "./bench/soak.mjs";
import { median } from "./bench/stats.mjs";
import { headlineSummary } from "./bench/summary.mjs";
import {
  burstRun,
  ceilingRun,
  createEndpoint,
  deleteEndpoint,
  fanoutRun,
  latencyRun,
  newConversation,
  removeBenchEndpoints,
  settle,
  webhooksUnavailable,
} from "./bench/webhooks.mjs";
import { chainForPath, pageWeight } from "./bundle-sizes.mjs";
import { npmRun, root } from "./lib.mjs";

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const value = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const quick = flag("quick");
const SECTIONS = ["sizes", "d1", "ssr", "api", "lighthouse", "webhooks", "soak", "far"];
const only = value("only")?.split(",") ?? SECTIONS;
const out = value("out") ?? "BENCHMARKS.md";
const jsonOut = value("json") ?? (flag("json") ? argv[argv.indexOf("--json") + 1] : undefined);
if (flag("json") && (!jsonOut || jsonOut.startsWith("--"))) {
  console.error("--json needs a file name: npm run bench -- --quick --json bench.json");
  process.exit(2);
}
const large = flag("large") || value("large") !== undefined;
if (large && !only.includes("large")) only.push("large");
const P = {
  runs: 3,
  seconds: quick ? 5 : 10,
  warmup: quick ? 2 : 3,
  connections: 10,
  // Lighthouse's own variability guide: the median of 5 runs roughly halves the spread of one run.
  lighthouseRuns: quick ? 1 : 5,
  latencySamples: quick ? 10 : 30,
  burstEvents: 1000,
  burstRuns: quick ? 1 : 3,
  fanoutEndpoints: 20,
  fanoutEvents: [1, 1000],
  farSamples: quick ? 7 : 15,
  soakEvents: quick ? 1000 : 5000,
  soakClients: 200,
  soakSeconds: quick ? 20 : 60,
  soakDrainMs: quick ? 60_000 : 180_000,
};
const log = (...a) => console.log(...a);
const r = { params: P, quick, only, commands: [], notMeasured: {}, sectionSeconds: {} };
const skip = (section, reason) => {
  r.notMeasured[section] = reason;
  log(`  not measured: ${reason}`);
};
const runId = Date.now().toString(36);

async function section(name, fn) {
  if (!only.includes(name)) return skip(name, `skipped by --only (${only.join(",")})`);
  log(`\n## ${name}`);
  const started = Date.now();
  try {
    await fn();
  } catch (e) {
    skip(name, `error: ${String(e?.message ?? e).split("\n")[0]}`);
  }
  r.sectionSeconds[name] = Math.round((Date.now() - started) / 100) / 10;
  log(`  (${name}: ${r.sectionSeconds[name]} s)`);
}

/** Alternates the targets run by run (both in one process and one server), medians per target. */
async function sideBySide(tool, targets) {
  for (const t of targets) await loadRun(tool, { ...t, seconds: P.warmup, connections: P.connections });
  const runs = Object.fromEntries(targets.map((t) => [t.label, []]));
  for (let i = 0; i < P.runs; i++) {
    for (const t of targets) {
      const m = await loadRun(tool, { ...t, seconds: P.seconds, connections: P.connections });
      runs[t.label].push(m);
      log(
        `    run ${i + 1} ${t.label}: ${m.rps.toFixed(1)} req/s, p50 ${m.p50.toFixed(1)} ms, p99 ${m.p99.toFixed(1)} ms, errors ${m.errors}`,
      );
    }
  }
  const med = (label, k) => median(runs[label].map((m) => m[k]));
  return Object.fromEntries(
    targets.map((t) => [
      t.label,
      {
        rps: med(t.label, "rps"),
        p50: med(t.label, "p50"),
        p99: med(t.label, "p99"),
        errors: runs[t.label].reduce((a, m) => a + m.errors, 0),
        runs: runs[t.label],
      },
    ]),
  );
}

async function main() {
  const t0 = Date.now();
  r.machine = await machineInfo();
  log(`npm run bench${quick ? " --quick" : ""} on ${r.machine.cpu} × ${r.machine.cores}`);
  if (!flag("skip-build")) {
    log("building (npm run build) …");
    await npmRun("build", { quiet: true });
  }
  r.commands.push(
    `npm run bench${argv.length ? ` -- ${argv.join(" ")}` : ""}`,
    ...(flag("skip-build") ? [] : ["npm run build"]),
    "wrangler deploy --dry-run --minify --outdir <tmp>/dist",
    "wrangler d1 migrations apply DB --local --persist-to <tmp>/state",
    "seed({ persistDir: <tmp>/state }) from scripts/seed.mjs, with SEED_API_KEY = a fresh random key",
    'new Miniflare({ ...unstable_getMiniflareWorkerOptions("wrangler.toml").workerOptions, modules: [<tmp>/dist/app.js], bindings: { …, BENCH_ROUTES: "true" } })',
  );

  await section("sizes", async () => {
    r.sizes = pageWeight(chainForPath("/integrations")); // after the build: the manifest names the routes
    r.sizesDevelopers = pageWeight(chainForPath("/integrations/developers"));
    log(`  /integrations JS ${r.sizes.js.gzip} B gzip, CSS ${r.sizes.css.gzip} B gzip`);
  });

  log("\nstarting Miniflare on the dry-run bundle …");
  const sizes = large ? largeSizes(Number(value("large") ?? 1)) : null;
  const server = await startBenchServer({
    log,
    beforeStart: sizes ? ({ persistDir }) => seedLargeCompany({ persistDir, sizes, log }) : undefined,
  });
  r.server = { miniflare: server.miniflareVersion, bundle: server.bundle, bindings: server.bindings, stateDir: server.stateDir };
  log(`  ${server.url}; Worker bundle ${server.bundle.raw} B (${server.bundle.gzip} B gzip)`);
  const receiver = await startReceiver();
  try {
    const cookie = await signIn(server.url, "john@acme.com");
    const apiMissing = (await api(server.url, server.apiKey, "GET", "/v1/conversations")).status === 404;

    await section("d1", async () => {
      r.d1 = {};
      const probe = async (label, url, headers) => {
        const rows = [];
        // three requests first, not counted: the first page probed was also the isolate's first run of
        // that code, and its 17 ms "waiting on D1" was that warm-up, not D1 (ADR 0135)
        for (let i = 0; i < 3; i++) await (await fetch(url, { headers, redirect: "manual" })).arrayBuffer();
        for (let i = 0; i < 5; i++) {
          const res = await fetch(url, { headers, redirect: "manual" });
          await res.arrayBuffer();
          if (res.status !== 200) return (r.d1[label] = { status: res.status });
          rows.push(["x-bench-d1-round-trips", "x-bench-d1-wait-ms", "x-bench-worker-ms"].map((h) => Number(res.headers.get(h))));
        }
        r.d1[label] = {
          roundTrips: median(rows.map((x) => x[0])),
          waitMs: median(rows.map((x) => x[1])),
          workerMs: median(rows.map((x) => x[2])),
        };
        log(
          `  ${label}: ${r.d1[label].roundTrips} round trips, ${r.d1[label].waitMs} ms waiting on D1, ${r.d1[label].workerMs} ms to the response head`,
        );
      };
      for (const p of [...FAR_PAGES, "/__bench/bare"]) await probe(p, `${server.url}${p}`, { Cookie: cookie });
      if (!apiMissing) {
        // the first call of a key in an isolate looks the key up on its own (ADR 0045): warm it first
        const auth = { Authorization: `Bearer ${server.apiKey}` };
        await fetch(`${server.url}/v1/me`, { headers: auth }).then((res) => res.arrayBuffer());
        for (const p of ["/v1/conversations", "/v1/me", "/v1/events", "/v1/webhooks"]) await probe(`GET ${p}`, `${server.url}${p}`, auth);
      }
    });

    await section("far", async () => {
      const auth = { Authorization: `Bearer ${server.apiKey}` };
      await fetch(`${server.url}/v1/me`, { headers: auth }).then((res) => res.arrayBuffer()); // the key's first sight (ADR 0045)
      let n = 0;
      const requests = [
        ...FAR_PAGES.map((p) => ({ label: p, url: `${server.url}${p}`, init: () => ({ headers: { Cookie: cookie } }) })),
        ...(apiMissing ? [] : FAR_API.map((p) => ({ label: `GET ${p}`, url: `${server.url}${p}`, init: () => ({ headers: auth }) }))),
        ...(apiMissing
          ? []
          : [
              {
                label: "POST /v1/conversations",
                url: `${server.url}/v1/conversations`,
                init: () => ({
                  method: "POST",
                  headers: { ...auth, "Content-Type": "application/json" },
                  body: JSON.stringify({ contact: { email: `far${runId}x${n++}@bench.example.com` }, message: { body: "far" } }),
                }),
              },
            ]),
      ];
      r.commands.push(`scripts/bench/far.mjs: each request ×${P.farSamples} without and with X-Bench-Far-Ms: 50, alternating`);
      r.farLocation = await measureFarLocation({ requests, samples: P.farSamples, log });
    });

    const tool = findWrk(log);
    r.loadTool = tool.note;
    await section("ssr", async () => {
      r.commands.push(
        `wrk -t1 -c${P.connections} -d${P.seconds}s --latency -H "Cookie: <john's session>" <url>  (×${P.runs}, alternating)`,
      );
      r.ssr = await sideBySide(tool, [
        { label: "bare", url: `${server.url}/__bench/bare`, headers: { Cookie: cookie } },
        { label: "integrations", url: `${server.url}/integrations`, headers: { Cookie: cookie } },
        // informative: the layout loader alone (session, KV, D1, JSON), without rendering the page
        {
          label: "integrationsData",
          url: `${server.url}/integrations?_data=routes%2Fintegrations._connected`,
          headers: { Cookie: cookie },
        },
      ]);
    });

    await section("api", async () => {
      if (apiMissing) return skip("api", "conversations API not in this build (GET /v1/conversations → 404)");
      for (let i = 0; i < 20; i++) await newConversation(server.url, server.apiKey, `seed${runId}x${i}`);
      const auth = { Authorization: `Bearer ${server.apiKey}` };
      r.api = await sideBySide(tool, [
        { label: "ping", url: `${server.url}/__bench/ping`, headers: {} },
        { label: "conversations", url: `${server.url}/v1/conversations`, headers: auth },
      ]);
    });

    await section("lighthouse", async () => {
      r.lighthouse = await runLighthouse({
        base: server.url,
        cookie,
        paths: ["/integrations", "/integrations/developers"],
        runs: P.lighthouseRuns,
        log,
      });
      if (r.lighthouse.skipped) skip("lighthouse", r.lighthouse.skipped);
    });

    await section("webhooks", async () => {
      r.webhooks = {};
      r.webhooks.signing = await measureSigning({ n: 5000, repeats: 5 });
      log(`  signing: ${r.webhooks.signing.usPerCall.toFixed(1)} µs (${r.webhooks.signing.what})`);
      r.webhooks.ceiling = [];
      for (let i = 0; i < P.burstRuns; i++) r.webhooks.ceiling.push(await ceilingRun({ base: server.url, receiver, n: P.burstEvents }));
      log(`  ceiling: ${r.webhooks.ceiling.map((c) => `${c.perSecond.toFixed(0)}/s`).join(", ")}`);
      const why = await webhooksUnavailable(server.url, server.apiKey);
      if (why) return skip("webhooks-pipeline", why);
      await removeBenchEndpoints(server.url, server.apiKey);
      const one = await createEndpoint(server.url, server.apiKey, receiver, "one");
      try {
        await oneEndpoint();
      } finally {
        await deleteEndpoint(server.url, server.apiKey, one).catch(() => {});
      }
      // fan-out: 20 endpoints subscribed to conversation.created only (one event per conversation)
      const names = Array.from({ length: P.fanoutEndpoints }, (_, i) => `fan${i}`);
      const fanIds = [];
      r.webhooks.fanout = [];
      try {
        for (const name of names) fanIds.push(await createEndpoint(server.url, server.apiKey, receiver, name, ["conversation.created"]));
        await fanout(names);
      } finally {
        // the soak's endpoints need room under the per-company limit (20)
        for (const id of fanIds) await deleteEndpoint(server.url, server.apiKey, id).catch(() => {});
      }
    });

    async function oneEndpoint() {
      r.webhooks.latency = await latencyRun({
        base: server.url,
        apiKey: server.apiKey,
        receiver,
        name: "one",
        samples: P.latencySamples,
        runId,
      });
      log(`  latency p50 ${r.webhooks.latency.p50.toFixed(0)} ms, p95 ${r.webhooks.latency.p95.toFixed(0)} ms`);
      r.webhooks.bursts = [];
      for (let i = 0; i < P.burstRuns; i++) {
        const b = await burstRun({
          base: server.url,
          apiKey: server.apiKey,
          receiver,
          name: "one",
          events: P.burstEvents,
          runId: `${runId}r${i}`,
          timeoutMs: 120_000,
        });
        r.webhooks.bursts.push(b);
        log(
          `  burst ${i + 1}: ${b.delivered}/${b.events} in ${b.seconds.toFixed(1)} s (${b.perSecond.toFixed(0)}/s), duplicates ${b.duplicates}, invalid ${b.invalid}; API calls ${b.apiSeconds.toFixed(1)} s (${b.deliveredDuringApi} delivered meanwhile), the rest in ${b.drainSeconds?.toFixed(1) ?? "?"} s (${b.drainPerSecond?.toFixed(0) ?? "?"}/s)`,
        );
        if (!b.complete) break; // keeps the bench bounded: one incomplete run says enough
      }
    }

    async function fanout(names) {
      for (const events of P.fanoutEvents) {
        const f = await fanoutRun({
          base: server.url,
          apiKey: server.apiKey,
          receiver,
          names,
          events,
          runId: `${runId}f${events}`,
          timeoutMs: 180_000,
        });
        r.webhooks.fanout.push(f);
        log(
          `  fan-out ${events} event(s) → ${names.length} endpoints: ${f.delivered}/${f.expected} in ${f.seconds.toFixed(1)} s (${f.perSecond.toFixed(0)} deliveries/s), duplicates ${f.duplicates}, invalid ${f.invalid}`,
        );
        if (!f.complete) break;
      }
    }

    await section("soak", async () => {
      const why = await webhooksUnavailable(server.url, server.apiKey);
      if (why) return skip("soak", why);
      await settle(server, { log });
      r.soak = await soakRun({
        base: server.url,
        apiKey: server.apiKey,
        receiver,
        events: P.soakEvents,
        clients: P.soakClients,
        seconds: P.soakSeconds,
        drainMs: P.soakDrainMs,
        runId,
        log,
      });
      log(
        `  soak: ${r.soak.pass ? "PASS" : "FAIL"}; ${JSON.stringify(r.soak.statuses)}; lost ${r.soak.endpoints.map((e) => e.lost).join("/")}`,
      );
    });

    if (sizes)
      await section("large", async () => {
        await settle(server, { log });
        const largeCookie = await signIn(server.url, server.seeded.email);
        const tool = findWrk(log);
        r.commands.push("scripts/bench/large.mjs: wrangler d1 execute DB --local --persist-to <tmp>/state --file <large.sql>");
        r.large = {
          sizes,
          seed: { seedSeconds: server.seeded.seedSeconds, rows: server.seeded.rows },
          ...(await measureLarge({
            server,
            tool,
            small: { cookie, apiKey: server.apiKey },
            large: { cookie: largeCookie, apiKey: server.seeded.apiKey },
            seconds: P.seconds,
            connections: P.connections,
            log,
          })),
        };
      });
  } finally {
    await receiver.close();
    await server.dispose();
  }
  r.totalSeconds = (Date.now() - t0) / 1000;
  const file = resolve(root, out);
  // the hand-kept "## History" section (before/after notes) survives a re-run
  const previous = existsSync(file) ? readFileSync(file, "utf8") : "";
  const history = previous.includes("\n## History\n") ? previous.slice(previous.indexOf("\n## History\n") + 1) : "";
  writeFileSync(
    file,
    renderReport(r) +
      (r.large ? `\n${renderLarge(r.large)}` : "") +
      (r.farLocation ? `\n${renderFar(r.farLocation)}` : "") +
      (history ? `\n${history}` : ""),
  );
  log(`\nwrote ${out} in ${Math.round(r.totalSeconds)} s`);
  if (jsonOut) {
    writeFileSync(resolve(process.cwd(), jsonOut), `${JSON.stringify(headlineSummary(r), null, 2)}\n`);
    log(`wrote ${jsonOut}`);
  }
}

main().catch((e) => {
  console.error(e?.stack ?? e);
  process.exit(1);
});
