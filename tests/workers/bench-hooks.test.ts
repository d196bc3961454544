import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { countingD1 } from "../../app/lib/bench/bench";
import worker from "../../workers/app";
import { ORIGIN, signIn } from "../helpers/browser-client";
import { ACME } from "../helpers/seed";
import { newKey } from "./api-client";

// The hooks `npm run bench` relies on: inert without BENCH_ROUTES, honest counts with it.
const benchEnv = { ...env, BENCH_ROUTES: "true" };

async function benchFetch(path: string, init?: RequestInit) {
  const ctx = createExecutionContext();
  const res = await worker.fetch!(new Request(`${ORIGIN}${path}`, init) as Request<unknown, IncomingRequestCfProperties>, benchEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("benchmark hooks", () => {
  it("without BENCH_ROUTES the bench routes do not exist and no counter header is added", async () => {
    for (const path of ["/__bench/ping", "/__bench/bare"]) {
      const res = await SELF.fetch(`${ORIGIN}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers.get("X-Bench-D1-Round-Trips")).toBeNull();
    }
    const loop = await SELF.fetch(`${ORIGIN}/__bench/fetch-loop`, { method: "POST", body: "{}" });
    expect(loop.status).not.toBe(200);
  });

  it("with BENCH_ROUTES=true the bare routes answer and a page reports its D1 round trips", async () => {
    const ping = await benchFetch("/__bench/ping");
    expect(ping.status).toBe(200);
    expect(await ping.text()).toBe("pong\n");
    const bare = await benchFetch("/__bench/bare");
    expect(bare.status).toBe(200);
    expect(await bare.text()).toContain("Bare route");
    expect(bare.headers.get("X-Bench-D1-Round-Trips")).toBe("0");

    const client = await signIn("john@acme.com");
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const page = await benchFetch("/integrations", { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    expect(Number(page.headers.get("X-Bench-D1-Round-Trips"))).toBeGreaterThanOrEqual(1);
  });

  it("the fetch loop refuses anything but a loopback target", async () => {
    const res = await benchFetch("/__bench/fetch-loop", {
      method: "POST",
      body: JSON.stringify({ url: "http://169.254.169.254/", n: 1, concurrency: 1 }),
    });
    expect(res.status).toBe(400);
  });

  it("the D1 counter counts each batch and each executed statement once, and not prepare or bind", async () => {
    const counter = countingD1(env.DB);
    const stmt = counter.db.prepare("SELECT id FROM companies WHERE id = ?").bind("co_acme");
    expect(counter.roundTrips()).toBe(0);
    expect(await stmt.first("id")).toBe("co_acme");
    await counter.db.prepare("SELECT count(*) AS n FROM users").all();
    expect(counter.roundTrips()).toBe(2);
    const [a, b] = await counter.db.batch([
      counter.db.prepare("SELECT id FROM companies WHERE id = ?").bind("co_globex"),
      counter.db.prepare("SELECT id FROM users WHERE id = ?").bind("usr_john"),
    ]);
    expect(a?.results).toEqual([{ id: "co_globex" }]);
    expect(b?.results).toEqual([{ id: "usr_john" }]);
    expect(counter.roundTrips()).toBe(3);
  });
});

describe("one user lookup per page", () => {
  it("a page whose layout and tab both require the admin reads the user from D1 once", async () => {
    const client = await signIn("john@acme.com");
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    // architecture.md §8: the Connected and Available tabs render with one D1 round trip, user lookup included
    for (const path of ["/integrations", "/integrations/available"]) {
      const page = await benchFetch(path, { headers: { Cookie: cookie } });
      expect(page.status).toBe(200);
      expect(page.headers.get("X-Bench-D1-Round-Trips")).toBe("1");
    }
  });

  it("each request still checks the session itself: another user's cookie gets that user's answer", async () => {
    const sarah = await signIn("sarah@acme.com");
    const cookie = [...sarah.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const page = await benchFetch("/integrations", { headers: { Cookie: cookie } });
    expect(page.status).toBe(403);
  });
});

describe("far-location mode (X-Bench-Far-Ms)", () => {
  it("delays every D1, KV and Durable Object call under BENCH_ROUTES only, and nothing else changes", async () => {
    const client = await signIn("john@acme.com");
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const far = { Cookie: cookie, "X-Bench-Far-Ms": "120" };
    const page = await benchFetch("/integrations", { headers: far });
    expect(page.status).toBe(200);
    expect(page.headers.get("X-Bench-D1-Round-Trips")).toBe("1");
    // the page's one D1 batch waited at least one delay (a timer never fires early)
    expect(Number(page.headers.get("X-Bench-Worker-Ms"))).toBeGreaterThanOrEqual(120);

    const { secret } = await newKey(ACME.id);
    const res = await benchFetch("/v1/me", { headers: { Authorization: `Bearer ${secret}`, "X-Bench-Far-Ms": "120" } });
    expect(res.status).toBe(200); // the limiter's Durable Object answers through the delayed stub

    const plain = await SELF.fetch(`${ORIGIN}/integrations`, { headers: far });
    expect(plain.status).toBe(200);
    expect(plain.headers.get("X-Bench-Worker-Ms")).toBeNull();
    for (const bad of ["-5", "abc", "100000", "1.5"]) {
      const r = await benchFetch("/__bench/bare", { headers: { "X-Bench-Far-Ms": bad } });
      expect(r.status).toBe(200);
    }
  });
});
