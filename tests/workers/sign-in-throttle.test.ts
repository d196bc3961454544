import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { emptyCounter, fail, LOGIN_LIMITS, refresh, reserve, waitFor } from "~/lib/auth/login-policy";
import worker from "../../workers/app";
import { BrowserClient, ORIGIN } from "../helpers/browser-client";
import { ACME, DEMO_PASSWORD } from "../helpers/seed";

const from = (ip: string) => ({ headers: { "CF-Connecting-IP": ip } });

async function statuses(responses: Promise<Response>[]) {
  const all = await Promise.all(responses);
  const count: Record<number, number> = {};
  for (const r of all) count[r.status] = (count[r.status] ?? 0) + 1;
  return count;
}

// every attempt that is let through checks a password hash: slow on a shared test machine
describe("sign-in throttling", { timeout: 60_000 }, () => {
  it("40 wrong passwords sent in parallel get exactly five password checks; the other 35 are 429", async () => {
    const client = new BrowserClient();
    await client.ensureCsrf();
    const count = await statuses(
      Array.from({ length: 40 }, (_, i) =>
        client.post("/login", { email: "admin@globex.com", password: `guess-${i}` }, from("198.51.100.40")),
      ),
    );
    expect(count).toEqual({ 400: 5, 429: 35 });
    const right = await client.post("/login", { email: "admin@globex.com", password: DEMO_PASSWORD }, from("198.51.100.40"));
    expect(right.status).toBe(429);
    expect(Number(right.headers.get("Retry-After"))).toBeGreaterThan(0);
  });

  it("a stranger's wrong passwords lock out only the stranger's address, never the user's", async () => {
    const stranger = new BrowserClient();
    for (let i = 0; i < 8; i++) await stranger.post("/login", { email: ACME.agentEmail, password: `nope-${i}` }, from("198.51.100.66"));
    expect((await stranger.post("/login", { email: ACME.agentEmail, password: DEMO_PASSWORD }, from("198.51.100.66"))).status).toBe(429);
    const user = await new BrowserClient().post("/login", { email: ACME.agentEmail, password: DEMO_PASSWORD }, from("192.0.2.10"));
    expect(user.status).toBe(302);
  });

  it("a distributed guess hits the account ceiling, except from an address that signed in before", async () => {
    const account = ACME.agentEmail;
    const trusted = new BrowserClient();
    expect((await trusted.post("/login", { email: account, password: DEMO_PASSWORD }, from("192.0.2.20"))).status).toBe(302);
    const attacker = new BrowserClient();
    await attacker.ensureCsrf();
    // 15 addresses × 4 guesses = 60 > the ceiling of 50, all at once
    const guesses = Array.from({ length: 60 }, (_, i) =>
      attacker.post("/login", { email: account, password: `spray-${i}` }, from(`203.0.113.${100 + (i % 15)}`)),
    );
    const count = await statuses(guesses);
    expect((count[400] ?? 0) + (count[429] ?? 0)).toBe(60);
    expect(count[429]).toBeGreaterThan(0);
    const newcomer = await new BrowserClient().post("/login", { email: account, password: DEMO_PASSWORD }, from("192.0.2.30"));
    expect(newcomer.status).toBe(429);
    const known = await new BrowserClient().post("/login", { email: account, password: DEMO_PASSWORD }, from("192.0.2.20"));
    expect(known.status).toBe(302);
  });

  it("a burst across many accounts from one address is cut at the per-address limit, never a 500", async () => {
    const client = new BrowserClient();
    await client.ensureCsrf();
    const count = await statuses(
      Array.from({ length: 45 }, (_, i) =>
        client.post("/login", { email: `nobody${i}@example.com`, password: "x" }, from("198.51.100.99")),
      ),
    );
    expect(count).toEqual({ 400: LOGIN_LIMITS.perIp, 429: 45 - LOGIN_LIMITS.perIp });
  });

  it("without its Durable Object binding, sign-in is refused with 503 instead of going unthrottled", async () => {
    const client = new BrowserClient();
    await client.ensureCsrf();
    const body = new URLSearchParams({ csrf: client.csrf, email: ACME.adminEmail, password: DEMO_PASSWORD });
    const request = new Request(`${ORIGIN}/login`, {
      method: "POST",
      body,
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Host: new URL(ORIGIN).host,
        Origin: ORIGIN,
        Cookie: `__Host-ih_csrf=${client.csrf}`,
      },
      redirect: "manual",
    });
    const ctx = createExecutionContext();
    const res = await worker.fetch!(request as never, { ...env, LOGIN_THROTTLE: undefined } as never, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status, await res.clone().text()).toBe(503);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("__Host-ih_session="))).toBe(false);
  });
});

describe("sign-in throttling policy", () => {
  it("each lock in a row of the same account and address lasts twice as long, up to a day", () => {
    let now = 1_000_000;
    let pair = emptyCounter(now);
    const locks: number[] = [];
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < LOGIN_LIMITS.perPair; i++) pair = fail(reserve(refresh(pair, now)), LOGIN_LIMITS.perPair, now, true);
      const wait = waitFor(pair, LOGIN_LIMITS.perPair, now);
      locks.push(wait / 60_000);
      now += wait;
    }
    expect(locks).toEqual([15, 30, 60, 120, 240, 480, 960, 1440]);
  });

  it("a day without failures forgets the strikes", () => {
    let now = 0;
    let pair = emptyCounter(now);
    for (let i = 0; i < LOGIN_LIMITS.perPair; i++) pair = fail(reserve(pair), LOGIN_LIMITS.perPair, now, true);
    now += LOGIN_LIMITS.maxLockMs;
    pair = refresh(pair, now);
    expect(pair.strikes).toBe(0);
    expect(pair.failures).toBe(0);
  });
});
