/**
 * The sign-in throttling policy as pure functions over counters, so it is unit-tested apart from
 * the Durable Object that stores the counters (login-throttle-do.server.ts).
 *
 * An attempt RESERVES a slot before the password is checked and gives it back on success, so
 * parallel attempts are counted one by one: 40 concurrent guesses get exactly `perPair` password
 * checks. Three counters judge an attempt:
 *  - account + IP ("pair"): `perPair` failures per window, then that pair alone is locked, for a
 *    window that doubles with each lock in a row (15 min, 30 min, 1 h … 24 h). A stranger
 *    guessing from their own address locks out only themselves.
 *  - IP: `perIp` failures per window across all accounts (password spraying).
 *  - account ceiling: `perAccount` failures per window from all addresses together (a
 *    distributed guess). It does not apply to an address that signed in to this account
 *    successfully in the last `trustMs`, so an attack cannot lock the admin out of their usual
 *    address.
 */
export const LOGIN_LIMITS = {
  windowMs: 15 * 60_000,
  perPair: 5,
  perIp: 30,
  perAccount: 50,
  maxLockMs: 24 * 60 * 60_000,
  trustMs: 30 * 24 * 60 * 60_000,
} as const;

export type Counter = {
  failures: number;
  windowStart: number;
  blockedUntil: number;
  strikes: number;
  lastFailure: number;
  trustedUntil: number;
};

export type Decision = { allowed: true } | { allowed: false; retryAfterMs: number };

export function emptyCounter(now: number): Counter {
  return { failures: 0, windowStart: now, blockedUntil: 0, strikes: 0, lastFailure: 0, trustedUntil: 0 };
}

/** A counter whose window (and lock) has ended starts a new window; a day of quiet forgets strikes. */
export function refresh(c: Counter, now: number): Counter {
  let next = c;
  if (next.blockedUntil <= now && next.windowStart + LOGIN_LIMITS.windowMs <= now) {
    next = { ...next, failures: 0, windowStart: now, blockedUntil: 0 };
  }
  if (next.strikes > 0 && next.lastFailure + LOGIN_LIMITS.maxLockMs <= now) next = { ...next, strikes: 0 };
  return next;
}

/** Why `c` refuses an attempt now (ms until it may succeed), or 0 when it has room. */
export function waitFor(c: Counter, limit: number, now: number): number {
  if (c.blockedUntil > now) return c.blockedUntil - now;
  if (c.failures >= limit) return Math.max(1000, c.windowStart + LOGIN_LIMITS.windowMs - now);
  return 0;
}

export function reserve(c: Counter): Counter {
  return { ...c, failures: c.failures + 1 };
}

/** Gives a reserved slot back (the attempt succeeded, or another counter refused it). */
export function release(c: Counter): Counter {
  return { ...c, failures: Math.max(0, c.failures - 1) };
}

/** The reserved slot stays spent; a pair that reaches its limit is locked, longer each time. */
export function fail(c: Counter, limit: number, now: number, escalate: boolean): Counter {
  const next = { ...c, lastFailure: now };
  if (!escalate || next.failures < limit || next.blockedUntil > now) return next;
  const lockMs = Math.min(LOGIN_LIMITS.maxLockMs, LOGIN_LIMITS.windowMs * 2 ** next.strikes);
  return { ...next, blockedUntil: now + lockMs, strikes: next.strikes + 1 };
}

/** A correct password clears the pair and trusts its address for the account ceiling. */
export function succeedPair(_c: Counter, now: number): Counter {
  return { ...emptyCounter(now), trustedUntil: now + LOGIN_LIMITS.trustMs };
}

export function isTrusted(pair: Counter, now: number): boolean {
  return pair.trustedUntil > now;
}
