import { applyD1Migrations, env } from "cloudflare:test";
import { seedDemo } from "../helpers/seed";

// Each test file gets isolated storage; migrations and the demo seed run once per file.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await seedDemo(env.DB);
