import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const app = fileURLToPath(new URL("./app", import.meta.url));

/**
 * Three projects: `workers` runs inside workerd with the real migrations; `node` holds tests that need
 * Node-only judges (OpenAPI validators, svix, mail generators); `e2e` drives Chromium against `npm start`.
 */
export default defineConfig(async () => {
  const migrations = await readD1Migrations(fileURLToPath(new URL("./migrations", import.meta.url)));
  return {
    resolve: { alias: { "~": app } },
    test: {
      projects: [
        {
          resolve: { alias: { "~": app } },
          plugins: [
            cloudflareTest({
              main: "./workers/app.ts",
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                // The Worker's outbound fetches never leave the machine in tests: loopback passes,
                // anything else gets a 502 from this stand-in for "the internet is unreachable".
                outboundService: async (request: Request) => {
                  const host = new URL(request.url).hostname;
                  if (host === "127.0.0.1" || host === "localhost" || host === "[::1]") return fetch(request);
                  return new Response(`outbound request to ${host} blocked in tests`, {
                    status: 502,
                    headers: { "X-Test-Network": "blocked" },
                  });
                },
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  ENVIRONMENT: "test",
                  SESSION_SECRETS: "test-session-secret-1,test-session-secret-0",
                  ENCRYPTION_KEYS: "t1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                  API_BASE_URL: "http://localhost/v1",
                  WEBHOOK_RETRY_SCHEDULE: "",
                },
              },
            }),
          ],
          test: {
            name: "workers",
            include: ["tests/workers/**/*.test.ts", "app/**/*.test.ts"],
            // Bounds against hangs, not speed checks (speed lives in `npm run bench`): a busy 2-core
            // machine can take several seconds for a test that makes twenty requests.
            testTimeout: 60_000,
            hookTimeout: 60_000,
            setupFiles: ["./tests/workers/setup.ts"],
            deps: { optimizer: { ssr: { enabled: true, include: ["@remix-run/cloudflare"] } } },
          },
        },
        {
          resolve: { alias: { "~": app } },
          test: {
            name: "node",
            environment: "node",
            include: ["tests/node/**/*.test.ts"],
          },
        },
        {
          resolve: { alias: { "~": app } },
          test: {
            name: "e2e",
            environment: "node",
            include: ["tests/e2e/**/*.test.ts"],
            globalSetup: ["./tests/e2e/global-setup.ts"],
            // Each e2e test is a whole multi-page flow with axe checks; on a busy 2-core machine one took 70 s.
            // The bound only stops a hung test: every wait inside waits on a state, not a time.
            testTimeout: 240_000,
            hookTimeout: 180_000,
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
