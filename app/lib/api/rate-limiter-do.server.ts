import { DurableObject } from "cloudflare:workers";
import type { RateLimitDecision, RateLimiterRpc } from "./rate-limit.server";
import { hitWindow, type RateWindow, windowFromTimestamps } from "./rate-window";

/**
 * Per-key sliding-window limiter: the window's 60 buckets (rate-window.ts, ADR 0170), kept in the
 * object's storage so an eviction does not reset the count. A DO handles one request at a time,
 * so two concurrent hits can never both take the last slot.
 */
export class RateLimiter extends DurableObject implements RateLimiterRpc {
  private window: RateWindow | null = null;

  async hit(limit: number, windowMs: number): Promise<RateLimitDecision> {
    this.window ??= await this.load(windowMs);
    const { window, decision } = hitWindow(this.window, Date.now(), limit, windowMs);
    this.window = window;
    await this.ctx.storage.put("window", window);
    return decision;
  }

  private async load(windowMs: number): Promise<RateWindow> {
    // one read for both: "hits" is what ADR 0003's limiter wrote (the times of the allowed requests)
    const stored = await this.ctx.storage.get<RateWindow | number[]>(["window", "hits"]);
    const window = stored.get("window") as RateWindow | undefined;
    if (window) return window;
    const hits = stored.get("hits") as number[] | undefined;
    if (!hits) return [];
    await this.ctx.storage.delete("hits");
    return windowFromTimestamps(hits, windowMs);
  }
}
