// `npm run bench -- --json FILE`: the headline figures of architecture.md §8 as JSON (a public
// contract: the keys below never change meaning). A figure the run did not measure is null, and
// `not_measured` says why.
import { pairedRatio } from "./report.mjs";
import { median } from "./stats.mjs";

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

/** The same figures for one company's run (the small company, or `r.large` when measured). */
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

export function headlineSummary(r) {
  const w = r.webhooks;
  return {
    ...figures(r),
    pipeline_ratio: pipelineRatio(w),
    pipeline_phases: pipelinePhases(w),
    fanout: fanout(w),
    lighthouse: lighthouse(r.lighthouse),
    delivery_p50_ms: round(w?.latency?.p50, 1),
    large_company: r.large ? figures(r.large) : null,
    far_location_ttfb_ms: r.farLocation ?? null,
    not_measured: r.notMeasured,
    quick: r.quick,
    machine: r.machine ? { cpu: r.machine.cpu, cores: r.machine.cores, load: r.machine.loadAverage ?? null } : null,
  };
}
