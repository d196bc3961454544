import type { RateLimitDecision, RateLimiterRpc } from "../api/rate-limit.server";
import type { Env } from "../env";

/**
 * Per-company and per-address budgets for work that costs us or a third party something:
 * outbound POSTs (Test, Resend, Replay), new endpoints, and /v1 requests that carry no valid key.
 * Counted by the RateLimiter Durable Object (one object per bucket and subject; a sliding window of 60
 * buckets that never lets more than the limit into any window, ADR 0170). Without
 * the binding every caller refuses with 503 rather than running unlimited.
 */
export const LIMITS = {
  "webhook.test": { limit: 10, windowMs: 60_000, what: "test events" },
  "webhook.resend": { limit: 30, windowMs: 60_000, what: "resends" },
  "webhook.replay": { limit: 5, windowMs: 60 * 60_000, what: "replays" },
  "webhook.create": { limit: 30, windowMs: 60 * 60_000, what: "new endpoints" },
  "api.anonymous": { limit: 60, windowMs: 60_000, what: "requests without a valid API key" },
  "email.new_conversation": { limit: 20, windowMs: 60 * 60_000, what: "new email conversations from one sender" },
  "email.unauthenticated": { limit: 50, windowMs: 60 * 60_000, what: "new email conversations from unauthenticated senders" },
} as const;

export type LimitBucket = keyof typeof LIMITS;

export class LimiterUnavailableError extends Error {
  constructor() {
    super("RATE_LIMITER binding missing: refusing rather than running unlimited");
  }
}

export function limiterStub(env: Pick<Env, "RATE_LIMITER">, name: string): RateLimiterRpc {
  const ns: Env["RATE_LIMITER"] | undefined = env.RATE_LIMITER;
  if (!ns) throw new LimiterUnavailableError();
  return ns.get(ns.idFromName(name));
}

/** Counts one unit of `bucket` for `subject` (a company id or a client address). */
export async function hitLimit(env: Pick<Env, "RATE_LIMITER">, bucket: LimitBucket, subject: string): Promise<RateLimitDecision> {
  const { limit, windowMs } = LIMITS[bucket];
  return limiterStub(env, `${bucket}:${subject}`).hit(limit, windowMs);
}

/** The sentence shown when a company's budget for `bucket` is spent. */
export function limitMessage(bucket: LimitBucket, d: RateLimitDecision): string {
  const { limit, windowMs, what } = LIMITS[bucket];
  const per =
    windowMs >= 60 * 60_000
      ? `${windowMs / 3_600_000} hour${windowMs === 3_600_000 ? "" : "s"}`
      : `${windowMs / 60_000} minute${windowMs === 60_000 ? "" : "s"}`;
  return `Your company has reached its limit of ${limit} ${what} per ${per}. Try again in ${d.resetSeconds} second${d.resetSeconds === 1 ? "" : "s"}.`;
}

/**
 * For page actions: `null` when `bucket` has room, else a 429 JSON answer with Retry-After.
 * A missing binding throws a 503 page.
 */
export async function companyLimitResponse(
  env: Pick<Env, "RATE_LIMITER">,
  bucket: LimitBucket,
  companyId: string,
): Promise<{ message: string; retryAfter: number } | null> {
  let d: RateLimitDecision;
  try {
    d = await hitLimit(env, bucket, companyId);
  } catch (error) {
    if (error instanceof LimiterUnavailableError) {
      console.error(error.message);
      throw new Response("This action is unavailable right now. Try again in a few minutes.", {
        status: 503,
        headers: { "Retry-After": "60" },
      });
    }
    throw error;
  }
  return d.allowed ? null : { message: limitMessage(bucket, d), retryAfter: d.resetSeconds };
}
