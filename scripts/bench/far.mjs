// `npm run bench -- --only=far`: time to first byte per page and /v1 call, near (as measured) and
// "far" (every D1, KV and Durable Object call delayed by DELAY_MS inside the Worker: the
// X-Bench-Far-Ms header, honoured only under BENCH_ROUTES; app/lib/bench/far.ts). A request that
// waits on its storage once grows by about one delay; `delays` says how many it waited in a row.
import { median } from "./stats.mjs";

export const FAR_DELAY_MS = 50;
const FAR_HEADER = "X-Bench-Far-Ms";

export const FAR_PAGES = [
  "/integrations",
  "/integrations/available",
  "/integrations/available/hubspot",
  "/integrations/developers",
  "/integrations/developers/webhooks/new",
  "/integrations/developers/audit",
];
export const FAR_API = ["/v1/me", "/v1/conversations", "/v1/events", "/v1/webhooks"];

/** Time until the response head (fetch resolves on headers), the body then read and dropped. */
async function ttfb(url, init) {
  const t0 = performance.now();
  const res = await fetch(url, { ...init, redirect: "manual" });
  const ms = performance.now() - t0;
  await res.arrayBuffer();
  return { ms, status: res.status, roundTrips: Number(res.headers.get("x-bench-d1-round-trips")) };
}

/**
 * Alternates near and far for each request `samples` times (after one warm-up of each) and keeps
 * the medians. `requests`: [{ label, url, init(): RequestInit }] (init is called per sample, so a
 * write can send a fresh body).
 */
export async function measureFarLocation({ requests, samples, delayMs = FAR_DELAY_MS, log = console.log }) {
  const out = {};
  for (const q of requests) {
    const near = [];
    const far = [];
    let status = 0;
    let roundTrips = 0;
    for (let i = -1; i < samples; i++) {
      const a = await ttfb(q.url, q.init());
      const init = q.init();
      const b = await ttfb(q.url, { ...init, headers: { ...init.headers, [FAR_HEADER]: String(delayMs) } });
      status = b.status;
      roundTrips = b.roundTrips;
      if (i < 0) continue; // warm-up
      near.push(a.ms);
      far.push(b.ms);
    }
    const n = median(near);
    const f = median(far);
    out[q.label] = {
      status,
      near_ms: Number(n.toFixed(1)),
      far_ms: Number(f.toFixed(1)),
      delay_ms: delayMs,
      delays: Number(((f - n) / delayMs).toFixed(2)),
      d1_round_trips: roundTrips,
    };
    log(
      `  ${q.label}: ${n.toFixed(1)} → ${f.toFixed(1)} ms with ${delayMs} ms per storage call (${out[q.label].delays} delays, ${roundTrips} D1 round trip(s), ${status})`,
    );
  }
  return out;
}

/** The report's section (BENCHMARKS.md). */
export function renderFar(far) {
  if (!far) return "";
  const rows = Object.entries(far).map(
    ([label, v]) =>
      `| \`${label}\` | ${v.status} | ${v.near_ms} | ${v.far_ms} | ${(v.far_ms - v.near_ms).toFixed(1)} | ${v.delays} | ${v.d1_round_trips} |`,
  );
  const delay = Object.values(far)[0]?.delay_ms ?? FAR_DELAY_MS;
  return [
    "## Far location (time to first byte)",
    "",
    `Every D1, KV and Durable Object call delayed by ${delay} ms inside the Worker (\`X-Bench-Far-Ms\`, bench only: app/lib/bench/far.ts), as if the Worker ran far from its data; alternating with the undelayed request, medians. A request that waits on storage once grows by about one delay (\`delays\` ≈ 1); two calls in a row show ≈ 2.`,
    "",
    "| request | status | near TTFB ms | far TTFB ms | growth ms | delays | D1 round trips |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}
