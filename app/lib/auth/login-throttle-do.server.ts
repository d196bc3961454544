import { DurableObject } from "cloudflare:workers";
import {
  type Counter,
  type Decision,
  emptyCounter,
  fail,
  isTrusted,
  LOGIN_LIMITS,
  refresh,
  release,
  reserve,
  succeedPair,
  waitFor,
} from "./login-policy";

/**
 * One object per account (`acct:<email>`, holding its account+IP pairs and its ceiling) and one
 * per client address (`ip:<address>`). Its SQLite storage is synchronous, so every method runs
 * from first read to last write without another request in between: counts are exact under any
 * concurrency (the policy is in login-policy.ts).
 */
export class LoginThrottle extends DurableObject {
  private ready = false;

  private table() {
    if (this.ready) return;
    this.ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, failures INTEGER, window_start INTEGER,
        blocked_until INTEGER, strikes INTEGER, last_failure INTEGER, trusted_until INTEGER)`,
    );
    this.ready = true;
  }

  private load(name: string, now: number): Counter {
    this.table();
    const row = this.ctx.storage.sql
      .exec<{
        failures: number;
        window_start: number;
        blocked_until: number;
        strikes: number;
        last_failure: number;
        trusted_until: number;
      }>("SELECT failures, window_start, blocked_until, strikes, last_failure, trusted_until FROM counters WHERE name = ?", name)
      .toArray()[0];
    if (!row) return emptyCounter(now);
    return refresh(
      {
        failures: row.failures,
        windowStart: row.window_start,
        blockedUntil: row.blocked_until,
        strikes: row.strikes,
        lastFailure: row.last_failure,
        trustedUntil: row.trusted_until,
      },
      now,
    );
  }

  private save(name: string, c: Counter) {
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO counters (name, failures, window_start, blocked_until, strikes, last_failure, trusted_until) VALUES (?, ?, ?, ?, ?, ?, ?)",
      name,
      c.failures,
      c.windowStart,
      c.blockedUntil,
      c.strikes,
      c.lastFailure,
      c.trustedUntil,
    );
  }

  /** Forgets counters that no longer hold anything (bounded storage under a distributed attack). */
  private prune(now: number) {
    this.ctx.storage.sql.exec(
      `DELETE FROM counters WHERE blocked_until <= ?1 AND trusted_until <= ?1 AND window_start + ?2 <= ?1 AND last_failure + ?3 <= ?1`,
      now,
      LOGIN_LIMITS.windowMs,
      LOGIN_LIMITS.maxLockMs,
    );
  }

  /** Account object: may `ip` try a password for this account now? Reserves a slot if so. */
  beginAccount(ip: string, now: number): Decision {
    this.table();
    this.prune(now);
    const pairName = `pair:${ip}`;
    const pair = this.load(pairName, now);
    const account = this.load("account", now);
    const wait = Math.max(
      waitFor(pair, LOGIN_LIMITS.perPair, now),
      isTrusted(pair, now) ? 0 : waitFor(account, LOGIN_LIMITS.perAccount, now),
    );
    if (wait > 0) return { allowed: false, retryAfterMs: wait };
    this.save(pairName, reserve(pair));
    this.save("account", reserve(account));
    return { allowed: true };
  }

  /** Account object: the reserved attempt ended (`success`), or was refused elsewhere (`cancel`). */
  finishAccount(ip: string, outcome: "success" | "failure" | "cancel", now: number): void {
    const pairName = `pair:${ip}`;
    const pair = this.load(pairName, now);
    const account = this.load("account", now);
    if (outcome === "success") {
      this.save(pairName, succeedPair(pair, now));
      this.save("account", release(account));
    } else if (outcome === "cancel") {
      this.save(pairName, release(pair));
      this.save("account", release(account));
    } else {
      this.save(pairName, fail(pair, LOGIN_LIMITS.perPair, now, true));
      this.save("account", fail(account, LOGIN_LIMITS.perAccount, now, false));
    }
  }

  /** Address object: may this address try a password (any account) now? */
  beginIp(now: number): Decision {
    const c = this.load("ip", now);
    const wait = waitFor(c, LOGIN_LIMITS.perIp, now);
    if (wait > 0) return { allowed: false, retryAfterMs: wait };
    this.save("ip", reserve(c));
    return { allowed: true };
  }

  finishIp(outcome: "success" | "failure", now: number): void {
    const c = this.load("ip", now);
    this.save("ip", outcome === "success" ? release(c) : fail(c, LOGIN_LIMITS.perIp, now, false));
  }
}
