import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
// @ts-ignore: plain JS of `npm run bench`
import { startReceiver } from "../../scripts/bench/receiver.mjs";
// @ts-ignore: plain JS of `npm run bench`
import { issue15Table } from "../../scripts/bench/report.mjs";
// @ts-ignore: plain JS of `npm run bench`
import { soakRun } from "../../scripts/bench/soak.mjs";
// @ts-ignore: plain JS of `npm run bench`
import { pairedRatio } from "../../scripts/bench/stats.mjs";
// @ts-ignore: plain JS of `npm run bench`
import { headlineSummary } from "../../scripts/bench/summary.mjs";
// @ts-ignore: plain JS of `npm run bench`
import { burstRun, createEndpoint, fanoutRun, latencyRun, settle, webhooksUnavailable } from "../../scripts/bench/webhooks.mjs";

// The webhook part of `npm run bench` runs against the real Worker; here it runs against a fake of
// the public /v1 contract, so the harness's own counting is proven on its own.
type Fault = {
  dropEvery?: number;
  badSignatureEvery?: number;
  duplicateEvery?: number;
  /** Every Nth create on a reused keep-alive socket loses its connection before any answer (ADR 0174), after it ran when `resetAfterRunning`. */
  resetCreateEvery?: number;
  resetAfterRunning?: boolean;
  /** Treat every create as new, whatever its Idempotency-Key. */
  ignoreIdempotencyKey?: boolean;
};

async function fakePipeline(fault: Fault = {}) {
  const endpoints: { id: string; url: string; secret: string; events: string[] }[] = [];
  let seq = 0;
  const deliver = async (ep: { url: string; secret: string }, id: string, body: string, n: number) => {
    if (fault.dropEvery && n % fault.dropEvery === 0) return;
    const ts = new Date();
    const secret = fault.badSignatureEvery && n % fault.badSignatureEvery === 0 ? `whsec_${randomBytes(32).toString("base64")}` : ep.secret;
    const headers = {
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(ts.getTime() / 1000)),
      "webhook-signature": new Webhook(secret).sign(id, ts, body),
      "content-type": "application/json",
    };
    const times = fault.duplicateEvery && n % fault.duplicateEvery === 0 ? 2 : 1;
    for (let i = 0; i < times; i++) await (await fetch(ep.url, { method: "POST", body, headers })).arrayBuffer();
  };
  // Deliveries go out after the API has answered, as the real pipeline's do. The fake closes only
  // once every one has ended, so none is cut off by the receiver closing after the test (a loaded
  // run's late duplicate did exactly that). A send that fails is a lost delivery: the counts show it.
  const inFlight = new Set<Promise<void>>();
  const later = (send: () => Promise<void>) => {
    const sent: Promise<void> = new Promise<void>((r) => setTimeout(r, 5))
      .then(send)
      .catch(() => {})
      .finally(() => inFlight.delete(sent));
    inFlight.add(sent);
  };
  const answered = new Map<string, { id: string }>();
  const served = new WeakMap<object, number>();
  let creates = 0;
  const server: Server = createServer((req, res) => {
    const onSocket = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, onSocket);
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => {
      const send = (status: number, body: unknown) =>
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (req.method === "GET" && (req.url === "/v1/webhooks" || req.url?.startsWith("/v1/conversations")))
        return send(200, { data: [], next_cursor: null });
      if (req.method === "POST" && req.url === "/v1/webhooks") {
        const input = JSON.parse(raw);
        const ep = {
          id: `we_${endpoints.length}`,
          url: input.url,
          events: input.events,
          secret: `whsec_${randomBytes(32).toString("base64")}`,
        };
        endpoints.push(ep);
        return send(201, ep);
      }
      if (req.method === "POST" && req.url === "/v1/conversations") {
        const key = fault.ignoreIdempotencyKey ? undefined : (req.headers["idempotency-key"] as string | undefined);
        const kept = key ? answered.get(key) : undefined;
        if (kept)
          return res.writeHead(201, { "content-type": "application/json", "idempotent-replayed": "true" }).end(JSON.stringify(kept));
        const reset = !!fault.resetCreateEvery && onSocket > 1 && ++creates % fault.resetCreateEvery === 0;
        if (reset && !fault.resetAfterRunning) return req.socket.destroy();
        const input = JSON.parse(raw);
        const conv = `conv_${seq++}`;
        for (const type of ["conversation.created", "message.received"]) {
          const n = seq++;
          const body = JSON.stringify({ id: `evt_${n}`, type, data: { id: conv, subject: input.subject, message: input.message } });
          for (const ep of endpoints.filter((e) => e.events.includes(type))) later(() => deliver(ep, `evt_${n}`, body, n));
        }
        if (key) answered.set(key, { id: conv });
        if (reset) return req.socket.destroy();
        return send(201, { id: conv });
      }
      send(404, { status: 404 });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  const close = async () => {
    while (inFlight.size) await Promise.allSettled([...inFlight]);
    await new Promise((r) => server.close(r));
  };
  return { base: `http://127.0.0.1:${port}`, close };
}

/** The soak against the fake pipeline: small, short, its fault and sizes as given. */
async function soakWith(fault: Fault, o: { events: number; clients: number; drainMs: number; runId: string }) {
  const { base, receiver } = await setup(fault);
  return soakRun({ base, apiKey: "k", receiver, seconds: 1, log: () => {}, ...o });
}

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function setup(fault?: Fault) {
  const api = await fakePipeline(fault);
  const receiver = await startReceiver();
  cleanup.push(receiver.close, api.close); // run last first: the API's sends end before the receiver closes
  return { base: api.base, receiver };
}

describe("the bench's webhook harness", () => {
  it("says why it cannot measure when the build has no webhooks API", async () => {
    const server = createServer((_, res) => res.writeHead(404).end("{}"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanup.push(() => new Promise((r) => server.close(r)));
    const why = await webhooksUnavailable(`http://127.0.0.1:${(server.address() as { port: number }).port}`, "sk_test");
    expect(why).toMatch(/webhooks API not in this build/);
  });

  it("measures latency and a burst, counting verified deliveries once each", async () => {
    const { base, receiver } = await setup({ duplicateEvery: 7 });
    expect(await webhooksUnavailable(base, "k")).toBeNull();
    await createEndpoint(base, "k", receiver, "one");
    const lat = await latencyRun({ base, apiKey: "k", receiver, name: "one", samples: 3, runId: "t" });
    expect(lat.samples).toBe(3);
    expect(lat.p50).toBeGreaterThan(0);
    const burst = await burstRun({ base, apiKey: "k", receiver, name: "one", events: 60, runId: "b", timeoutMs: 10_000 });
    expect(burst).toMatchObject({ events: 60, delivered: 60, complete: true, invalid: 0 });
    expect(burst.duplicates).toBeGreaterThan(0);
  });

  it("a fan-out run counts every event at every endpoint, verified and deduplicated", async () => {
    const { base, receiver } = await setup({ duplicateEvery: 5 });
    const names = ["f0", "f1", "f2"];
    for (const name of names) await createEndpoint(base, "k", receiver, name, ["conversation.created"]);
    const f = await fanoutRun({ base, apiKey: "k", receiver, names, events: 10, runId: "f", timeoutMs: 10_000 });
    expect(f).toMatchObject({ events: 10, endpoints: 3, expected: 30, delivered: 30, complete: true, invalid: 0 });
  });

  it("--json's summary has every headline key, null with a reason when not measured", () => {
    const summary = headlineSummary({
      quick: true,
      notMeasured: { lighthouse: "skipped by --only" },
      d1: { "/integrations": { roundTrips: 1 }, "GET /v1/me": { status: 500 } },
      webhooks: {
        ceiling: [{ perSecond: 1000 }],
        bursts: [{ complete: true, perSecond: 300 }],
        latency: { p50: 123.456 },
        fanout: [{ events: 1, endpoints: 20, expected: 20, delivered: 20, complete: true, invalid: 0, seconds: 0.5, perSecond: 40 }],
      },
    });
    expect(Object.keys(summary)).toEqual(
      expect.arrayContaining([
        "ssr_ratio",
        "api_ratio",
        "pipeline_ratio",
        "fanout",
        "d1_round_trips",
        "lighthouse",
        "delivery_p50_ms",
        "large_company",
        "far_location_ttfb_ms",
      ]),
    );
    expect(summary).toMatchObject({
      ssr_ratio: null,
      pipeline_ratio: 0.3,
      d1_round_trips: { "/integrations": 1 },
      lighthouse: null,
      delivery_p50_ms: 123.5,
      large_company: null,
      not_measured: { lighthouse: "skipped by --only" },
    });
    expect(summary.fanout[0]).toMatchObject({ events: 1, endpoints: 20, deliveries: 20, all_verified: true });
  });

  it("--json's large_company has the same figures on the large company, and each path's growth", () => {
    const run = (...rps: number[]) => ({ runs: rps.map((x) => ({ rps: x })) });
    const summary = headlineSummary({
      quick: true,
      notMeasured: {},
      ssr: { integrations: run(100, 110, 90), bare: run(400, 500, 450) },
      api: { conversations: run(200), ping: run(800) },
      large: {
        rows: {
          "/integrations": { small: { roundTrips: 1, rps: 120 }, large: { roundTrips: 1, rps: 90 } },
          "/v1/conversations": { small: { roundTrips: 1, rps: 300 }, large: { roundTrips: 1, rps: 200 } },
        },
        purge: { rowsPerSecond: 102644.4 },
      },
    });
    expect(summary.large_company).toEqual({
      ssr_ratio: 0.2,
      api_ratio: 0.25,
      d1_round_trips: { "/integrations": 1, "/v1/conversations": 1 },
      growth: { "/integrations": 1.333, "/v1/conversations": 1.5 },
      purge_rows_per_second: 102644,
    });
  });

  it("a path's growth is the median of its paired, alternating runs' ratios when the run has them", () => {
    const run = (...rps: number[]) => ({ runs: rps.map((x) => ({ rps: x })) });
    const small = run(200, 100, 210);
    const large = run(100, 190, 100);
    const summary = headlineSummary({
      quick: true,
      notMeasured: {},
      ssr: { integrations: run(100), bare: run(400) },
      api: { conversations: run(200), ping: run(800) },
      large: {
        // the medians (200 vs 100) would say 2.0x; the pairs say 2.0, 0.53 and 2.1: median 2.0. A pair's
        // outlier on one side (100 beside 190) does not move it, as it would move a ratio of single runs.
        rows: {
          "/integrations": {
            small: { roundTrips: 1, rps: 200, ...small },
            large: { roundTrips: 1, rps: 100, ...large },
            growth: pairedRatio(small, large),
          },
        },
        purge: { rowsPerSecond: 1 },
      },
    });
    expect(summary.large_company?.growth).toEqual({ "/integrations": 2 });
  });

  it("BENCHMARKS.md's issue 15 table judges each target from the --json figures, and says what was not measured", () => {
    const run = (...rps: number[]) => ({ runs: rps.map((x) => ({ rps: x })) });
    const table: string = issue15Table({
      quick: true,
      notMeasured: { lighthouse: "skipped by --only" },
      d1: { "/integrations": { roundTrips: 1 }, "GET /v1/conversations": { roundTrips: 2 }, "/__bench/bare": { roundTrips: 0 } },
      ssr: { integrations: run(300), bare: run(450) },
      webhooks: {
        ceiling: [{ perSecond: 1000 }],
        bursts: [
          { complete: true, perSecond: 300, events: 1000, apiSeconds: 2, drainPerSecond: 500, deliveredDuringApi: 2, drainSeconds: 2 },
        ],
        fanout: [{ events: 1, endpoints: 20, expected: 20, delivered: 20, complete: true, invalid: 0, seconds: 0.5, perSecond: 40 }],
      },
    });
    const line = (start: string) => table.split("\n").find((l) => l.startsWith(`| ${start}`)) ?? "";
    expect(line("D1 round trips")).toMatch(/GET \/v1\/conversations: 2 \| ❌ fail \|$/);
    expect(line("`/integrations` SSR")).toMatch(/\| 0\.67× \| ✅ pass \|$/);
    expect(line("Webhook pipeline")).toMatch(
      /0\.30× \(after the last API answer 0\.50×; the API phase alone allows 0\.50×, ADR 0145\) \| ✅ pass/,
    );
    expect(line("Fan-out")).toMatch(/1→20: 20\/20 in 0\.5 s \| ❌ fail \|$/); // the 1,000 → 20 row is missing
    expect(line("Lighthouse")).toContain("not measured: skipped by --only");
    expect(line("Large company")).toMatch(/not measured \| — \|$/);
  });

  it("--json's lighthouse figures carry the metric medians a score is made of (ADR 0150)", () => {
    const metrics = { fcp: 1214, lcp: 2306, tbt: 180, cls: 0, si: 2814 };
    const summary = headlineSummary({
      quick: true,
      notMeasured: {},
      lighthouse: {
        results: {
          "/integrations": {
            median: { performance: 96, accessibility: 100, "best-practices": 100 },
            scores: { performance: [96], accessibility: [100], "best-practices": [100] },
            metrics,
            benchmarkIndex: [1200],
            failing: [],
          },
        },
      },
    });
    expect(summary.lighthouse).toEqual({ "/integrations": { performance: 96, accessibility: 100, best_practices: 100, metrics } });
  });

  it("the load run passes when every event reaches all three endpoints, duplicates deduped", async () => {
    const r = await soakWith({ duplicateEvery: 5 }, { events: 40, clients: 8, drainMs: 5_000, runId: "ok" });
    expect(r.expected).toBeGreaterThanOrEqual(40);
    expect(r.endpoints.map((e: { lost: number }) => e.lost)).toEqual([0, 0, 0]);
    expect(r.endpoints.every((e: { duplicates: number }) => e.duplicates > 0)).toBe(true);
    expect(r.pass).toBe(true);
  });

  it("a create whose reused connection drops before any answer is asked again under its Idempotency-Key: none lost, none doubled", async () => {
    for (const resetAfterRunning of [false, true]) {
      const r = await soakWith(
        { resetCreateEvery: 4, resetAfterRunning },
        { events: 60, clients: 4, drainMs: 5_000, runId: `rs${resetAfterRunning}` },
      );
      expect(r.retried).toBeGreaterThan(0);
      expect(r.networkErrors).toBe(0);
      // a create that had run before its connection dropped is answered by its replay, not run twice
      if (resetAfterRunning) expect(r.replayed).toBeGreaterThan(0);
      else expect(r.replayed).toBe(0);
      expect(r.endpoints.map((e: { lost: number; extra: number }) => [e.lost, e.extra])).toEqual([
        [0, 0],
        [0, 0],
        [0, 0],
      ]);
      expect(r.pass).toBe(true);
    }
  });

  it("the load run fails when a retried create ran twice (a server that ignores Idempotency-Key)", async () => {
    const r = await soakWith(
      { resetCreateEvery: 4, resetAfterRunning: true, ignoreIdempotencyKey: true },
      { events: 60, clients: 4, drainMs: 2_000, runId: "dup" },
    );
    expect(r.retried).toBeGreaterThan(0);
    expect(r.endpoints.every((e: { extra: number }) => e.extra > 0)).toBe(true);
    expect(r.pass).toBe(false);
  });

  it("the load run fails when deliveries are lost or signatures are wrong", async () => {
    const r = await soakWith({ dropEvery: 9, badSignatureEvery: 11 }, { events: 40, clients: 8, drainMs: 1_000, runId: "bad" });
    expect(r.endpoints.every((e: { lost: number; invalid: number }) => e.lost > 0 && e.invalid > 0)).toBe(true);
    expect(r.pass).toBe(false);
  });

  it("settle waits until nothing is in hand, asks only for deliveries due soon, and gives up at its bound", async () => {
    // a stand-in for Miniflare's D1: each poll answers the next state of the pipeline
    const fakeServer = (states: { events: number; deliveries: number }[], dues: number[]) => ({
      mf: {
        getD1Database: async () => ({
          prepare: (sql: string) => ({
            bind: (due: number) => ({
              first: async () => {
                expect(sql).toMatch(/dispatched_at IS NULL/);
                expect(sql).toMatch(/next_attempt_at <= \?1/);
                dues.push(due);
                return states.length > 1 ? states.shift() : states[0];
              },
            }),
          }),
        }),
      },
    });
    const dues: number[] = [];
    const lines: string[] = [];
    const before = Date.now();
    const done = await settle(
      fakeServer(
        [
          { events: 3, deliveries: 40 },
          { events: 0, deliveries: 12 },
          { events: 0, deliveries: 0 },
        ],
        dues,
      ),
      { maxMs: 10_000, log: (l: string) => lines.push(l) },
    );
    expect(done).toMatchObject({ events: 0, deliveries: 0 });
    expect(dues).toHaveLength(3);
    // "due" is a few seconds ahead: a retry scheduled later (an unreachable endpoint) does not hold the bench up
    for (const due of dues) expect(due - before).toBeGreaterThanOrEqual(4_000);
    expect(lines).toEqual([expect.stringMatching(/^ {2}pipeline settled in \d+\.\d s$/)]);

    const stuck: string[] = [];
    const left = await settle(fakeServer([{ events: 1, deliveries: 2 }], []), { maxMs: 600, log: (l: string) => stuck.push(l) });
    expect(left).toMatchObject({ events: 1, deliveries: 2 });
    expect(left.seconds).toBeGreaterThanOrEqual(0.6);
    expect(stuck[0]).toMatch(/still 1 event\(s\) and 2 delivery\(ies\) in hand/);
  });
});
