// Renders the benchmark results as BENCHMARKS.md: every figure beside its architecture.md §8 budget.
import { BUDGETS } from "../bundle-sizes.mjs";
import { fmt, kb, ms, pairedRatio } from "./stats.mjs";
import { headlineSummary } from "./summary.mjs";

const PASS = "✅ pass";
const FAIL = "❌ fail";
const verdict = (ok) => (ok ? PASS : FAIL);
const nm = (r, ...keys) => {
  for (const k of keys) if (r.notMeasured[k]) return `not measured: ${r.notMeasured[k]}`;
  return "not measured";
};

function summary(r) {
  const rows = [];
  const row = (budget, measured, result) => rows.push(`| ${budget} | ${measured} | ${result} |`);
  if (r.ssr) {
    const ratio = pairedRatio(r.ssr.integrations, r.ssr.bare);
    row(
      "`/integrations` SSR throughput ≥ 0.8× bare Remix route",
      `${fmt(ratio, 2)}× (median of per-run ratios; medians ${fmt(r.ssr.integrations.rps, 1)} vs ${fmt(r.ssr.bare.rps, 1)} req/s)`,
      verdict(ratio >= 0.8),
    );
  } else row("`/integrations` SSR throughput ≥ 0.8× bare Remix route", nm(r, "ssr"), "—");
  const d1 = r.d1?.["/integrations"];
  if (d1?.roundTrips != null) row("D1 round trips per `/integrations` render = 1", String(d1.roundTrips), verdict(d1.roundTrips <= 1));
  else row("D1 round trips per `/integrations` render = 1", nm(r, "d1"), "—");
  if (r.sizes) {
    row(
      `Client JS on \`/integrations\` ≤ ${BUDGETS.jsGzip / 1024} KB gzip`,
      kb(r.sizes.js.gzip),
      verdict(r.sizes.js.gzip <= BUDGETS.jsGzip),
    );
    row(`CSS ≤ ${BUDGETS.cssGzip / 1024} KB gzip`, kb(r.sizes.css.gzip), verdict(r.sizes.css.gzip <= BUDGETS.cssGzip));
  } else row("Client JS ≤ 95 KB / CSS ≤ 15 KB gzip", nm(r, "sizes"), "—");
  const lh = r.lighthouse?.results;
  for (const [cat, label, min] of [
    ["performance", "performance ≥ 95", 95],
    ["accessibility", "accessibility = 100", 100],
    ["best-practices", "best practices ≥ 95", 95],
  ]) {
    if (lh) {
      const vals = Object.entries(lh).map(([p, v]) => `${p}: ${v.median[cat]}`);
      row(`Lighthouse (mobile) ${label}`, vals.join(", "), verdict(Object.values(lh).every((v) => v.median[cat] >= min)));
    } else row(`Lighthouse (mobile) ${label}`, nm(r, "lighthouse"), "—");
  }
  const w = r.webhooks;
  if (w?.latency)
    row("Webhook event → receiver p50 ≤ 1.5 s", `${ms(w.latency.p50)} (p95 ${ms(w.latency.p95)})`, verdict(w.latency.p50 <= 1500));
  else row("Webhook event → receiver p50 ≤ 1.5 s", nm(r, "webhooks"), "—");
  if (w?.bursts?.length) {
    const secs = median(w.bursts.map((b) => (b.complete ? b.seconds : Infinity)));
    row(
      "1,000 events to one endpoint delivered and verified ≤ 60 s",
      Number.isFinite(secs) ? `${fmt(secs, 1)} s` : "incomplete",
      verdict(w.bursts.every((b) => b.complete && b.invalid === 0) && secs <= 60),
    );
  } else row("1,000 events to one endpoint delivered and verified ≤ 60 s", nm(r, "webhooks"), "—");
  if (w?.signing)
    row(
      `Signing ≤ 50 µs per delivery${w.signing.standIn ? " (STAND-IN, see below)" : ""}`,
      `${fmt(w.signing.usPerCall, 1)} µs`,
      verdict(w.signing.usPerCall <= 50),
    );
  else row("Signing ≤ 50 µs per delivery", nm(r, "webhooks"), "—");
  if (r.soak)
    row(
      `Issue 9: ${fmt(r.soak.eventsWanted)} events × 3 endpoints + ${r.soak.clients} API clients: no 5xx, none lost`,
      `${r.soak.fiveXx} 5xx, lost ${r.soak.endpoints.map((e) => e.lost).join("/")}`,
      verdict(r.soak.pass),
    );
  else row("Issue 9: 5,000 events × 3 endpoints + 200 API clients: no 5xx, none lost", nm(r, "soak"), "—");
  return ["| Budget (architecture.md §8) | Measured | Result |", "|---|---|---|", ...rows].join("\n");
}

/**
 * Issue 15's targets, each beside the baseline the issue measured on the main of its day (`npm run bench --
 * --quick`), so a reader sees what changed and what is still short.
 */
export function issue15Table(r) {
  // the figures `--json` reports, so the table and the JSON never disagree
  const h = headlineSummary(r);
  const rows = [];
  const row = (what, baseline, target, measured, result) => rows.push(`| ${what} | ${baseline} | ${target} | ${measured} | ${result} |`);
  const d1 = Object.entries(h.d1_round_trips ?? {}).filter(([p]) => !p.startsWith("/__bench"));
  const over = d1.filter(([, n]) => n > 1);
  row(
    "D1 round trips per request (every probed page and `/v1` call, key check included)",
    "`/integrations/developers` 4, `GET /v1/conversations` 2",
    "1",
    d1.length ? (over.length ? over.map(([p, n]) => `${p}: ${n}`).join(", ") : `1 on all ${d1.length}`) : nm(r, "d1"),
    d1.length ? verdict(over.length === 0) : "—",
  );
  row(
    "`/integrations` SSR ÷ bare Remix route",
    "0.35× (201 vs 572 req/s)",
    "≥ 0.6×",
    h.ssr_ratio == null ? nm(r, "ssr") : `${fmt(h.ssr_ratio, 2)}×`,
    h.ssr_ratio == null ? "—" : verdict(h.ssr_ratio >= 0.6),
  );
  row(
    "`GET /v1/conversations` ÷ bare Worker route",
    "0.20× (2 D1 round trips + a Durable Object call)",
    "1 D1 round trip (item 1)",
    h.api_ratio == null ? nm(r, "api") : `${fmt(h.api_ratio, 2)}×`,
    "—",
  );
  const phases = h.pipeline_phases;
  row(
    "Webhook pipeline ÷ fetch-loop ceiling (1,000 events → 1 endpoint, from the first API call)",
    "0.03× (100 vs 3,984 deliveries/s)",
    "≥ 0.25×",
    h.pipeline_ratio == null
      ? nm(r, "webhooks")
      : `${fmt(h.pipeline_ratio, 2)}×${phases ? ` (after the last API answer ${fmt(phases.drain_ratio, 2)}×; the API phase alone allows ${fmt(phases.api_bound, 2)}×, ADR 0145)` : ""}`,
    h.pipeline_ratio == null ? "—" : verdict(h.pipeline_ratio >= 0.25),
  );
  const fan = h.fanout ?? [];
  row(
    "Fan-out: 1 event → 20 endpoints, 1,000 events → 20 endpoints",
    "not measured",
    "all verified",
    fan.length
      ? fan.map((f) => `${f.events}→${f.endpoints}: ${f.delivered}/${f.deliveries} in ${fmt(f.seconds, 1)} s`).join("; ")
      : nm(r, "webhooks"),
    fan.length ? verdict(fan.length >= 2 && fan.every((f) => f.all_verified)) : "—",
  );
  const lh = h.lighthouse?.["/integrations/developers"];
  row(
    "Lighthouse (mobile) performance, `/integrations/developers`",
    "91–96 from run to run",
    "≥ 95",
    lh ? String(lh.performance) : nm(r, "lighthouse"),
    lh ? verdict(lh.performance >= 95) : "—",
  );
  const large = h.large_company;
  if (large) {
    const [worstPath, worst] = Object.entries(large.growth)
      .filter(([, g]) => g != null)
      .reduce((a, b) => (b[1] > a[1] ? b : a), ["", 0]);
    const trips = Object.values(large.d1_round_trips).every((n) => n === 1);
    row(
      "Large company (100,000 conversations, 1,000,000 attempts): pages and `/v1` beside the small company",
      "not measured (every figure on a nearly empty database)",
      "1 D1 round trip; req/s within 1.5× of the small company's (architecture.md §8)",
      `round trips ${trips ? "1 everywhere" : "more than 1 somewhere (see below)"}; worst growth ${fmt(worst, 2)}× on \`${worstPath}\``,
      verdict(trips && worst <= 1.5),
    );
    row(
      "Retention purge on the large company",
      "no retention",
      "bounded, index-backed batches",
      `${fmt(large.purge_rows_per_second)} rows/s in ${r.large.purge.ticks} cron ticks`,
      "—",
    );
  } else row("Large company", "not measured", "1.5×", nm(r, "large"), "—");
  const far = Object.entries(h.far_location_ttfb_ms ?? {}).filter(([p]) => p.startsWith("/"));
  if (far.length) {
    const worst = Math.max(...far.map(([, v]) => v.delays));
    row(
      "Far location: TTFB growth per page, in delays",
      "not measured",
      "about 1",
      `at most ${fmt(worst, 2)} over ${far.length} pages`,
      verdict(worst < 1.5),
    );
  } else row("Far location", "not measured", "about 1 delay", nm(r, "far"), "—");
  return ["| Issue 15 | Baseline (the issue) | Target | Measured | Result |", "|---|---|---|---|---|", ...rows].join("\n");
}

function median(xs) {
  const v = [...xs].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function loadTable(res, labels) {
  const lines = ["| Route | req/s | p50 | p99 | non-2xx/3xx | req/s per run |", "|---|---|---|---|---|---|"];
  for (const [label, name] of labels) {
    const x = res[label];
    lines.push(
      `| ${name} | ${fmt(x.rps, 1)} | ${ms(x.p50)} | ${ms(x.p99)} | ${x.errors} | ${x.runs.map((m) => fmt(m.rps, 1)).join(" / ")} |`,
    );
  }
  return lines.join("\n");
}

export function renderReport(r) {
  const m = r.machine;
  const P = r.params;
  const out = [];
  out.push("# Benchmarks", "");
  out.push(
    `Written by \`npm run bench${r.quick ? " -- --quick" : ""}\` on ${m.date} (${fmt(r.totalSeconds)} s). Loopback only; the production bundle`,
  );
  out.push("(`wrangler deploy --dry-run --minify`) served by Miniflare, not `wrangler dev` — see");
  out.push("[ADR 0005](docs/decisions/0005-benchmark-method.md). Timings are medians of the runs listed; they depend on the");
  out.push("machine and on what else it was doing (load average below), so compare ratios more than absolute numbers.", "");
  const sections = Object.entries(r.sectionSeconds ?? {});
  if (sections.length) out.push(`Time per section: ${sections.map(([k, v]) => `${k} ${fmt(v, 1)} s`).join(", ")}.`, "");
  if (m.loadAverage[0] > m.cores) {
    out.push(
      `**The machine was busy during this run** (load average ${fmt(m.loadAverage[0], 1)} on ${m.cores} cores at the start: other work was running),`,
    );
    out.push(
      "so absolute timings are low and noisy (see the per-run columns); the side-by-side ratios are the fairer reading. Re-run on an idle machine for absolute figures.",
      "",
    );
  }
  out.push("## Summary", "", summary(r), "");
  out.push("### Issue 15: targets beside their baselines", "", issue15Table(r), "");
  out.push("## Machine", "");
  out.push("| | |", "|---|---|");
  out.push(`| CPU | ${m.cpu} |`, `| Cores | ${m.cores} |`, `| Memory | ${fmt(m.memoryGiB, 1)} GiB |`, `| OS | ${m.os} |`);
  out.push(`| Node | ${m.node} |`, `| wrangler | ${m.wrangler} |`, `| Miniflare | ${r.server?.miniflare ?? "n/a"} |`);
  out.push(`| Lighthouse | ${r.lighthouse?.version ?? "n/a"} (Chromium ${r.lighthouse?.chromium ?? "n/a"}) |`);
  out.push(`| Load generator | ${r.loadTool ?? "n/a"} |`);
  out.push(`| Load average at start (1/5/15 min) | ${m.loadAverage.map((x) => fmt(x, 2)).join(" / ")} |`);
  out.push(`| D1/KV state directory | ${r.server?.stateDir ?? "n/a"} |`, "");
  out.push("## Commands", "");
  for (const c of r.commands) out.push(`- \`${c}\``);
  out.push(
    `- Parameters: ${P.runs} runs × ${P.seconds} s per target after a ${P.warmup} s warm-up, ${P.connections} connections; Lighthouse ${P.lighthouseRuns} run(s) per page; ${P.latencySamples} latency samples; ${P.burstRuns} × ${P.burstEvents} events; soak ${P.soakEvents} events × 3 endpoints, ${P.soakClients} clients, ${P.soakSeconds} s.`,
    "",
  );

  out.push("## 1. `/integrations` SSR beside a bare Remix route", "");
  if (r.ssr) {
    out.push(
      "Both signed in as john@acme.com (session cookie from the real `/login` POST), same build, same server, runs alternating.",
      "",
    );
    out.push(
      loadTable(r.ssr, [
        ["bare", "`/__bench/bare` (bare Remix route, BENCH_ROUTES only)"],
        ["integrations", "`/integrations`"],
        ...(r.ssr.integrationsData
          ? [
              [
                "integrationsData",
                "`/integrations?_data=routes/integrations._connected` (informative: the Connected tab loader's data only, no render)",
              ],
            ]
          : []),
      ]),
      "",
    );
    const runs = r.ssr.integrations.runs.map((m, i) => fmt(m.rps / r.ssr.bare.runs[i].rps, 2)).join(" / ");
    out.push(
      `Ratio /integrations ÷ bare: **${fmt(pairedRatio(r.ssr.integrations, r.ssr.bare), 2)}** (median of the per-run ratios ${runs}; budget ≥ 0.8).`,
      "",
    );
  } else out.push(nm(r, "ssr"), "");

  out.push("## 2. D1 round trips per render", "");
  if (r.d1) {
    out.push(
      "Counted by a proxy around the D1 binding (BENCH_ROUTES only): each `batch`, `exec`, `first`, `all`, `run`, `raw` is one round trip.",
      "",
    );
    out.push(
      "Also from the Worker (medians of 5 requests): time spent waiting on D1, and time to the response head, by workerd's clock (which advances only across I/O).",
      "",
    );
    out.push("| Request | D1 round trips | Waiting on D1 | Worker time to response head | Budget |", "|---|---|---|---|---|");
    for (const [p, v] of Object.entries(r.d1)) {
      if (v.roundTrips == null) out.push(`| \`${p}\` | not a 200 on this build (${v.status}) | | | |`);
      else
        out.push(
          `| \`${p}\` | ${v.roundTrips} | ${ms(v.waitMs)} | ${ms(v.workerMs)} | ${p === "/integrations" ? `1 ${verdict(v.roundTrips <= 1)}` : "—"} |`,
        );
    }
    out.push("");
  } else out.push(nm(r, "d1"), "");

  out.push("## 3. Bytes", "");
  out.push("| What | Raw | gzip (level 9) | Budget |", "|---|---|---|---|");
  if (r.sizes) {
    out.push(
      `| Client JS for \`/integrations\` (${r.sizes.jsFiles.length} files) | ${kb(r.sizes.js.raw)} | ${kb(r.sizes.js.gzip)} | ≤ ${BUDGETS.jsGzip / 1024} KB gzip ${verdict(r.sizes.js.gzip <= BUDGETS.jsGzip)} |`,
    );
    if (r.sizesDevelopers)
      out.push(
        `| Client JS for \`/integrations/developers\` (${r.sizesDevelopers.jsFiles.length} files; informative; the Create-a-key check, zod with it, loads after the page, ADR 0169) | ${kb(r.sizesDevelopers.js.raw)} | ${kb(r.sizesDevelopers.js.gzip)} | none in §8 |`,
      );
    out.push(
      `| CSS for \`/integrations\` | ${kb(r.sizes.css.raw)} | ${kb(r.sizes.css.gzip)} | ≤ ${BUDGETS.cssGzip / 1024} KB gzip ${verdict(r.sizes.css.gzip <= BUDGETS.cssGzip)} |`,
    );
  }
  if (r.server)
    out.push(
      `| Worker bundle (\`wrangler deploy --dry-run --minify\`) | ${kb(r.server.bundle.raw)} | ${kb(r.server.bundle.gzip)} | none in §8 (Workers limit: 3 MiB gzip free, 10 MiB paid) |`,
    );
  out.push("", "The JS and CSS budgets are also enforced by `npm test` (tests/node/budgets.test.ts).", "");

  out.push("## 4. Lighthouse (mobile, simulated throttling, signed in)", "");
  if (r.lighthouse?.results) {
    out.push(
      "| Page | Performance | Accessibility | Best practices | Runs (perf/a11y/bp) | Median FCP / LCP / TBT / CLS / SI | Audits below 90 (last run) |",
      "|---|---|---|---|---|---|---|",
    );
    for (const [p, v] of Object.entries(r.lighthouse.results)) {
      const runs = v.scores.performance
        .map((_, i) => `${v.scores.performance[i]}/${v.scores.accessibility[i]}/${v.scores["best-practices"][i]}`)
        .join(", ");
      out.push(
        `| \`${p}\` | ${v.median.performance} | ${v.median.accessibility} | ${v.median["best-practices"]} | ${runs} | ${metricsCell(v.metrics)} | ${v.failing.join(", ") || "none"} |`,
      );
    }
    out.push("", "Budgets: performance ≥ 95, accessibility 100, best practices ≥ 95.", "");
  } else out.push(nm(r, "lighthouse"), "");

  out.push("## 5. Webhooks", "");
  const w = r.webhooks;
  if (w) {
    out.push("| Measure | Value | Budget |", "|---|---|---|");
    if (w.latency)
      out.push(
        `| Event → receiver latency (${w.latency.samples} events, one at a time) | p50 ${ms(w.latency.p50)}, p95 ${ms(w.latency.p95)} | p50 ≤ 1.5 s ${verdict(w.latency.p50 <= 1500)} |`,
      );
    else out.push(`| Event → receiver latency | ${nm(r, "webhooks-pipeline")} | p50 ≤ 1.5 s |`);
    if (w.bursts?.length) {
      for (const [i, b] of w.bursts.entries()) {
        out.push(
          `| 1,000 events to one endpoint, run ${i + 1} | ${b.delivered}/${b.events} verified in ${fmt(b.seconds, 1)} s (${fmt(b.perSecond, 1)} deliveries/s; API calls took ${fmt(b.apiSeconds, 1)} s; ${b.duplicates} duplicates before dedupe; ${b.invalid} invalid signatures) | ≤ 60 s ${verdict(b.complete && b.invalid === 0 && b.seconds <= 60)} |`,
        );
      }
    } else out.push(`| 1,000 events to one endpoint | ${nm(r, "webhooks-pipeline")} | ≤ 60 s |`);
    if (w.ceiling?.length) {
      const per = w.ceiling.map((c) => c.perSecond);
      const c0 = w.ceiling[0];
      out.push(
        `| Ceiling: ${c0.n} POSTs of a typical body from the Worker to the same receiver, 6 in flight (\`/__bench/fetch-loop\`), median of ${per.length} | ${fmt(median(per), 0)} /s (runs ${per.map((x) => fmt(x, 0)).join(" / ")}; ${w.ceiling.map((c) => `${c.ok}/${c.n}`).join(", ")} ok) | — |`,
      );
      if (w.bursts?.length) {
        const delivered = median(w.bursts.map((b) => b.perSecond));
        out.push(
          `| Pipeline ÷ ceiling (deliveries/s) | ${fmt(delivered / median(per), 2)} | ≥ 0.25 ${verdict(delivered / median(per) >= 0.25)} |`,
        );
        // informative (ADR 0145): the same bursts split at the last API answer
        const drains = w.bursts.filter((b) => b.complete && b.drainPerSecond != null);
        if (drains.length)
          out.push(
            `| Informative: the bursts split at the last API answer | API calls ${fmt(median(drains.map((b) => b.apiSeconds)), 1)} s (${fmt(median(drains.map((b) => b.deliveredDuringApi)))} delivered meanwhile; best ratio the API phase allows ${fmt(median(drains.map((b) => b.events / b.apiSeconds)) / median(per), 2)}), then the rest in ${fmt(median(drains.map((b) => b.drainSeconds)), 1)} s: ${fmt(median(drains.map((b) => b.drainPerSecond)), 0)} deliveries/s, ${fmt(median(drains.map((b) => b.drainPerSecond)) / median(per), 2)} × the ceiling | — |`,
          );
      }
    }
    for (const f of w.fanout ?? []) {
      out.push(
        `| Fan-out: ${fmt(f.events)} event(s) → ${f.endpoints} endpoints | ${f.delivered}/${f.expected} verified in ${fmt(f.seconds, 1)} s (${fmt(f.perSecond, 1)} deliveries/s; ${f.duplicates} duplicates before dedupe; ${f.invalid} invalid signatures) | all verified ${verdict(f.complete && f.invalid === 0)} |`,
      );
    }
    const s = w.signing;
    if (s) {
      out.push(
        `| Signing per delivery (median of ${s.runs.length} × ${fmt(s.n)} calls in workerd: ${s.runs.map((x) => fmt(x, 1)).join(" / ")} µs; best ${fmt(Math.min(...s.runs), 1)} µs) | ${fmt(s.usPerCall, 1)} µs | ≤ 50 µs ${verdict(s.usPerCall <= 50)} |`,
      );
      out.push("", `Signing measured: ${s.what}.${s.note ? ` Note: ${s.note}.` : ""}`);
    }
    out.push("");
  } else out.push(nm(r, "webhooks"), "");

  out.push("## 6. API: `GET /v1/conversations` beside a bare Worker route", "");
  if (r.api) {
    out.push(
      loadTable(r.api, [
        ["ping", "`/__bench/ping` (bare Worker route, BENCH_ROUTES only)"],
        ["conversations", "`GET /v1/conversations` (seeded API key)"],
      ]),
      "",
    );
    out.push(
      `Ratio: ${fmt(pairedRatio(r.api.conversations, r.api.ping), 2)}, median of per-run ratios (no budget in §8). The per-key rate limit is raised for this run (API_RATE_LIMIT_PER_MINUTE) so it measures the handler, not the limiter.`,
      "",
    );
  } else out.push(nm(r, "api"), "");

  out.push("## 7. Load: events × 3 endpoints with concurrent API clients (issue 9, item 6)", "");
  const k = r.soak;
  if (k) {
    out.push(
      `${k.clients} clients for ${fmt(k.seconds, 1)} s: ${fmt(k.requests)} requests (${fmt(k.rps, 1)} req/s), statuses ${JSON.stringify(k.statuses)}, network errors ${k.networkErrors}${
        k.networkErrors
          ? ` (${Object.entries(k.errorKinds ?? {})
              .map(([e, n]) => `${n} × ${e}`)
              .join("; ")})`
          : ""
      }.`,
    );
    if (k.retried !== undefined)
      out.push(
        `Asked again after a reset on a reused keep-alive socket before any answer (ADR 0174; each create under its own \`Idempotency-Key\`): ${k.retried}${
          k.retried
            ? ` (${Object.entries(k.retriedKinds ?? {})
                .map(([e, n]) => `${n} × ${e}`)
                .join("; ")})`
            : ""
        }; answers that were replays of a first try that had run: ${k.replayed}. Network errors above are those left after three tries.`,
      );
    out.push(`Create p50 ${ms(k.createP50)} / p99 ${ms(k.createP99)}; list p50 ${ms(k.listP50)} / p99 ${ms(k.listP99)}.`);
    out.push(
      `${k.created} conversations → ${k.expected} events (target ${k.eventsWanted}); all delivered after ${fmt(k.drainedSeconds, 1)} s.`,
      "",
    );
    out.push(
      "| Endpoint | Unique (by webhook-id) | Received (before dedupe) | Duplicates | Lost | Unexpected | Invalid signatures |",
      "|---|---|---|---|---|---|---|",
    );
    for (const e of k.endpoints)
      out.push(`| ${e.name} | ${e.unique} | ${e.total} | ${e.duplicates} | ${e.lost} | ${e.extra} | ${e.invalid} |`);
    out.push(
      "",
      `Result: ${verdict(k.pass)} (no 5xx, no network error left after retries, the target number of events, none lost and none extra after dedupe, every signature valid).`,
      "",
    );
  } else out.push(nm(r, "soak"), "");

  const missing = Object.entries(r.notMeasured);
  out.push("## Not measured on this build", "");
  if (missing.length) for (const [k2, why] of missing) out.push(`- ${k2}: ${why}`);
  else out.push("Everything above was measured.");
  out.push("");
  return out.join("\n");
}

function metricsCell(m) {
  if (!m) return "—";
  return `${m.fcp} ms / ${m.lcp} ms / ${m.tbt} ms / ${m.cls} / ${m.si} ms`;
}
