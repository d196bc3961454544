import { DurableObject } from "cloudflare:workers";
import type { RateLimitDecision, RateLimiterRpc } from "./rate-limit.server";

/**
 * Exact per-key sliding-window limiter: the timestamps of the requests allowed in the last
 * window, kept in the object's storage so an eviction does not reset the count. A DO handles
 * one request at a time, so two concurrent hits can never both take the last slot.
 */
export class RateLimiter extends DurableObject implements RateLimiterRpc {
  private hits: number[] | null = null;

  async hit(limit: number, windowMs: number): Promise<RateLimitDecision> {
    const now = Date.now();
    this.hits ??= (await this.ctx.storage.get<number[]>("hits")) ?? [];
    const recent = this.hits.filter((t) => t > now - windowMs);
    const allowed = recent.length < limit;
    if (allowed) recent.push(now);
    this.hits = recent.slice(-Math.max(limit, 1));
    await this.ctx.storage.put("hits", this.hits);
    const oldest = this.hits[0] ?? now;
    const resetSeconds = Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
    return { allowed, limit, remaining: Math.max(0, limit - this.hits.length), resetSeconds };
  }
}
