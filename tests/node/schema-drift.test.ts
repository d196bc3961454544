/**
 * `app/lib/db/schema.ts` and `migrations/` describe the same database. The migrations are applied
 * in order to an empty D1 (Miniflare, the same SQLite as `wrangler dev`), then drizzle-kit compares
 * what it finds with the schema module, as `drizzle-kit push` would: any statement it would run is
 * drift. When this fails, write the migration the statements describe (next free number, see
 * README "Database"), or fix schema.ts; the message lists the statements.
 */
import { fileURLToPath } from "node:url";
import { readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { pushSQLiteSchema } from "drizzle-kit/api";
import { drizzle } from "drizzle-orm/d1";
import { Miniflare } from "miniflare";
import { afterAll, expect, it } from "vitest";
import * as schema from "~/lib/db/schema";

const migrationsDir = fileURLToPath(new URL("../../migrations", import.meta.url));
let mf: Miniflare | undefined;

afterAll(async () => {
  await mf?.dispose();
});

// retry: Miniflare's synchronous proxy (SynchronousFetcher, used by every d1.prepare from Node) has
// once failed its own `message?.id === id` assertion mid-migration in CI. A real drift fails every try.
it("the migrations build exactly the tables, columns and indexes that schema.ts declares", { retry: 2, timeout: 60_000 }, async () => {
  await mf?.dispose();
  mf = new Miniflare({ modules: true, script: "export default {}", d1Databases: ["DB"] });
  const d1 = (await mf.getD1Database("DB")) as unknown as D1Database;
  const migrations = await readD1Migrations(migrationsDir);
  expect(migrations.length).toBeGreaterThan(0);
  for (const migration of migrations) {
    for (const query of migration.queries) await d1.prepare(query).run();
  }
  // drizzle-kit types the instance as libSQL; it only calls all() and run(), which D1's has.
  const result = await pushSQLiteSchema(schema, drizzle(withoutSharedChecks(d1)) as never);
  expect(result.statementsToExecute, "schema.ts and migrations/ disagree: these statements would reconcile them").toEqual([]);
});

/**
 * drizzle-kit 0.31 reads SQLite CHECK constraints into one object that it hands to every table
 * (drizzle-orm#4574), so the one CHECK (conversations, migration 0040) made it "recreate" every other
 * table. Its CHECK query is answered with only the tables whose SQL has a CHECK, so each table gets
 * its own constraints; tables, columns, indexes and the CHECK itself are still compared.
 */
function withoutSharedChecks(d1: D1Database): D1Database {
  const isCheckQuery = (query: string) => query.includes('sql as "sql"') && query.includes("FROM sqlite_master");
  const hasCheck = (row: { sql?: unknown }) => typeof row.sql === "string" && /\bCHECK\s*\(/i.test(row.sql);
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(stmt, {
      get(target, prop) {
        if (prop === "bind") return (...values: unknown[]) => wrap(target.bind(...values));
        if (prop === "all")
          return async () => {
            const result = await target.all<{ sql?: unknown }>();
            return { ...result, results: result.results.filter(hasCheck) };
          };
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return new Proxy(d1, {
    get(target, prop) {
      if (prop === "prepare") return (query: string) => (isCheckQuery(query) ? wrap(target.prepare(query)) : target.prepare(query));
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
