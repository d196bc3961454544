// A tiny webhook receiver on 127.0.0.1 for the benchmark: verifies every delivery with the official
// `standardwebhooks` package and records arrivals per endpoint, deduplicated by `webhook-id`.
import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";
import { sleep } from "./stats.mjs";

export async function startReceiver() {
  /** name → { wh, byId: Map<webhookId, { count, at, body }>, invalid } */
  const endpoints = new Map();
  let ceilingHits = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const at = performance.now();
      const path = new URL(req.url, "http://x").pathname;
      if (path === "/ceiling") {
        ceilingHits++;
        res.writeHead(204).end();
        return;
      }
      const ep = endpoints.get(path.replace(/^\/hook\//, ""));
      if (!ep) {
        res.writeHead(404).end();
        return;
      }
      const body = Buffer.concat(chunks).toString("utf8");
      try {
        ep.wh.verify(body, req.headers);
      } catch {
        ep.invalid++;
        res.writeHead(401).end();
        return;
      }
      const id = String(req.headers["webhook-id"]);
      const seen = ep.byId.get(id);
      if (seen) seen.count++;
      else ep.byId.set(id, { count: 1, at, body });
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    urlFor: (name) => `${base}/hook/${name}`,
    ceilingUrl: `${base}/ceiling`,
    ceilingHits: () => ceilingHits,
    /** Starts verifying deliveries for `name` with its whsec_ secret. */
    addEndpoint(name, secret) {
      endpoints.set(name, { wh: new Webhook(secret), byId: new Map(), invalid: 0 });
    },
    stats(name) {
      const ep = endpoints.get(name);
      let total = 0;
      for (const v of ep.byId.values()) total += v.count;
      return { unique: ep.byId.size, total, duplicates: total - ep.byId.size, invalid: ep.invalid };
    },
    /** First arrival (performance.now()) of a verified delivery whose body contains `marker`. */
    arrivalOf(name, marker) {
      for (const v of endpoints.get(name).byId.values()) if (v.body.includes(marker)) return v.at;
      return null;
    },
    /** Arrival times (performance.now()) of the verified deliveries to `name` first seen at or after `since`, in order. */
    arrivalsSince(name, since) {
      const out = [];
      for (const v of endpoints.get(name).byId.values()) if (v.at >= since) out.push(v.at);
      return out.sort((a, b) => a - b);
    },
    async waitFor(predicate, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        if (predicate()) return true;
        await sleep(10);
      }
      return predicate();
    },
    close: () => new Promise((r) => server.close(r)),
  };
}
