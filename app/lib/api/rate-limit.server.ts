import type { Env } from "../env";
import { limiterStub } from "../security/limits.server";

export type RateLimitDecision = { allowed: boolean; limit: number; remaining: number; resetSeconds: number };

/** The RPC surface of the RateLimiter Durable Object (workers/rate-limiter.ts). */
export interface RateLimiterRpc {
  hit(limit: number, windowMs: number): Promise<RateLimitDecision>;
}

export const WINDOW_MS = 60_000;

export function rateLimitPerMinute(env: Env): number {
  const n = Number(env.API_RATE_LIMIT_PER_MINUTE ?? "600");
  return Number.isInteger(n) && n > 0 ? n : 600;
}

/**
 * One Durable Object per API key counts its requests exactly (DO requests are serialized).
 * Without the binding (a deployment that dropped it) it throws LimiterUnavailableError: the
 * router answers 503 rather than serving unlimited.
 */
export async function checkRateLimit(env: Env, keyId: string): Promise<RateLimitDecision> {
  return limiterStub(env, keyId).hit(rateLimitPerMinute(env), WINDOW_MS);
}

export function rateLimitHeaders(d: RateLimitDecision): Record<string, string> {
  return {
    "RateLimit-Limit": String(d.limit),
    "RateLimit-Remaining": String(d.remaining),
    "RateLimit-Reset": String(d.resetSeconds),
    "RateLimit-Policy": `${d.limit};w=${WINDOW_MS / 1000}`,
  };
}
