import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-ignore: plain JS helpers shared with the scripts
import { freePort, root } from "../../scripts/lib.mjs";

export type RunningApp = {
  baseURL: string;
  receiverURL?: string;
  sandboxURL?: string;
  persistDir: string;
  stop: () => Promise<void>;
  output: () => string;
};

/**
 * Runs `scripts/start.mjs` (what `npm start` runs) on a free port with its own persisted state.
 * The build is done once by `npm test` before vitest starts (SKIP_BUILD=1 here).
 */
export async function startApp({ env = {} }: { env?: Record<string, string> } = {}): Promise<RunningApp> {
  const port = await freePort();
  const persistDir = mkdtempSync(join(tmpdir(), "ih-e2e-"));
  let log = "";
  const child: ChildProcess = spawn(process.execPath, ["scripts/start.mjs"], {
    cwd: root,
    // DEMO_DATA=0: each test starts from the bare seed (users, one API key) unless it asks for the demo.
    env: {
      ...process.env,
      PORT: String(port),
      PERSIST_DIR: persistDir,
      SKIP_BUILD: "1",
      RECEIVER_PORT: "0",
      SANDBOX_PORT: "0",
      DEMO_DATA: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  // a run that ends before stop() (a timed-out test) leaves no server behind
  const killOnExit = () => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {}
  };
  process.once("exit", killOnExit);
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const baseURL = `http://127.0.0.1:${port}`;
  // Waits on states, not on a timing: the start script prints "Integrations Hub is up" once /login answers (its own
  // bounded readiness check), or exits when a step fails. Under load the migrations, the seed and wrangler's start can
  // take minutes together; a hang is ended by the test's (or the hook's) own timeout.
  const up = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", () => log.includes("Integrations Hub is up") && resolve());
    child.once("exit", (code) => reject(new Error(`npm start exited with ${code} before it was up:\n${log.slice(-4000)}`)));
  });
  try {
    await up;
  } catch (e) {
    saveLog(port, log);
    throw e;
  }
  const receiverURL = log.match(/Webhook receiver: (http:\/\/127\.0\.0\.1:\d+\S*)/)?.[1];
  const sandboxURL = log.match(/Provider sandbox: (http:\/\/127\.0\.0\.1:\d+\S*)/)?.[1];
  return {
    baseURL,
    receiverURL,
    sandboxURL,
    persistDir,
    output: () => log,
    stop: async () => {
      process.off("exit", killOnExit);
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {}
      await new Promise((r) => setTimeout(r, 500));
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {}
      rmSync(persistDir, { recursive: true, force: true });
      saveLog(port, log);
    },
  };
}

/** What the app printed (wrangler, sandbox, receiver), for reading after a failed run. */
function saveLog(port: number, log: string) {
  const logs = join(root, "test-results", "app-logs");
  mkdirSync(logs, { recursive: true });
  writeFileSync(join(logs, `app-${port}.log`), log);
}
