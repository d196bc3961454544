import type { Env } from "../env";
import type { Decision } from "./login-policy";

/**
 * Sign-in throttling through the LoginThrottle Durable Object (policy: login-policy.ts, ADR 0035).
 * `beginSignIn` reserves a slot on the account's object and the address's object before the
 * password is checked; the caller reports the outcome with `finish`.
 */
export type LoginThrottleRpc = {
  beginAccount(ip: string, now: number): Promise<Decision>;
  finishAccount(ip: string, outcome: "success" | "failure" | "cancel", now: number): Promise<void>;
  beginIp(now: number): Promise<Decision>;
  finishIp(outcome: "success" | "failure", now: number): Promise<void>;
};

export type ThrottleDeps = { throttle: Env["LOGIN_THROTTLE"] | undefined; now: () => number };

export class ThrottleUnavailableError extends Error {
  constructor() {
    super("LOGIN_THROTTLE binding missing: sign-in refused rather than unthrottled");
  }
}

export type SignInSlot =
  | { allowed: true; finish(outcome: "success" | "failure"): Promise<void> }
  | { allowed: false; retryAfterSeconds: number };

function stub(ns: Env["LOGIN_THROTTLE"], name: string): LoginThrottleRpc {
  return ns.get(ns.idFromName(name)) as unknown as LoginThrottleRpc;
}

export async function beginSignIn({ throttle, now }: ThrottleDeps, account: string, ip: string): Promise<SignInSlot> {
  if (!throttle) throw new ThrottleUnavailableError();
  const address = ip.slice(0, 64);
  const acct = stub(throttle, `acct:${account}`);
  const byIp = stub(throttle, `ip:${address}`);
  const a = await acct.beginAccount(address, now());
  if (!a.allowed) return { allowed: false, retryAfterSeconds: Math.ceil(a.retryAfterMs / 1000) };
  const b = await byIp.beginIp(now());
  if (!b.allowed) {
    await acct.finishAccount(address, "cancel", now());
    return { allowed: false, retryAfterSeconds: Math.ceil(b.retryAfterMs / 1000) };
  }
  return {
    allowed: true,
    async finish(outcome) {
      await Promise.all([acct.finishAccount(address, outcome, now()), byIp.finishIp(outcome, now())]);
    },
  };
}
