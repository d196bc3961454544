import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, describe, expect, it } from "vitest";
import { type RunningApp, startApp } from "./app-server";

/**
 * The local server is stopped while deliveries wait for their retry, then started again on the
 * same persisted state (local Queues keep messages in memory, so the retries are gone). A real
 * receiver on 127.0.0.1 is the judge: once the cron has run, every event reaches it exactly once
 * after dedupe by webhook-id, signed correctly, and every delivery ends succeeded with its
 * attempts logged. Nothing is lost.
 */
const KEY = "sk_live_restartrestartrestartrestartrestart12";
const EVENTS = [
  "conversation.created",
  "conversation.updated",
  "conversation.closed",
  "message.received",
  "message.sent",
  "escalation.triggered",
];

type Seen = { id: string; status: number; verified: boolean };
const seen: Seen[] = [];
let secret = "";
let receiver: Server;
const apps: RunningApp[] = [];
const persistDir = mkdtempSync(join(tmpdir(), "ih-restart-"));

async function startReceiver(): Promise<number> {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const id = String(req.headers["webhook-id"]);
      let verified = false;
      try {
        new Webhook(secret).verify(body, req.headers as Record<string, string>);
        verified = true;
      } catch {}
      // The first request for each event fails, so every delivery is waiting for a retry.
      const status = seen.some((s) => s.id === id) ? 200 : 503;
      seen.push({ id, status, verified });
      res.writeHead(status).end(status === 200 ? "ok" : "try later");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  return (receiver.address() as AddressInfo).port;
}

async function v1(app: RunningApp, path: string, init: { method?: string; body?: unknown } = {}) {
  const res = await fetch(`${app.baseURL}/v1${path}`, {
    method: init.method ?? "GET",
    headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, json: (await res.json()) as any };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const start = async () => {
  const app = await startApp({ env: { PERSIST_DIR: persistDir, SEED_API_KEY: KEY } });
  apps.push(app);
  return app;
};

afterAll(async () => {
  for (const app of apps) await app.stop();
  receiver?.close();
  rmSync(persistDir, { recursive: true, force: true });
});

describe("webhook deliveries across a restart of the local server", () => {
  it("every event reaches the receiver exactly once after dedupe, even though the server stopped mid-run", {
    timeout: 600_000,
  }, async () => {
    const port = await startReceiver();
    const first = await start();
    const created = await v1(first, "/webhooks", {
      method: "POST",
      body: { url: `http://127.0.0.1:${port}/hook`, events: EVENTS, description: "restart judge" },
    });
    expect(created.status).toBe(201);
    secret = created.json.secret;
    const endpointId: string = created.json.id;
    for (let i = 0; i < 4; i++) {
      const c = await v1(first, "/conversations", {
        method: "POST",
        body: { contact: { email: `restart${i}@example.com` }, message: { body: `hello ${i}` } },
      });
      expect(c.status).toBe(201);
    }
    const eventIds: string[] = (await v1(first, "/events?limit=100")).json.data.map((e: { id: string }) => e.id);
    expect(eventIds).toHaveLength(8);

    await until("the first attempt of every event", () => eventIds.every((id) => seen.some((s) => s.id === id)), 60_000);
    const before = (await v1(first, `/webhooks/${endpointId}/deliveries?limit=100`)).json.data as { status: string }[];
    expect(before.filter((d) => d.status === "pending").length).toBeGreaterThan(0);
    await first.stop();

    const second = await start();
    // The scheduled retries (5 s) died with the first server: nothing arrives on its own.
    const okBefore = seen.filter((s) => s.status === 200).length;
    await new Promise((r) => setTimeout(r, 7_000));
    expect(seen.filter((s) => s.status === 200).length).toBe(okBefore);
    expect(okBefore).toBeLessThan(8);
    // Run the cron as of ten minutes later: past the sweeper's grace period for lost messages.
    const cron = await fetch(`${second.baseURL}/__dev/cron?at=${Date.now() + 10 * 60_000}`, { method: "POST" });
    expect(cron.status).toBe(200);
    await until("a 2xx for every event", () => eventIds.every((id) => seen.some((s) => s.id === id && s.status === 200)), 90_000);

    const delivered = seen.filter((s) => s.status === 200);
    expect(new Set(delivered.map((s) => s.id))).toEqual(new Set(eventIds));
    expect(seen.every((s) => s.verified)).toBe(true);
    await until(
      "every delivery final",
      async () => {
        const rows = (await v1(second, `/webhooks/${endpointId}/deliveries?limit=100`)).json.data as { status: string }[];
        return rows.length === 8 && rows.every((d) => d.status === "succeeded");
      },
      30_000,
    );
    const rows = (await v1(second, `/webhooks/${endpointId}/deliveries?limit=100`)).json.data as {
      attempts: number;
      attempt_log?: unknown[];
    }[];
    for (const d of rows) {
      expect(d.attempts).toBeGreaterThanOrEqual(2);
      if (d.attempt_log) expect(d.attempt_log).toHaveLength(d.attempts);
    }
  });
});
