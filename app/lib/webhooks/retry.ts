/**
 * The retry schedule of architecture.md §4: seconds to wait after each failed attempt. Eight attempts in
 * all (the first plus seven retries) over about 27.6 hours. WEBHOOK_RETRY_SCHEDULE overrides it
 * (comma-separated seconds) so tests and demos can compress it.
 */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [5, 300, 1800, 7200, 18000, 36000, 36000];

/** How long one delivery attempt may take before it counts as a timeout. */
export const SEND_TIMEOUT_MS = 15_000;

/** Cloudflare Queues caps a retry delay at 12 hours. */
export const MAX_QUEUE_DELAY_SECONDS = 43_200;

export function retrySchedule(env: { WEBHOOK_RETRY_SCHEDULE?: string }): readonly number[] {
  const spec = (env.WEBHOOK_RETRY_SCHEDULE ?? "").trim();
  if (!spec) return DEFAULT_RETRY_SCHEDULE;
  const parts = spec.split(",").map((s) => Number(s.trim()));
  if (parts.length === 0 || parts.some((n) => !Number.isFinite(n) || n < 0)) return DEFAULT_RETRY_SCHEDULE;
  return parts.map((n) => Math.floor(n));
}

/** Total attempts the schedule allows (first attempt + one per delay). */
export function maxAttempts(schedule: readonly number[]): number {
  return schedule.length + 1;
}

/** Parses Retry-After as delta-seconds or an HTTP-date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

/**
 * Delay before the next attempt after `attemptsMade` failed attempts, or null when the schedule
 * is exhausted. Retry-After is honoured but clamped to 1×–2× the scheduled delay (a receiver
 * cannot make us hammer it, nor park a delivery for days); ±10 % jitter spreads retries.
 */
export function nextRetryDelay(input: {
  attemptsMade: number;
  schedule: readonly number[];
  retryAfterSeconds?: number | null;
  random?: () => number;
}): number | null {
  const scheduled = input.schedule[input.attemptsMade - 1];
  if (scheduled === undefined) return null;
  let base = scheduled;
  if (input.retryAfterSeconds != null && Number.isFinite(input.retryAfterSeconds)) {
    base = Math.min(Math.max(input.retryAfterSeconds, scheduled), scheduled * 2);
  }
  const random = input.random ?? Math.random;
  const jittered = base * (1 + (random() * 2 - 1) * 0.1);
  return Math.min(Math.max(0, Math.round(jittered)), MAX_QUEUE_DELAY_SECONDS);
}
