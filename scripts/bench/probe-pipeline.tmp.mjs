// TEMP profiling probe (not committed): one bench server, ceiling + N bursts, with Miniflare's
// per-batch QUEUE lines timestamped and receiver arrival times, to decompose the burst.
import { startBenchServer, loadMiniflare } from "./server.mjs";
import { startReceiver } from "./receiver.mjs";
import { burstRun, ceilingRun, createEndpoint, latencyRun } from "./webhooks.mjs";

const { Log, LogLevel } = await loadMiniflare();
const lines = [];
class TLog extends Log {
  logWithLevel(level, message) {
    const m = /QUEUE\S*\s+(\S+)\s+\S*?(\d+)\/(\d+)\S*\s+\S*\((\d+)ms\)/.exec(message.replace(/\x1b\[[0-9;]*m/g, ""));
    if (m) lines.push({ t: performance.now(), queue: m[1], acked: +m[2], n: +m[3], ms: +m[4] });
  }
}
const server = await startBenchServer({ log: () => {}, miniflareLog: new TLog(LogLevel.INFO) });
const receiver = await startReceiver();
await createEndpoint(server.url, server.apiKey, receiver, "one");
const c = await ceilingRun({ base: server.url, receiver, n: 1000 });
console.log("ceiling", c.perSecond.toFixed(0), "/s");
const lat = await latencyRun({ base: server.url, apiKey: server.apiKey, receiver, name: "one", samples: 10, runId: "p" });
console.log("latency p50", lat.p50.toFixed(0));
for (let r = 0; r < Number(process.env.RUNS ?? 2); r++) {
  lines.length = 0;
  const t0 = performance.now();
  const b = await burstRun({ base: server.url, apiKey: server.apiKey, receiver, name: "one", events: 1000, runId: `p${r}`, timeoutMs: 120000 });
  const apiEnd = t0 + b.apiSeconds * 1000;
  const arr = receiver.arrivalsSince ? receiver.arrivalsSince("one", t0) : [];
  const sum = (q, f) => {
    const ls = lines.filter((l) => l.queue === q && f(l));
    return `${ls.length} batches, ${ls.reduce((a, l) => a + l.n, 0)} msgs, mean size ${(ls.reduce((a, l) => a + l.n, 0) / (ls.length || 1)).toFixed(1)}, mean ${(ls.reduce((a, l) => a + l.ms, 0) / (ls.length || 1)).toFixed(0)} ms, busy ${ls.reduce((a, l) => a + l.ms, 0)} ms`;
  };
  console.log(`burst ${r}: ${b.delivered}/${b.events} in ${b.seconds.toFixed(2)} s, api ${b.apiSeconds.toFixed(2)} s, ratio ${(b.perSecond / c.perSecond).toFixed(3)}, dup ${b.duplicates} inv ${b.invalid}`);
  if (arr.length) console.log(`  arrivals: first ${((arr[0] - t0) / 1000).toFixed(2)} s, during API ${arr.filter((a) => a <= apiEnd).length}, last ${((arr.at(-1) - t0) / 1000).toFixed(2)} s, drain after API ${((arr.at(-1) - apiEnd) / 1000).toFixed(2)} s`);
  for (const q of ["ih-events", "ih-deliveries"]) {
    console.log(`  ${q} during API: ${sum(q, (l) => l.t <= apiEnd)}`);
    console.log(`  ${q} after API:  ${sum(q, (l) => l.t > apiEnd)}`);
  }
}
await receiver.close();
await server.dispose();
