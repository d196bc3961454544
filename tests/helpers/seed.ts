// @ts-ignore: plain JS module shared with the Node seed script

import { sha256Hex } from "~/lib/security/crypto";
import { hashPassword } from "~/lib/security/password";
import { buildSeedSql, DEMO } from "../../scripts/seed-sql.mjs";

export const DEMO_PASSWORD = "demo-password";
/** The API key the test seed gives Acme (like SEED_API_KEY in development). */
export const TEST_API_KEY = "sk_live_testtesttesttesttesttesttesttesttestte1234";

let cachedHash: string | null = null;

/** Seeds exactly what `npm start` seeds, through the same SQL. Idempotent. */
export async function seedDemo(db: D1Database) {
  cachedHash ??= await hashPassword(DEMO_PASSWORD, 1000);
  const passwordHashes = Object.fromEntries((DEMO.users as { email: string }[]).map((u) => [u.email, cachedHash!]));
  const hash = await sha256Hex(TEST_API_KEY);
  const sql: string = buildSeedSql({
    passwordHashes,
    apiKey: { id: "key_seed_test", hash, last4: TEST_API_KEY.slice(-4) },
    now: Date.now(),
  });
  for (const statement of sql.split("\n").filter(Boolean)) await db.prepare(statement).run();
}

export const ACME = { id: "co_acme", adminEmail: "john@acme.com", agentEmail: "sarah@acme.com" } as const;
export const GLOBEX = { id: "co_globex", adminEmail: "admin@globex.com" } as const;
