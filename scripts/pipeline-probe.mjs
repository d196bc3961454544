// Where a webhook burst's time goes on Miniflare (docs/decisions/0145-pipeline-batches-of-100.md).
//
//   node scripts/pipeline-probe.mjs --broker        Miniflare's queue broker alone, with a consumer that
//                                                   does nothing: its dispatch rate per batch size, and
//                                                   what it dispatches while the same Worker serves HTTP.
//   node scripts/pipeline-probe.mjs [--runs=N]      the bench's burst (500 POST /v1/conversations, 16 in
//                                                   flight → 1,000 deliveries) on the dry-run bundle, split
//                                                   at the last API answer, with Miniflare's own per-batch
//                                                   lines (QUEUE <name> n/n (ms)) counted per phase.
// Needs `npm run build` first for the second form (the bundle is the bench's). Loopback only.
import http from "node:http";
import { parseArgs } from "node:util";
import { startReceiver } from "./bench/receiver.mjs";
import { loadMiniflare, startBenchServer } from "./bench/server.mjs";
import { burstRun, ceilingRun, createEndpoint } from "./bench/webhooks.mjs";

const { values } = parseArgs({ options: { broker: { type: "boolean" }, runs: { type: "string", default: "2" } } });
const { Miniflare, Log, LogLevel } = await loadMiniflare();

/** A Worker whose consumer only counts; `/send?n=` enqueues n messages in sendBatch calls of 100, `/work` one message after `burn` ms of CPU. */
const countingWorker = (burnMs) => `
  let got = 0, log = [];
  export default {
    async fetch(req, env) {
      const u = new URL(req.url);
      if (u.pathname === "/send") {
        const n = Number(u.searchParams.get("n"));
        for (let i = 0; i < n; i += 100) await env.Q.sendBatch(Array.from({ length: Math.min(100, n - i) }, () => ({ body: {} })));
        return new Response("ok");
      }
      if (u.pathname === "/work") {
        const t = Date.now();
        while (Date.now() - t < ${burnMs}) {}
        await env.Q.send({});
        return new Response("ok");
      }
      return Response.json({ got, log });
    },
    async queue(batch) { got += batch.messages.length; log.push([Date.now(), batch.messages.length]); },
  };`;

async function withWorker(burnMs, size, fn) {
  const mf = new Miniflare({
    modules: true,
    script: countingWorker(burnMs),
    queueProducers: { Q: "q" },
    queueConsumers: { q: { maxBatchSize: size, maxBatchTimeout: 0 } },
  });
  const url = new URL(await mf.ready);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const get = (path) =>
    new Promise((resolve, reject) =>
      http
        .get({ host: url.hostname, port: url.port, path, agent }, (res) => {
          let body = "";
          res.on("data", (c) => (body += c));
          res.on("end", () => resolve(body));
        })
        .on("error", reject),
    );
  const drained = async (n) => {
    for (;;) {
      const s = JSON.parse(await get("/stats"));
      if (s.got >= n) return s;
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  try {
    return await fn({ get, drained });
  } finally {
    agent.destroy();
    await mf.dispose();
  }
}

async function broker() {
  const n = 2000;
  for (const size of [25, 100]) {
    await withWorker(0, size, async ({ get, drained }) => {
      const t0 = Date.now();
      await get(`/send?n=${n}`);
      const s = await drained(n);
      const ms = s.log.at(-1)[0] - t0;
      console.log(
        `broker, empty consumer, max_batch_size ${size}: ${n} messages in ${s.log.length} batches, ${ms} ms → ${Math.round(n / (ms / 1000))} messages/s, ${(ms / s.log.length).toFixed(0)} ms per batch`,
      );
    });
  }
  for (const burnMs of [0, 5]) {
    await withWorker(burnMs, 100, async ({ get, drained }) => {
      const requests = 500;
      let next = 0;
      const t0 = Date.now();
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < requests) {
            next++;
            await get("/work");
          }
        }),
      );
      const httpEnd = Date.now();
      const s = await drained(requests);
      const during = s.log.filter(([at]) => at <= httpEnd);
      console.log(
        `broker under HTTP load (${requests} requests, 16 in flight, ${burnMs} ms CPU + one send each) took ${((httpEnd - t0) / 1000).toFixed(1)} s: ${during.length} batches (${during.reduce((a, [, k]) => a + k, 0)} messages) dispatched meanwhile; the other ${requests - during.reduce((a, [, k]) => a + k, 0)} in ${s.log.length - during.length} batches within ${((s.log.at(-1)[0] - httpEnd) / 1000).toFixed(2)} s after`,
      );
    });
  }
}

async function bursts(runs) {
  const lines = [];
  const ESC = String.fromCharCode(27);
  const strip = (s) =>
    s
      .split(ESC)
      .map((part, i) => (i === 0 ? part : part.replace(/^\[[0-9;]*m/, "")))
      .join("");
  class TimedLog extends Log {
    logWithLevel(_level, message) {
      const m = /QUEUE\s+(\S+)\s+(\d+)\/(\d+)\s+\((\d+)ms\)/.exec(strip(message));
      if (m) lines.push({ at: performance.now(), queue: m[1], n: Number(m[3]), ms: Number(m[4]) });
    }
  }
  const server = await startBenchServer({ log: () => {}, miniflareLog: new TimedLog(LogLevel.INFO) });
  const receiver = await startReceiver();
  try {
    await createEndpoint(server.url, server.apiKey, receiver, "probe");
    const ceiling = await ceilingRun({ base: server.url, receiver, n: 1000 });
    console.log(`ceiling ${ceiling.perSecond.toFixed(0)}/s`);
    for (let i = 0; i < runs; i++) {
      lines.length = 0;
      const t0 = performance.now();
      const b = await burstRun({
        base: server.url,
        apiKey: server.apiKey,
        receiver,
        name: "probe",
        events: 1000,
        runId: `probe${Date.now()}x${i}`,
        timeoutMs: 180_000,
      });
      const apiEnd = t0 + b.apiSeconds * 1000;
      console.log(
        `burst ${i + 1}: ${b.delivered}/${b.events} in ${b.seconds.toFixed(1)} s (ratio ${(b.perSecond / ceiling.perSecond).toFixed(3)}), duplicates ${b.duplicates}, invalid ${b.invalid}; API calls ${b.apiSeconds.toFixed(1)} s, first delivery at ${b.firstArrivalSeconds?.toFixed(1)} s, ${b.deliveredDuringApi} delivered during the API calls, the rest in ${b.drainSeconds?.toFixed(1)} s`,
      );
      for (const queue of ["ih-events", "ih-deliveries"])
        for (const [phase, inPhase] of [
          ["during the API calls", (l) => l.at <= apiEnd],
          ["after", (l) => l.at > apiEnd],
        ]) {
          const ls = lines.filter((l) => l.queue === queue && inPhase(l));
          const msgs = ls.reduce((a, l) => a + l.n, 0);
          const busy = ls.reduce((a, l) => a + l.ms, 0);
          console.log(
            `  ${queue} ${phase}: ${ls.length} batches, ${msgs} messages, ${busy} ms in the consumer (${ls.length ? (busy / ls.length).toFixed(0) : 0} ms per batch)`,
          );
        }
    }
  } finally {
    await receiver.close();
    await server.dispose();
  }
}

if (values.broker) await broker();
else await bursts(Number(values.runs));
