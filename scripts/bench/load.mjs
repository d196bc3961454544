// Load generation on loopback: wrk (Debian package) when available, else a bounded Node generator.
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { percentile } from "./stats.mjs";

function onPath(name) {
  try {
    return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

/** Finds wrk; installs Debian's package when running as root with apt-get. */
export function findWrk(log = console.log) {
  let wrk = onPath("wrk");
  if (wrk) return { wrk, note: "wrk (Debian package)" };
  if (process.getuid?.() === 0 && existsSync("/usr/bin/apt-get")) {
    log("  installing wrk with apt-get …");
    try {
      execFileSync(
        "sh",
        [
          "-c",
          "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)",
        ],
        { stdio: "ignore" },
      );
    } catch {}
    wrk = onPath("wrk");
    if (wrk) return { wrk, note: "wrk (Debian package, installed by the bench)" };
  }
  return {
    wrk: null,
    note: "Node load generator (fetch with keep-alive; wrk not available: not root or no apt-get) — figures are lower than wrk's",
  };
}

const UNIT = { us: 1e-3, ms: 1, s: 1000 };
const toMs = (s) => {
  const m = s.match(/^([\d.]+)(us|ms|s)$/);
  return m ? Number(m[1]) * UNIT[m[2]] : NaN;
};

/** Parses `wrk --latency` output. */
export function parseWrk(out) {
  const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1]);
  const p50 = toMs(out.match(/^\s+50%\s+(\S+)/m)?.[1] ?? "");
  const p99 = toMs(out.match(/^\s+99%\s+(\S+)/m)?.[1] ?? "");
  const total = Number(out.match(/(\d+) requests in/)?.[1] ?? NaN);
  const non2xx = Number(out.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? 0);
  const socketErrors = out.match(/Socket errors:[^\n]*/)?.[0] ?? "";
  return { rps, p50, p99, total, errors: non2xx, socketErrors };
}

function runWrk(wrk, { url, headers, connections, seconds, threads }) {
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, "--latency", "--timeout", "10s"];
  for (const [k, v] of Object.entries(headers)) args.push("-H", `${k}: ${v}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(wrk, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(parseWrk(out)) : reject(new Error(`wrk exited ${code}: ${out}`))));
  });
}

async function runNode({ url, headers, connections, seconds }) {
  const lat = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        try {
          const res = await fetch(url, { headers, redirect: "manual" });
          await res.arrayBuffer();
          if (res.status >= 400) errors++;
        } catch {
          errors++;
        }
        lat.push(performance.now() - s);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  return { rps: lat.length / elapsed, p50: percentile(lat, 50), p99: percentile(lat, 99), total: lat.length, errors, socketErrors: "" };
}

/** One bounded load run against `url`: { rps, p50, p99 (ms), total, errors }. */
export function loadRun(tool, opts) {
  const o = { headers: {}, connections: 10, seconds: 10, threads: 1, ...opts };
  return tool.wrk ? runWrk(tool.wrk, o) : runNode(o);
}
