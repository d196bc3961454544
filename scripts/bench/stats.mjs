// Small statistics and formatting helpers for the benchmark.

export function median(xs) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** Median of per-run ratios a/b: each pair ran back to back, so a busy machine slows both alike. */
export function pairedRatio(a, b) {
  return median(a.runs.map((m, i) => m.rps / b.runs[i].rps));
}

/** Nearest-rank percentile (p in 0..100) of raw samples. */
export function percentile(xs, p) {
  const v = [...xs].sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const rank = Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1));
  return v[rank];
}

export const fmt = (n, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "n/a";
export const kb = (bytes) => `${fmt(bytes / 1024, 1)} KB`;
export const ms = (x) => `${fmt(x, x < 10 ? 2 : 1)} ms`;

export const sleep = (msec) => new Promise((r) => setTimeout(r, msec));

/** Runs fn(i) for i in [0, n) with at most `concurrency` in flight. */
export async function pool(n, concurrency, fn) {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, n) }, async () => {
    while (next < n) {
      const i = next++;
      await fn(i);
    }
  });
  await Promise.all(workers);
}
