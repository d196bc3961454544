import { is, SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import * as schema from "./schema";

export function createDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

export type Db = ReturnType<typeof createDb>;
export { schema };

type Statement = SQL | { toSQL(): { sql: string; params: unknown[] } };
const dialect = new SQLiteAsyncDialect();

/**
 * One D1 transaction of drizzle queries and raw SQL. drizzle's own db.batch cannot carry raw SQL
 * with parameters, which the conditional writes need (INSERT … SELECT … WHERE changes() = 1).
 * Results are D1's: column names as in SQL, timestamps as numbers.
 */
export async function batchStatements(db: Db, statements: readonly Statement[]): Promise<D1Result<Record<string, unknown>>[]> {
  const client = db.$client as D1Database;
  return client.batch(
    statements.map((s) => {
      const q = is(s, SQL) ? dialect.sqlToQuery(s) : s.toSQL();
      return client.prepare(q.sql).bind(...q.params);
    }),
  );
}
