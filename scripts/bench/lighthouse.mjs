// Lighthouse 12.2.3 (mobile, default simulated throttling) with Debian Chromium, offline on loopback.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
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
        log(`    ${path} run ${i + 1}: ${CATEGORIES.map((c) => `${c} ${scores[c].at(-1)}`).join(", ")}`);
      } finally {
        await chrome.kill();
        rmSync(userDataDir, { recursive: true, force: true });
      }
    }
    results[path] = { median: Object.fromEntries(CATEGORIES.map((c) => [c, median(scores[c])])), scores, failing };
  }
  return { version: pkg.version, chromium: chromePath, results };
}
