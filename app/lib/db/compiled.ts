import { type Column, getTableColumns, is, Param, Placeholder, SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
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
/** The compile-only drizzle database, made on first use. */
const compileTimeDb = () => (compileDb ??= createDb(compileOnly));

/**
 * `compiledQuery<{ companyId: string }>()((db) => db.select()…where(eq(t.companyId, sql.placeholder("companyId"))))`
 * returns `(db, values) => rows`: the values' names are checked against the type given, the rows'
 * type comes from the query.
 */
export function compiledQuery<V extends Record<string, string | number | null>>() {
  return <Q extends Preparable>(build: (db: Db) => Q) => {
    let prepared: ReturnType<Q["prepare"]> | undefined;
    return (db: Db, values: V): ReturnType<ReturnType<Q["prepare"]>["execute"]> => {
      prepared ??= build(compileTimeDb()).prepare() as ReturnType<Q["prepare"]>;
      const client = db.$client as D1Database;
      // the prepared query with its statement replaced (drizzle's D1PreparedQuery reads `this.stmt`)
      const onRequest = Object.create(prepared) as ReturnType<Q["prepare"]> & { stmt: D1PreparedStatement };
      onRequest.stmt = client.prepare(prepared.getQuery().sql);
      return onRequest.execute(values) as ReturnType<ReturnType<Q["prepare"]>["execute"]>;
    };
  };
}

/**
 * An INSERT whose SQL is built once per isolate (per table and set of columns given), for a request's
 * `db.batch` or `batchStatements` (ADR 0171): `ctx.db.batch([insertConversation(ctx.db, row), …])`.
 *
 * Each call encodes the row's values by their columns exactly as drizzle's `insert().values()`
 * would (JSON columns stringified, timestamps in epoch milliseconds, booleans as 0/1, null as
 * null) and fills what the row leaves out as drizzle does: a column's static default and an SQL
 * default (the events' `seq`) are part of the compiled SQL; a `$defaultFn` that returns a value
 * (e.g. `new Date()`) runs on every call. drizzle builds all of this per call with a walk over the
 * query that checks each part's class; on POST /v1/conversations that was about a sixth of the request.
 *
 * Like a drizzle query, the statement also runs on its own when awaited (a batch of one).
 */
export function compiledInsert<T extends SQLiteTable>(table: T) {
  const shapes = new Map<string, CompiledInsert>();
  return (db: Db, row: T["$inferInsert"]): BatchItem<"sqlite"> & InsertStatement => {
    const values = row as Record<string, unknown>;
    const keys = Object.keys(values).filter((k) => values[k] !== undefined);
    const shapeKey = keys.join(",");
    let shape = shapes.get(shapeKey);
    if (!shape) {
      shape = compileInsert(table, keys);
      shapes.set(shapeKey, shape);
    }
    const { prepared, text, slots } = shape;
    const params = slots.map((slot) => slot(values));
    const query = { sql: text, params };
    const statement = {
      // drizzle's db.batch: `_prepare()` gives a prepared query whose `stmt` it binds with `getQuery().params`
      _prepare() {
        const onRequest = Object.create(prepared) as typeof prepared & { stmt: D1PreparedStatement };
        onRequest.stmt = (db.$client as D1Database).prepare(text);
        onRequest.getQuery = () => query;
        return onRequest;
      },
      // batchStatements (raw SQL beside drizzle queries)
      toSQL: () => query,
      // Awaited on its own it runs, as a drizzle query does: without this, `await statement` would
      // resolve to the statement and silently write nothing.
      // biome-ignore lint/suspicious/noThenProperty: intentionally thenable, like drizzle's QueryPromise
      then<R1 = unknown, R2 = never>(
        onFulfilled?: (value: unknown) => R1 | PromiseLike<R1>,
        onRejected?: (reason: unknown) => R2 | PromiseLike<R2>,
      ) {
        return db
          .batch([statement as unknown as BatchItem<"sqlite">])
          .then(([result]) => result)
          .then(onFulfilled, onRejected);
      },
    };
    return statement as unknown as BatchItem<"sqlite"> & InsertStatement;
  };
}

type InsertStatement = { toSQL(): { sql: string; params: unknown[] } };
type Slot = (row: Record<string, unknown>) => unknown;
type CompiledInsert = { prepared: { getQuery(): { sql: string; params: unknown[] } }; text: string; slots: Slot[] };

function compileInsert(table: SQLiteTable, keys: readonly string[]): CompiledInsert {
  const columns = getTableColumns(table) as Record<string, Column>;
  const unknown = keys.filter((k) => !(k in columns));
  if (unknown.length) throw new Error(`compiledInsert: no column ${unknown.join(", ")}`);
  const given = new Set(keys);
  const values: Record<string, unknown> = {};
  const perCall = new Map<string, () => unknown>();
  for (const [key, column] of Object.entries(columns)) {
    if (given.has(key)) {
      values[key] = sql.placeholder(key);
      continue;
    }
    // what drizzle's insert uses when the row leaves a column out, in its order: a default, else
    // $defaultFn, else $onUpdateFn, else NULL
    const hasDefault = column.default !== null && column.default !== undefined;
    const fn = hasDefault ? undefined : (column.defaultFn ?? (column.default ? undefined : column.onUpdateFn));
    if (!fn) continue; // a static default or NULL: drizzle writes it into the SQL
    const sample = fn();
    if (is(sample, SQL))
      values[key] = sample; // an SQL expression: the same text on every insert
    else {
      values[key] = sql.placeholder(key);
      perCall.set(key, fn);
    }
  }
  const prepared = compileTimeDb().insert(table).values(values).prepare() as unknown as CompiledInsert["prepared"];
  const { sql: text, params } = prepared.getQuery();
  const slots = params.map((p): Slot => {
    if (is(p, Param) && is(p.value, Placeholder)) {
      const name = p.value.name;
      const encoder = p.encoder as Column;
      const fn = perCall.get(name);
      return (row) => {
        const value = fn ? fn() : row[name];
        if (value === null) return null;
        const encoded = encoder.mapToDriverValue(value);
        if (is(encoded, SQL)) throw new Error(`compiledInsert: ${name} encodes to SQL, not a value`);
        return encoded;
      };
    }
    if (is(p, Placeholder) || is(p, Param)) throw new Error("compiledInsert: an unencoded parameter");
    return () => p; // a static default, already a driver value
  });
  return { prepared, text, slots };
}
