import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUCKETS_PER_WINDOW, bucketMs, hitWindow, type RateWindow, windowFromTimestamps } from "~/lib/api/rate-window";

const WINDOWS = [1_000, 60_000, 3_600_000];

/**
 * Random request times (sorted) over a few windows, a limit and a window length. Gaps are 0 or a few
 * ms (bursts) or a multiple of half a bucket, so requests often land just inside or outside a bucket
 * that straddles the window's edge.
 */
const scenario = fc
  .record({
    windowMs: fc.constantFrom(...WINDOWS),
    limit: fc.integer({ min: 1, max: 25 }),
    steps: fc.array(
      fc.oneof(
        fc.constant(0),
        fc.integer({ min: 1, max: 5 }).map((ms) => -ms),
        fc.integer({ min: 1, max: 130 }),
      ),
      {
        minLength: 1,
        maxLength: 300,
      },
    ),
    t0: fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }),
  })
  .map(({ windowMs, limit, steps, t0 }) => {
    let t = t0;
    // a negative step is a gap of that many ms; a positive one, that many half-buckets (1/120 of the window)
    const times = steps.map((k) => (t += k < 0 ? -k : Math.floor((k * windowMs) / 120)));
    return { windowMs, limit, times };
  });

function run(times: number[], limit: number, windowMs: number) {
  let window: RateWindow = [];
  return times.map((now) => {
    const r = hitWindow(window, now, limit, windowMs);
    window = r.window;
    return { now, ...r.decision, size: window.length };
  });
}

const countIn = (allowed: number[], from: number, to: number) => allowed.filter((t) => t > from && t <= to).length;

describe("rate window (ADR 0170)", () => {
  it("never lets more than `limit` requests into any window of windowMs (no boundary burst)", () => {
    fc.assert(
      fc.property(scenario, ({ windowMs, limit, times }) => {
        const allowedAt = run(times, limit, windowMs)
          .filter((d) => d.allowed)
          .map((d) => d.now);
        for (const t of allowedAt) expect(countIn(allowedAt, t - windowMs, t)).toBeLessThanOrEqual(limit);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses only when the window, stretched by one bucket, already holds `limit` requests", () => {
    fc.assert(
      fc.property(scenario, ({ windowMs, limit, times }) => {
        const decisions = run(times, limit, windowMs);
        const allowedAt = decisions.filter((d) => d.allowed).map((d) => d.now);
        for (const d of decisions.filter((x) => !x.allowed)) {
          expect(countIn(allowedAt, d.now - windowMs - bucketMs(windowMs), d.now)).toBeGreaterThanOrEqual(limit);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("keeps at most 61 buckets whatever the limit and the traffic", () => {
    fc.assert(
      fc.property(scenario, ({ windowMs, times }) => {
        for (const d of run(times, 100_000_000, windowMs)) expect(d.size).toBeLessThanOrEqual(BUCKETS_PER_WINDOW + 1);
      }),
      { numRuns: 100 },
    );
  });

  it("after a refusal, Retry-After is enough: the first request after it is allowed", () => {
    fc.assert(
      fc.property(scenario, ({ windowMs, limit, times }) => {
        let window: RateWindow = [];
        for (const now of times) {
          const r = hitWindow(window, now, limit, windowMs);
          window = r.window;
          if (r.decision.allowed) continue;
          const later = hitWindow(window, now + r.decision.resetSeconds * 1000, limit, windowMs);
          expect(later.decision.allowed).toBe(true);
          // and no shorter: a second earlier it would still be refused
          if (r.decision.resetSeconds > 1)
            expect(hitWindow(window, now + (r.decision.resetSeconds - 1) * 1000, limit, windowMs).decision.allowed).toBe(false);
          expect(r.decision.resetSeconds).toBeLessThanOrEqual(Math.ceil((windowMs + bucketMs(windowMs)) / 1000));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("counts down exactly within a window: remaining limit−1 … 0, then 429 with the same limit", () => {
    const now = Date.UTC(2026, 11, 3, 12, 0, 30);
    const decisions = run([now, now + 1, now + 2, now + 3], 3, 60_000);
    expect(decisions.map((d) => [d.allowed, d.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    // the three requests fall in the bucket of second 30: they leave the window at 12:01:31
    expect(decisions[3]!.resetSeconds).toBe(61);
  });

  it("the previous shape (a log of timestamps) folds into the same counts", () => {
    const t = Date.UTC(2026, 11, 3, 12, 0, 0);
    const stamps = [t + 5, t + 1_500, t + 900, t + 30_000];
    expect(windowFromTimestamps(stamps, 60_000)).toEqual([
      [t, 2],
      [t + 1_000, 1],
      [t + 30_000, 1],
    ]);
    const r = hitWindow(windowFromTimestamps(stamps, 60_000), t + 40_000, 5, 60_000);
    expect([r.decision.allowed, r.decision.remaining]).toEqual([true, 0]);
    expect(hitWindow(r.window, t + 40_001, 5, 60_000).decision.allowed).toBe(false);
  });
});
