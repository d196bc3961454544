/**
 * A D1 binding that coalesces: every statement executed (`first`, `all`, `raw`, `run`, or a whole
 * `batch`) in the same turn of the event loop goes to D1 as ONE db.batch, one round trip (ADR 0045).
 * A page's nested loaders run in parallel; each awaits the same session read, then issues its
 * queries in the same turn, so the whole page costs one round trip without any loader knowing of
 * the others. Statements run in the order they were issued, in one transaction: if one fails,
 * every statement of that turn fails with it, so this binding is for reads (GET loaders and GET
 * /v1 routes), never for writes whose failure is expected and handled.
 *
 * A batch answers rows as objects keyed by column name (drizzle's own db.batch does the same), so
 * two selected columns of the same name would collide: `raw()` refuses such a result loudly
 * instead of returning shifted values. Alias one of them (see sessionUserQuery).
 */
type Entry = { stmts: D1PreparedStatement[]; resolve(results: D1Result[]): void; reject(error: unknown): void };

const TRACKED = Symbol("batched statement");
type Tracked = { raw: D1PreparedStatement; sql: string };

export class DuplicateColumnError extends Error {
  constructor(sql: string) {
    super(`a batched select returned fewer named columns than it selects (alias the duplicates): ${sql.slice(0, 120)}`);
  }
}

export function batchingD1(d1: D1Database, { windowMs = 0 }: { windowMs?: number } = {}): D1Database {
  let queue: Entry[] = [];

  async function flush() {
    const entries = queue;
    queue = [];
    try {
      const results = await d1.batch(entries.flatMap((e) => e.stmts));
      let i = 0;
      for (const e of entries) {
        e.resolve(results.slice(i, i + e.stmts.length));
        i += e.stmts.length;
      }
    } catch (error) {
      for (const e of entries) e.reject(error);
    }
  }

  function enqueue(stmts: D1PreparedStatement[]): Promise<D1Result[]> {
    return new Promise((resolve, reject) => {
      queue.push({ stmts, resolve, reject });
      // after this turn's microtasks (every loader waiting on the same session read has asked by
      // then), or after `windowMs`, so work finishing close together (a queue batch's sends) shares it
      if (queue.length === 1) setTimeout(flush, windowMs);
    });
  }

  const one = async (stmt: D1PreparedStatement) => (await enqueue([stmt]))[0]!;

  const wrap = (raw: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const tracked: Tracked = { raw, sql };
    return new Proxy(raw, {
      get(target, prop) {
        if (prop === TRACKED) return tracked;
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        switch (prop) {
          case "bind":
            return (...args: unknown[]) => wrap(value.apply(target, args), sql);
          case "all":
          case "run":
            return () => one(target);
          case "first":
            return async (column?: string) => {
              const row = ((await one(target)).results[0] as Record<string, unknown> | undefined) ?? null;
              return column === undefined ? row : row ? (row[column] ?? null) : null;
            };
          case "raw":
            return async (options?: { columnNames?: boolean }) => {
              // column names of an empty result are not in a batch's answer: ask D1 directly
              if (options?.columnNames) return value.call(target, options);
              const rows = (await one(target)).results as Record<string, unknown>[];
              const expected = selectedColumnCount(sql);
              if (rows[0] && expected !== null && Object.keys(rows[0]).length < expected) throw new DuplicateColumnError(sql);
              return rows.map((row) => Object.values(row));
            };
          default:
            return value.bind(target);
        }
      },
    });
  };

  return new Proxy(d1, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop === "prepare") return (sql: string) => wrap(value.call(target, sql), sql);
      if (prop === "batch") {
        return (stmts: D1PreparedStatement[]) =>
          enqueue(stmts.map((s) => (s as unknown as Record<symbol, Tracked | undefined>)[TRACKED]?.raw ?? s));
      }
      return value.bind(target);
    },
  });
}

/**
 * How many columns a SELECT names at its top level (null when the statement is not a plain
 * SELECT): commas outside parentheses and quotes, up to the top-level FROM.
 */
export function selectedColumnCount(sql: string): number | null {
  const m = /^\s*select\s+(distinct\s+)?/i.exec(sql);
  if (!m) return null;
  let depth = 0;
  let count = 1;
  let quote: string | null = null;
  for (let i = m[0].length; i < sql.length; i++) {
    const c = sql[i]!;
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"' || c === "`") quote = c;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (depth === 0 && c === ",") count++;
    else if (depth === 0 && /\s/.test(c) && /^\s+from\b/i.test(sql.slice(i))) return count;
  }
  return count;
}
