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

it("the migrations build exactly the tables, columns and indexes that schema.ts declares", async () => {
  mf = new Miniflare({ modules: true, script: "export default {}", d1Databases: ["DB"] });
  const d1 = (await mf.getD1Database("DB")) as unknown as D1Database;
  const migrations = await readD1Migrations(migrationsDir);
  expect(migrations.length).toBeGreaterThan(0);
  for (const migration of migrations) {
    for (const query of migration.queries) await d1.prepare(query).run();
  }
  // drizzle-kit types the instance as libSQL; it only calls all() and run(), which D1's has.
  const result = await pushSQLiteSchema(schema, drizzle(d1) as never);
  expect(result.statementsToExecute, "schema.ts and migrations/ disagree: these statements would reconcile them").toEqual([]);
}, 60_000);
