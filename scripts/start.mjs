#!/usr/bin/env node
// `npm start`: build, migrate + seed the local D1, start the provider sandbox and the webhook
// receiver on loopback, then serve the Worker through `wrangler dev` on 127.0.0.1:$PORT.
// `npm run dev` (--watch) rebuilds CSS and Remix on change; wrangler reloads the Worker.
// Env: PORT (8787), PERSIST_DIR (.wrangler/state), SKIP_BUILD=1, plus DEMO_PASSWORD / SEED_API_KEY for the seed
// and DEMO_DATA=0 to skip the demo connections and conversations (scripts/demo.mjs).
import { spawn } from "node:child_process";
import { webcrypto as crypto } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { savedReceiverSecret, seedDemo } from "./demo.mjs";
import { npmRun, persistDir, root, waitForHttp, wrangler } from "./lib.mjs";
import { seed } from "./seed.mjs";

const watch = process.argv.includes("--watch");
const port = Number(process.env.PORT || 8787);
const children = [];

function devVars() {
  const file = `${root}.dev.vars`;
  if (!existsSync(file)) {
    const rnd = (n) => Buffer.from(crypto.getRandomValues(new Uint8Array(n))).toString("base64");
    writeFileSync(
      file,
      [
        "# Local secrets, made by `npm start` (never commit). Add real provider client ids/secrets here to talk to real providers.",
        `SESSION_SECRETS=${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")}`,
        `ENCRYPTION_KEYS=k1:${rnd(32)}`,
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
  }
  const vars = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = line.match(/^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/);
    if (m) vars[m[1]] = m[2].replace(/^"(.*)"$/, "$1");
  }
  return vars;
}

function startChild(cmd, args, env = {}) {
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: "inherit", detached: true });
  children.push(child);
  return child;
}

function stopAll() {
  for (const c of children) {
    try {
      process.kill(-c.pid, "SIGTERM");
    } catch {}
  }
}

async function optionalService(name, opts) {
  const file = `${root}scripts/${name}.mjs`;
  if (!existsSync(file)) return null;
  const mod = await import(file);
  return mod.start(opts);
}

async function main() {
  const fileVars = devVars();
  if (!process.env.SKIP_BUILD) await npmRun("build");
  await wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir], { quiet: true });
  const { apiKey } = await seed({ persistDir });

  const origin = `http://127.0.0.1:${port}`;
  // Development settings; anything set in .dev.vars wins (e.g. real provider credentials).
  const vars = {
    ENVIRONMENT: "development",
    WEBHOOK_ALLOW_PRIVATE: "true",
    API_BASE_URL: `${origin}/v1`,
    // the header search and sidebar links of the main app lead to a local page saying what they are
    APP_BASE_URL: `${origin}/dev/main-app`,
  };
  // Tunables a test or a demo may shorten (e.g. the CRM transcript's grace window).
  for (const name of ["TRANSCRIPT_GRACE_SECONDS"]) if (process.env[name]) vars[name] = process.env[name];
  const sandbox = await optionalService("sandbox", { appOrigin: origin });
  if (sandbox) {
    Object.assign(vars, sandbox.env);
    console.log(`Provider sandbox: ${sandbox.url}`);
    if (sandbox.teamsWebhookUrl) console.log(`Sandbox Teams webhook URL (paste it when connecting Teams): ${sandbox.teamsWebhookUrl}`);
  }
  const receiver = await optionalService("receiver", { secret: savedReceiverSecret(persistDir) ?? undefined });
  if (receiver) console.log(`Webhook receiver: ${receiver.url}`);
  for (const k of Object.keys(fileVars)) delete vars[k];
  const varArgs = Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);

  if (watch) {
    startChild(`${root}node_modules/.bin/tailwindcss`, ["-i", "app/styles/tailwind.css", "-o", "app/styles/app.css", "--watch"]);
    startChild(`${root}node_modules/.bin/remix`, ["watch"]);
  }
  const dev = startChild(`${root}node_modules/.bin/wrangler`, [
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--persist-to",
    persistDir,
    "--show-interactive-dev-session=false",
    ...varArgs,
  ]);
  dev.on("exit", (code) => {
    stopAll();
    sandbox?.close?.();
    receiver?.close?.();
    process.exit(code ?? 0);
  });
  await waitForHttp(`${origin}/login`, { timeoutMs: 120_000 });
  if (process.env.DEMO_DATA !== "0") {
    await seedDemo({ baseURL: origin, sandboxURL: sandbox?.url, receiver, apiKey, persistDir }).catch((e) =>
      console.error(`Demo data could not be added: ${e.message}`),
    );
  }
  // one write, so whoever waits for "is up" also has the cron line
  console.log(
    `\nIntegrations Hub is up: ${origin}/login  (john@acme.com / ${process.env.DEMO_PASSWORD ? "$DEMO_PASSWORD" : "demo-password"})\n` +
      // wrangler's banner above suggests /cdn-cgi/handler/scheduled, which fails once [assets] is configured
      `Cron jobs (every minute in production) run here on demand: curl -X POST ${origin}/__dev/cron  (not wrangler's /cdn-cgi/handler/scheduled)\n`,
  );
}

for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    stopAll();
    process.exit(0);
  });
}
main().catch((e) => {
  console.error(e.message);
  stopAll();
  process.exit(1);
});
