import type { RateLimitDecision } from "./rate-limit.server";

/**
 * A sliding window kept as 60 sub-windows ("buckets"): `[bucketStart, count]`, oldest first.
 * Its size is bounded by 60 whatever the limit or the traffic, so a hit costs the same for a key
 * allowed 600 requests a minute as for one allowed 100 million (ADR 0170; the timestamp log it
 * replaces rewrote every counted request on every hit).
 */
export type RateWindow = Array<[start: number, count: number]>;

export const BUCKETS_PER_WINDOW = 60;

export function bucketMs(windowMs: number): number {
  return Math.max(1, Math.ceil(windowMs / BUCKETS_PER_WINDOW));
}

/**
 * Counts one request at `now` if the window has room. A bucket counts while any part of it lies in
 * the window `(now − windowMs, now]`, so the count is never below the exact sliding-window count:
 * no window of `windowMs` ever holds more than `limit` allowed requests (no boundary burst); a
 * request is at most one bucket (1/60 of the window) late in leaving it.
 */
export function hitWindow(
  window: RateWindow,
  now: number,
  limit: number,
  windowMs: number,
): { window: RateWindow; decision: RateLimitDecision } {
  const size = bucketMs(windowMs);
  const live: RateWindow = window.filter(([start]) => start + size > now - windowMs).map(([start, n]) => [start, n]);
  let count = live.reduce((sum, [, n]) => sum + n, 0);
  const allowed = count < limit;
  if (allowed) {
    addTo(live, now, size);
    count++;
  }
  return {
    window: live,
    decision: {
      allowed,
      limit,
      remaining: Math.max(0, limit - count),
      resetSeconds: resetSeconds(live, count, now, limit, windowMs, size),
    },
  };
}

/**
 * Seconds until the next request would be allowed (when the window is full), or until the oldest
 * counted request leaves it (when there is room): at least 1.
 */
function resetSeconds(live: RateWindow, count: number, now: number, limit: number, windowMs: number, size: number): number {
  const mustLeave = Math.max(1, count - limit + 1);
  let left = 0;
  let at = now + windowMs;
  for (const [start, n] of live) {
    left += n;
    at = start + size + windowMs;
    if (left >= mustLeave) break;
  }
  return Math.max(1, Math.ceil((at - now) / 1000));
}

/** The previous storage shape (ADR 0003's log of timestamps), folded into buckets once, on a deploy. */
export function windowFromTimestamps(timestamps: readonly number[], windowMs: number): RateWindow {
  const size = bucketMs(windowMs);
  const out: RateWindow = [];
  for (const t of [...timestamps].sort((a, b) => a - b)) addTo(out, t, size);
  return out;
}

/** Counts one request at `t` in its bucket (the last one: requests come in time order). */
function addTo(window: RateWindow, t: number, size: number): void {
  const start = t - (t % size);
  const last = window.at(-1);
  if (last && last[0] === start) last[1]++;
  else window.push([start, 1]);
}
