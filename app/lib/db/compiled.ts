import { createDb, type Db } from "./client";

/**
 * A read whose SQL is built once per isolate, then run with each request's values on that
 * request's D1 binding (ADR 0163).
 *
 * drizzle builds a query's SQL on every execution: a walk over the query's parts that checks each
 * one's class with `is()`. On the Connected tab that walk was about a fifth of the Worker's CPU per
 * request, for SQL that is the same on every request. drizzle's own answer is a prepared query
 * with `sql.placeholder(name)` for the values; but a prepared query keeps the D1 statement of the
 * binding it was prepared on, and every request has its own binding (its D1 session, ADR 0120, and
 * the coalescing batcher, ADR 0045). So the query is prepared once on a binding that never runs
 * anything, and each execution is a copy of it whose statement comes from the request's binding.
 *
 * Values are driver values: a placeholder is not encoded by its column (a timestamp is given in
 * epoch milliseconds, not as a Date). Rows come back mapped by drizzle as usual.
 */
type Prepared = { getQuery(): { sql: string }; execute(values?: Record<string, unknown>): Promise<unknown> };
type Preparable = { prepare(): Prepared };

/** A D1 binding that prepares statements and refuses to run them: queries are only compiled on it. */
const compileOnly = new Proxy({} as D1Database, {
  get(_target, prop) {
    if (prop === "prepare") return () => refuseToRun;
    return () => {
      throw new Error(`compiled queries never run on their compile-time binding (${String(prop)})`);
    };
  },
});
const refuseToRun: D1PreparedStatement = new Proxy({} as D1PreparedStatement, {
  get(_target, prop) {
    if (prop === "then") return undefined;
    return () => {
      throw new Error(`compiled queries never run on their compile-time binding (${String(prop)})`);
    };
  },
});

let compileDb: Db | undefined;

/**
 * `compiledQuery<{ companyId: string }>()((db) => db.select()…where(eq(t.companyId, sql.placeholder("companyId"))))`
 * returns `(db, values) => rows`: the values' names are checked against the type given, the rows'
 * type comes from the query.
 */
export function compiledQuery<V extends Record<string, string | number | null>>() {
  return <Q extends Preparable>(build: (db: Db) => Q) => {
    let prepared: ReturnType<Q["prepare"]> | undefined;
    return (db: Db, values: V): ReturnType<ReturnType<Q["prepare"]>["execute"]> => {
      compileDb ??= createDb(compileOnly);
      prepared ??= build(compileDb).prepare() as ReturnType<Q["prepare"]>;
      const client = db.$client as D1Database;
      // the prepared query with its statement replaced (drizzle's D1PreparedQuery reads `this.stmt`)
      const onRequest = Object.create(prepared) as ReturnType<Q["prepare"]> & { stmt: D1PreparedStatement };
      onRequest.stmt = client.prepare(prepared.getQuery().sql);
      return onRequest.execute(values) as ReturnType<ReturnType<Q["prepare"]>["execute"]>;
    };
  };
}
