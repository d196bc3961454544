// `env` from cloudflare:test is Cloudflare.Env (worker-configuration.d.ts and app/lib/env.ts) plus
// the migrations vitest.config.ts passes in for tests/workers/setup.ts to apply.
declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}

export {};
