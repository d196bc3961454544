/**
 * Failed sign-in throttling, per account and per IP, in KV with a sliding window of
 * WINDOW_SECONDS. KV is eventually consistent across locations, so under a distributed attack a
 * few extra tries can slip through; the per-account limit still bounds guessing to a handful
 * per window. A success clears the account's counter.
 */
export const THROTTLE = { windowSeconds: 15 * 60, perAccount: 5, perIp: 30 } as const;

type Counter = { count: number; resetAt: number };

export type ThrottleDeps = { kv: KVNamespace; now: () => number };

function keys(email: string, ip: string) {
  return { account: `throttle:login:acct:${email}`, ip: `throttle:login:ip:${ip}` };
}

async function read(kv: KVNamespace, key: string, now: number): Promise<Counter | null> {
  const c = await kv.get<Counter>(key, "json");
  return c && c.resetAt > now ? c : null;
}

/** Seconds until the caller may try again, or 0 when not throttled. */
export async function loginRetryAfter({ kv, now }: ThrottleDeps, email: string, ip: string): Promise<number> {
  const t = now();
  const k = keys(email, ip);
  const [acct, byIp] = await Promise.all([read(kv, k.account, t), read(kv, k.ip, t)]);
  const blocked = [
    acct && acct.count >= THROTTLE.perAccount ? acct.resetAt : 0,
    byIp && byIp.count >= THROTTLE.perIp ? byIp.resetAt : 0,
  ];
  const until = Math.max(...blocked);
  return until > t ? Math.ceil((until - t) / 1000) : 0;
}

export async function recordLoginFailure({ kv, now }: ThrottleDeps, email: string, ip: string): Promise<void> {
  const t = now();
  const k = keys(email, ip);
  await Promise.all([bump(kv, k.account, t), bump(kv, k.ip, t)]);
}

export async function clearLoginFailures({ kv }: ThrottleDeps, email: string): Promise<void> {
  await kv.delete(`throttle:login:acct:${email}`);
}

async function bump(kv: KVNamespace, key: string, now: number) {
  const current = await read(kv, key, now);
  const next: Counter = current
    ? { count: current.count + 1, resetAt: current.resetAt }
    : { count: 1, resetAt: now + THROTTLE.windowSeconds * 1000 };
  const ttl = Math.max(60, Math.ceil((next.resetAt - now) / 1000));
  await kv.put(key, JSON.stringify(next), { expirationTtl: ttl });
}
