// `npm run bench -- --json FILE`: the headline figures of architecture.md §8 as JSON (a public
// contract: the keys below never change meaning). A figure the run did not measure is null, and
// `not_measured` says why.
import { median, pairedRatio } from "./stats.mjs";

const round = (x, digits = 3) => (x == null || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));

function pipelineRatio(w) {
  const bursts = (w?.bursts ?? []).filter((b) => b.complete);
  const ceiling = w?.ceiling ?? [];
  if (!bursts.length || !ceiling.length) return null;
  return round(median(bursts.map((b) => b.perSecond)) / median(ceiling.map((c) => c.perSecond)));
}

/**
 * Informative, beside pipeline_ratio (ADR 0145): the bursts' API phase and the drain after it, medians.
 * drain_ratio = deliveries/s from the last API answer to the last delivery ÷ the ceiling; api_bound =
 * the best pipeline_ratio the API phase alone allows (events ÷ api_seconds ÷ ceiling).
 */
function pipelinePhases(w) {
  const bursts = (w?.bursts ?? []).filter((b) => b.complete && b.drainPerSecond != null);
  const ceiling = w?.ceiling ?? [];
  if (!bursts.length || !ceiling.length) return null;
  const c = median(ceiling.map((x) => x.perSecond));
  return {
    api_seconds: round(median(bursts.map((b) => b.apiSeconds)), 2),
    delivered_during_api: median(bursts.map((b) => b.deliveredDuringApi)),
    drain_seconds: round(median(bursts.map((b) => b.drainSeconds)), 2),
    drain_ratio: round(median(bursts.map((b) => b.drainPerSecond)) / c),
    api_bound: round(median(bursts.map((b) => b.events / b.apiSeconds)) / c),
  };
}

function fanout(w) {
  if (!w?.fanout?.length) return null;
  return w.fanout.map((f) => ({
    events: f.events,
    endpoints: f.endpoints,
    deliveries: f.expected,
    delivered: f.delivered,
    all_verified: f.complete && f.invalid === 0,
    seconds: round(f.seconds, 2),
    deliveries_per_second: round(f.perSecond, 1),
  }));
}

function lighthouse(lh) {
  if (!lh?.results) return null;
  return Object.fromEntries(
    Object.entries(lh.results).map(([path, v]) => [
      path,
      {
        performance: v.median.performance,
        accessibility: v.median.accessibility,
        best_practices: v.median["best-practices"],
        ...(v.metrics ? { metrics: v.metrics } : {}),
      },
    ]),
  );
}

/** The headline figures of the run (the small company: the demo seed's Acme). */
function figures(r) {
  return {
    ssr_ratio: r.ssr?.integrations && r.ssr?.bare ? round(pairedRatio(r.ssr.integrations, r.ssr.bare)) : null,
    api_ratio: r.api?.conversations && r.api?.ping ? round(pairedRatio(r.api.conversations, r.api.ping)) : null,
    d1_round_trips: r.d1
      ? Object.fromEntries(
          Object.entries(r.d1)
            .filter(([, v]) => v.roundTrips != null)
            .map(([p, v]) => [p, v.roundTrips]),
        )
      : null,
  };
}

/**
 * `large_company`: the same figures on the large company (`--large`). Its pages and calls ran once each
 * after the small company's, so its ratios divide by the medians of §1's bare Remix route and §6's bare
 * Worker route (not paired runs). `growth` per path: the small company's req/s ÷ the large one's, the
 * median of the paired, alternating runs' ratios (architecture.md §8: at most 1.5).
 */
function largeCompany(r) {
  const rows = r.large?.rows;
  if (!rows) return null;
  const rps = (path, who) => rows[path]?.[who]?.rps ?? null;
  const medianRps = (x) => (x?.runs?.length ? median(x.runs.map((m) => m.rps)) : null);
  const ratio = (a, b) => (a != null && b ? round(a / b) : null);
  const paths = Object.keys(rows);
  return {
    ssr_ratio: ratio(rps("/integrations", "large"), medianRps(r.ssr?.bare)),
    api_ratio: ratio(rps("/v1/conversations", "large"), medianRps(r.api?.ping)),
    d1_round_trips: Object.fromEntries(paths.map((p) => [p, rows[p].large?.roundTrips ?? null])),
    // the median of the paired runs' ratios when the run has them (scripts/bench/large.mjs), else the medians' ratio
    growth: Object.fromEntries(
      paths.map((p) => [p, rows[p].growth != null ? round(rows[p].growth) : ratio(rps(p, "small"), rps(p, "large"))]),
    ),
    purge_rows_per_second: round(r.large.purge?.rowsPerSecond, 0),
  };
}

export function headlineSummary(r) {
  const w = r.webhooks;
  return {
    ...figures(r),
    pipeline_ratio: pipelineRatio(w),
    pipeline_phases: pipelinePhases(w),
    fanout: fanout(w),
    lighthouse: lighthouse(r.lighthouse),
    delivery_p50_ms: round(w?.latency?.p50, 1),
    large_company: largeCompany(r),
    far_location_ttfb_ms: r.farLocation ?? null,
    not_measured: r.notMeasured,
    quick: r.quick,
    machine: r.machine ? { cpu: r.machine.cpu, cores: r.machine.cores, load: r.machine.loadAverage ?? null } : null,
  };
}
