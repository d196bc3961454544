// Lighthouse 12.2.3 (mobile, default simulated throttling) with Debian Chromium, offline on loopback.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median } from "./stats.mjs";

// Same flags as tests/e2e/browser.ts (offline, root, headless).
export const CHROME_FLAGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
  "--disable-default-apps",
  "--disable-extensions",
];

export const CATEGORIES = ["performance", "accessibility", "best-practices"];

/** The metrics the performance score is made of (ms, CLS unitless), so a low score says which one lost the points. */
const METRICS = {
  fcp: "first-contentful-paint",
  lcp: "largest-contentful-paint",
  tbt: "total-blocking-time",
  cls: "cumulative-layout-shift",
  si: "speed-index",
};

function metricsOf(lhr) {
  return Object.fromEntries(
    Object.entries(METRICS).map(([k, id]) => {
      const a = lhr.audits[id];
      return [
        k,
        { value: a ? Math.round(a.numericValue * (k === "cls" ? 1000 : 1)) / (k === "cls" ? 1000 : 1) : null, score: a?.score ?? null },
      ];
    }),
  );
}

export function chromiumPath() {
  for (const p of [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"]) if (p && existsSync(p)) return p;
  return null;
}

/**
 * Runs Lighthouse `runs` times on each path with the session cookie; returns per path the median
 * score (0–100) per category, the runs' scores, and the failing audits of the last run.
 */
export async function runLighthouse({ base, cookie, paths, runs, log = console.log }) {
  const chromePath = chromiumPath();
  if (!chromePath) return { skipped: "Debian Chromium not found (/usr/bin/chromium); set CHROMIUM_PATH" };
  const { default: lighthouse } = await import("lighthouse");
  const chromeLauncher = await import("chrome-launcher");
  const pkg = (await import("lighthouse/package.json", { with: { type: "json" } })).default;
  const results = {};
  for (const path of paths) {
    const scores = Object.fromEntries(CATEGORIES.map((c) => [c, []]));
    const metrics = [];
    const benchmarkIndex = [];
    let failing = [];
    for (let i = 0; i < runs; i++) {
      const userDataDir = mkdtempSync(join(tmpdir(), "ih-lh-"));
      const chrome = await chromeLauncher.launch({
        chromePath,
        chromeFlags: [...CHROME_FLAGS, `--user-data-dir=${userDataDir}`],
        logLevel: "silent",
      });
      try {
        const result = await lighthouse(
          `${base}${path}`,
          { port: chrome.port, output: "json", logLevel: "error", onlyCategories: CATEGORIES, extraHeaders: { Cookie: cookie } },
          { extends: "lighthouse:default", settings: { formFactor: "mobile", disableFullPageScreenshot: true } },
        );
        const lhr = result.lhr;
        if (lhr.runtimeError) throw new Error(`${lhr.runtimeError.code}: ${lhr.runtimeError.message}`);
        if (new URL(lhr.finalDisplayedUrl).pathname !== path)
          throw new Error(`Lighthouse ended on ${lhr.finalDisplayedUrl} (not signed in?)`);
        for (const c of CATEGORIES) scores[c].push(Math.round((lhr.categories[c]?.score ?? NaN) * 100));
        metrics.push(metricsOf(lhr));
        // Lighthouse's own CPU benchmark of the host during the run: below ~1000 it warns that the CPU is slower than
        // it expects (here: the 2 shared cores under load), and its 4× CPU slowdown then inflates TBT and FCP.
        benchmarkIndex.push(Math.round(lhr.environment?.benchmarkIndex ?? 0));
        // LIGHTHOUSE_LHR_DIR=dir keeps each run's full report (opportunities, diagnostics, the trace's main-thread work).
        if (process.env.LIGHTHOUSE_LHR_DIR)
          writeFileSync(join(process.env.LIGHTHOUSE_LHR_DIR, `${path.replaceAll("/", "_")}-${i + 1}.json`), JSON.stringify(lhr));
        failing = Object.values(lhr.audits)
          .filter(
            (a) =>
              a.score !== null &&
              a.score < 0.9 &&
              a.scoreDisplayMode !== "informative" &&
              a.scoreDisplayMode !== "notApplicable" &&
              a.scoreDisplayMode !== "manual",
          )
          .map((a) => `${a.id} (${Math.round(a.score * 100)})`);
        const m = metrics.at(-1);
        log(
          `    ${path} run ${i + 1}: ${CATEGORIES.map((c) => `${c} ${scores[c].at(-1)}`).join(", ")}` +
            ` (FCP ${m.fcp.value} ms, LCP ${m.lcp.value} ms, TBT ${m.tbt.value} ms, CLS ${m.cls.value}, SI ${m.si.value} ms;` +
            ` host benchmarkIndex ${benchmarkIndex.at(-1)})`,
        );
      } finally {
        await chrome.kill();
        rmSync(userDataDir, { recursive: true, force: true });
      }
    }
    const metricMedians = Object.fromEntries(Object.keys(METRICS).map((k) => [k, median(metrics.map((m) => m[k].value))]));
    results[path] = {
      median: Object.fromEntries(CATEGORIES.map((c) => [c, median(scores[c])])),
      scores,
      metrics: metricMedians,
      benchmarkIndex,
      failing,
    };
  }
  return { version: pkg.version, chromium: chromePath, results };
}
