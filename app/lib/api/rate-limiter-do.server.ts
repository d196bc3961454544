import { DurableObject } from "cloudflare:workers";
import type { RateLimitDecision, RateLimiterRpc } from "./rate-limit.server";
import { hitWindow, type RateWindow, windowFromTimestamps } from "./rate-window";

/**
 * A budget of at most this many a window (sign-in, replays, test events, anonymous /v1 calls: every
 * `LIMITS` entry) is written on every counted hit; a larger one (an API key's 600 a minute) at most
 * once per `FLUSH_MS` (ADR 0171).
 */
export const WRITE_THROUGH_MAX_LIMIT = 60;
export const FLUSH_MS = 1_000;

/**
 * Per-key sliding-window limiter: the window's 60 buckets (rate-window.ts, ADR 0170), kept in the
 * object's storage so an eviction does not reset the count. A DO handles one request at a time,
 * so two concurrent hits can never both take the last slot: the count in memory is the truth while
 * the object lives, and storage is where a new instance takes it from.
 */
export class RateLimiter extends DurableObject implements RateLimiterRpc {
  private window: RateWindow | null = null;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;

  async hit(limit: number, windowMs: number): Promise<RateLimitDecision> {
    this.window ??= await this.load(windowMs);
    const { window, decision } = hitWindow(this.window, Date.now(), limit, windowMs);
    this.window = window;
    // a refusal counts nothing: the stored window still holds every allowed request
    if (decision.allowed) {
      if (limit <= WRITE_THROUGH_MAX_LIMIT) await this.ctx.storage.put("window", window);
      else this.flushSoon();
    }
    return decision;
  }

  /**
   * High-volume keys: one write a second instead of one per request. What an instance that dies
   * before its flush (a deploy, a crash; an idle eviction comes long after) loses is the last
   * second's count, which the caller may then spend again once.
   */
  private flushSoon() {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      if (!this.window) return;
      // a failed write leaves the count in memory: the next counted hit schedules another
      this.ctx.storage.put("window", this.window).catch((error: unknown) => {
        console.error("rate limiter: window write failed", error instanceof Error ? error.name : "unknown");
      });
    }, FLUSH_MS);
  }

  private async load(windowMs: number): Promise<RateWindow> {
    // one read for both: "hits" is what ADR 0003's limiter wrote (the times of the allowed requests)
    const stored = await this.ctx.storage.get<RateWindow | number[]>(["window", "hits"]);
    const window = stored.get("window") as RateWindow | undefined;
    if (window) return window;
    const hits = stored.get("hits") as number[] | undefined;
    if (!hits) return [];
    // stored before the old log goes: a refused hit writes nothing, and the count must outlive this instance
    const folded = windowFromTimestamps(hits, windowMs);
    await this.ctx.storage.put("window", folded);
    await this.ctx.storage.delete("hits");
    return folded;
  }
}
