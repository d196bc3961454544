import type { Env } from "../env";
import { farBindings, farDelayMs } from "./far";

/**
 * Benchmark-only hooks (`npm run bench`). Active only when the BENCH_ROUTES binding is exactly
 * "true", which only the benchmark's Miniflare config sets; everywhere else they are inert.
 */
export function benchEnabled(env: Pick<Env, "BENCH_ROUTES">): boolean {
  return env.BENCH_ROUTES === "true";
}

const RAW = Symbol("raw statement");

export const D1_ROUND_TRIPS_HEADER = "X-Bench-D1-Round-Trips";
export const D1_WAIT_HEADER = "X-Bench-D1-Wait-Ms";
export const TOTAL_HEADER = "X-Bench-Worker-Ms";

/**
 * Wraps a D1 binding so every call that goes to the database (one round trip each) is counted:
 * `batch`, `exec`, `dump`, and `first`/`all`/`run`/`raw` on a prepared (optionally bound) statement.
 * `prepare` and `bind` stay local, so they are not counted.
 */
export function countingD1(d1: D1Database): { db: D1Database; roundTrips: () => number; waitedMs: () => number } {
  let n = 0;
  let waited = 0;
  // workerd's clock advances across I/O, so this is the time spent waiting on D1
  const timed = <T>(p: Promise<T>): Promise<T> => {
    const t0 = Date.now();
    return p.finally(() => (waited += Date.now() - t0));
  };
  const wrapStatement = (stmt: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(stmt, {
      get(target, prop) {
        if (prop === RAW) return target;
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        if (prop === "bind") return (...args: unknown[]) => wrapStatement(value.apply(target, args));
        if (prop === "first" || prop === "all" || prop === "run" || prop === "raw") {
          return (...args: unknown[]) => {
            n++;
            return timed(value.apply(target, args));
          };
        }
        return value.bind(target);
      },
    });
  // a session (withSession, ADR 0120) is counted like the binding it came from
  const wrapDb = <D extends object>(d: D): D =>
    new Proxy(d, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        if (prop === "withSession") return (...args: unknown[]) => wrapDb(value.apply(target, args));
        if (prop === "prepare") return (sql: string) => wrapStatement(value.call(target, sql));
        if (prop === "batch") {
          // the statements handed back are our wrappers; D1 needs its own objects
          return (stmts: D1PreparedStatement[]) => {
            n++;
            return timed(value.call(target, stmts.map(unwrap)));
          };
        }
        if (prop === "exec" || prop === "dump") {
          return (...args: unknown[]) => {
            n++;
            return timed(value.apply(target, args));
          };
        }
        return value.bind(target);
      },
    });
  return { db: wrapDb(d1), roundTrips: () => n, waitedMs: () => waited };
}

function unwrap(stmt: D1PreparedStatement): D1PreparedStatement {
  return ((stmt as unknown as Record<symbol, D1PreparedStatement>)[RAW] ?? stmt) as D1PreparedStatement;
}

type Fetch = NonNullable<ExportedHandler<Env>["fetch"]>;

/**
 * The Worker with the benchmark hooks: under BENCH_ROUTES only, `/__bench/ping` answers before
 * anything else (the bare Worker route), and every other response carries the number of D1 round
 * trips it took. Otherwise the Worker's own fetch runs untouched.
 */
export function withBench<W extends { fetch: Fetch }>(worker: W): W {
  return {
    ...worker,
    async fetch(request, env, ctx) {
      if (!benchEnabled(env)) return worker.fetch(request, env, ctx);
      if (new URL(request.url).pathname === "/__bench/ping") {
        return new Response("pong\n", { headers: { "Content-Type": "text/plain" } });
      }
      if (new URL(request.url).pathname === "/__bench/fetch-loop" && request.method === "POST") {
        return fetchLoop(request);
      }
      // X-Bench-Far-Ms: every D1, KV and Durable Object call that much later (far.ts)
      const far = farDelayMs(request);
      const bindings = far ? farBindings(env, far) : env;
      const counter = countingD1(bindings.DB);
      const t0 = Date.now();
      const response = await worker.fetch(request, { ...bindings, DB: counter.db }, ctx);
      const counted = new Response(response.body, response);
      counted.headers.set(D1_ROUND_TRIPS_HEADER, String(counter.roundTrips()));
      counted.headers.set(D1_WAIT_HEADER, String(counter.waitedMs()));
      // wall time until the response head, as far as workerd's I/O-driven clock can tell
      counted.headers.set(TOTAL_HEADER, String(Date.now() - t0));
      return counted;
    },
  };
}

/**
 * The webhook ceiling: `n` POSTs of `body` from this runtime to a loopback receiver, at most
 * `concurrency` in flight (the deliveries consumer's own cap is 6). Loopback targets only.
 */
async function fetchLoop(request: Request): Promise<Response> {
  const input = (await request.json().catch(() => null)) as { url?: unknown; n?: unknown; concurrency?: unknown; body?: unknown } | null;
  const url = typeof input?.url === "string" ? new URL(input.url) : null;
  const n = Number(input?.n);
  const concurrency = Number(input?.concurrency);
  if (
    url?.hostname !== "127.0.0.1" ||
    !Number.isInteger(n) ||
    n < 1 ||
    n > 100_000 ||
    !Number.isInteger(concurrency) ||
    concurrency < 1 ||
    concurrency > 100
  ) {
    return new Response("bad fetch-loop request\n", { status: 400 });
  }
  const body = typeof input?.body === "string" ? input.body : "{}";
  let next = 0;
  let ok = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body, redirect: "manual" });
        await res.arrayBuffer();
        if (res.ok) ok++;
      }
    }),
  );
  return Response.json({ n, ok, ms: Date.now() - started });
}
