import { getTableColumns, is, SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";

/**
 * Conditional writes for one-round-trip requests (docs/decisions/0140-one-round-trip-writes.md):
 * a write that used to read first ("does it exist? is it over the cap?") now carries the condition
 * itself, so the whole request is one db.batch (one D1 transaction) and the HTTP answer is decided
 * from what its statements returned. For batchStatements (db/client).
 */

type Values<T extends SQLiteTable> = { [K in keyof T["$inferInsert"]]?: T["$inferInsert"][K] | SQL };

/**
 * `INSERT INTO table (…) SELECT … [FROM from] WHERE where`: the row is written only when `where`
 * holds. Values are mapped as drizzle maps them (dates to ms, booleans to 0/1, json to text); a
 * value may be SQL (read from `from`, e.g. the conversation the row belongs to). A column left out
 * takes its $defaultFn, as a drizzle insert would. `orIgnore`: a row already there is kept (INSERT OR IGNORE).
 */
export function insertWhere<T extends SQLiteTable>(
  table: T,
  values: Values<T>,
  where: SQL,
  from?: SQL,
  { orIgnore = false }: { orIgnore?: boolean } = {},
): SQL {
  const names: SQL[] = [];
  const exprs: SQL[] = [];
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    let v: unknown = (values as Record<string, unknown>)[key];
    if (v === undefined) {
      if (!column.defaultFn) continue;
      v = column.defaultFn();
    }
    names.push(sql`${sql.identifier(column.name)}`);
    exprs.push(is(v, SQL) ? v : v === null ? sql`NULL` : sql`${column.mapToDriverValue(v)}`);
  }
  return sql`INSERT${orIgnore ? sql` OR IGNORE` : sql``} INTO ${table} (${sql.join(names, sql`, `)}) SELECT ${sql.join(exprs, sql`, `)}${from ? sql` FROM ${from}` : sql``} WHERE ${where}`;
}

/** A row of a raw batch result (column names as in SQL, ms timestamps) as drizzle would have returned it. */
export function rowFromDriver<T extends SQLiteTable>(table: T, raw: Record<string, unknown> | undefined): T["$inferSelect"] | undefined {
  if (!raw) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const v = raw[column.name];
    out[key] = v === null || v === undefined ? null : column.mapFromDriverValue(v);
  }
  return out as T["$inferSelect"];
}

/** A column holding ms since the epoch as the ISO string `Date.toISOString()` gives (exact: no float). */
export function isoSql(column: unknown): SQL {
  return sql`CASE WHEN ${column} IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', ${column} / 1000, 'unixepoch') || '.' || printf('%03d', ${column} % 1000) || 'Z' END`;
}

/** A 0/1 column or expression as a JSON boolean inside json_object. */
export function jsonBoolSql(value: unknown): SQL {
  return sql`json(CASE WHEN ${value} THEN 'true' ELSE 'false' END)`;
}
