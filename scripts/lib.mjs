// Small process helpers for the scripts (no dependencies).
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The repository root, with a trailing slash (a real path: works from a folder with spaces). */
export const root = fileURLToPath(new URL("..", import.meta.url));

/** Where local D1/KV/Queues state lives: PERSIST_DIR, or wrangler's own default. */
export const persistDir = process.env.PERSIST_DIR || `${root}.wrangler/state`;

/** True when the module at `importMetaUrl` is the script node was started with. */
export function isMain(importMetaUrl) {
  return Boolean(process.argv[1]) && importMetaUrl === pathToFileURL(process.argv[1]).href;
}

// Local runs never reach out: no Request.cf download, no telemetry.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
process.env.WRANGLER_SEND_METRICS ??= "false";
const bin = (name) => `${root}node_modules/.bin/${name}`;

export function run(cmd, args, { quiet = false, capture = false, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: capture || quiet ? ["ignore", "pipe", "pipe"] : "inherit",
    });
    let out = "";
    let err = "";
    child.stdout?.on("data", (d) => (out += d));
    child.stderr?.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(" ")} exited with ${code}\n${err || out}`));
    });
  });
}

export const wrangler = (args, opts) => run(bin("wrangler"), args, opts);
export const npmRun = (script, opts) => run("npm", ["run", "--silent", script], opts);

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForHttp(url, { timeoutMs = 60_000, intervalMs = 250 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { redirect: "manual" });
      if (res.status < 500) return;
      last = new Error(`status ${res.status}`);
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${url} did not come up in ${timeoutMs} ms: ${last?.message}`);
}

/**
 * workerd (the bench's Miniflare and `npm start` alike) closes a keep-alive connection after 5 s
 * without a request (KJ's pipeline timeout; measured: FIN at 5,008 and 5,023 ms) and announces it in
 * no Keep-Alive header. A client that hands out a socket just as workerd closes it gets ECONNRESET
 * before any answer (ADR 0172). Wrapping an `http.Agent`'s `keepSocketAlive` with this closes a socket
 * left idle for 4 s first: Node's Agent destroys a free socket whose timeout fires, and a socket in use
 * does not act on it (no request or agent timeout is set).
 */
const IDLE_SOCKET_MS = 4_000;
export function idleBoundKeepSocketAlive(keepSocketAlive) {
  return function (socket) {
    const keep = keepSocketAlive.call(this, socket);
    if (keep) socket.setTimeout(IDLE_SOCKET_MS);
    return keep;
  };
}
