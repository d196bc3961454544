import type { Env } from "../env";

/**
 * `npm run bench -- --only=far` (BENCH_ROUTES only): a request sent with `X-Bench-Far-Ms: N` runs
 * with every D1, KV and Durable Object call made N ms later, as if the Worker ran far from its
 * data. A page whose time to first byte grows by one N waits on its storage once; by k·N, k times
 * in a row (scripts/bench/far.mjs reports which).
 */
export const FAR_HEADER = "X-Bench-Far-Ms";
const MAX_FAR_MS = 1000;

export function farDelayMs(request: Request): number {
  const ms = Number(request.headers.get(FAR_HEADER) ?? 0);
  return Number.isInteger(ms) && ms > 0 && ms <= MAX_FAR_MS ? ms : 0;
}

const RAW = Symbol("far raw statement");
const D1_CALLS = new Set(["first", "all", "run", "raw"]);
const KV_CALLS = new Set(["get", "getWithMetadata", "put", "delete", "list"]);

/** The environment with D1, KV and both Durable Object namespaces answering `ms` later. */
export function farBindings(env: Env, ms: number): Env {
  const later = async <T>(call: () => T): Promise<Awaited<T>> => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return await call();
  };
  const statement = (s: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(s, {
      get(target, prop) {
        if (prop === RAW) return target;
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        if (prop === "bind") return (...args: unknown[]) => statement(value.apply(target, args));
        if (D1_CALLS.has(String(prop))) return (...args: unknown[]) => later(() => value.apply(target, args));
        return value.bind(target);
      },
    });
  const d1 = <D extends object>(d: D): D =>
    new Proxy(d, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        if (prop === "prepare") return (sql: string) => statement(value.call(target, sql));
        if (prop === "withSession") return (...args: unknown[]) => d1(value.apply(target, args));
        if (prop === "batch") {
          return (stmts: D1PreparedStatement[]) =>
            later(() =>
              value.call(
                target,
                stmts.map((s) => (s as unknown as Record<symbol, D1PreparedStatement>)[RAW] ?? s),
              ),
            );
        }
        if (prop === "exec" || prop === "dump") return (...args: unknown[]) => later(() => value.apply(target, args));
        return value.bind(target);
      },
    });
  const kv = new Proxy(env.KV, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (KV_CALLS.has(String(prop))) return (...args: unknown[]) => later(() => value.apply(target, args));
      return value.bind(target);
    },
  });
  // a stub's every method is a call to the object (RPC or fetch); getting the stub is local
  const stub = <S extends object>(s: S): S =>
    new Proxy(s, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function" || prop === "then") return value;
        // called as a method of the stub itself (an RPC property does not survive Function#apply)
        return (...args: unknown[]) => later(() => (target as Record<PropertyKey, (...a: unknown[]) => unknown>)[prop]!(...args));
      },
    });
  const namespace = <N extends object>(n: N): N =>
    new Proxy(n, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        if (prop === "get" || prop === "getByName") return (...args: unknown[]) => stub(value.apply(target, args));
        return value.bind(target);
      },
    });
  return {
    ...env,
    DB: d1(env.DB),
    KV: kv,
    ...(env.RATE_LIMITER ? { RATE_LIMITER: namespace(env.RATE_LIMITER) } : {}),
    ...(env.LOGIN_THROTTLE ? { LOGIN_THROTTLE: namespace(env.LOGIN_THROTTLE) } : {}),
  };
}
