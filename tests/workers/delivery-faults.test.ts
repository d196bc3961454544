import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createConversation } from "~/lib/conversations/conversations.server";
import { createDb } from "~/lib/db/client";
import { webhookEventTypes } from "~/lib/db/schema";
import type { DeliveriesMessage } from "~/lib/env";
import { dispatchEvent } from "~/lib/events/consumer.server";
import { keyringFromEnv } from "~/lib/security/encryption";
import { consumeDeliveries } from "~/lib/webhooks/consumer.server";
import { createEndpoint } from "~/lib/webhooks/endpoints.server";
import { GLOBEX } from "../helpers/seed";
import { capturingQueue, fakeBatch } from "./hardening/inventory";

/**
 * Receivers that misbehave in every way architecture.md §4 names, behind an injected fetch, with the
 * retry schedule compressed to "1,1,1,1,1,1,1" and a 100 ms timeout. The queue is simulated
 * message by message (ack / retry as the consumer decided). Afterwards every event reached every
 * endpoint that eventually answers 2xx exactly once after dedupe by webhook-id, every other
 * delivery ended `failed` after the schedule (or at once on 410), and every attempt is logged.
 */
const SCHEDULE = [1, 1, 1, 1, 1, 1, 1];
const TIMEOUT_MS = 100;
type Behaviour = (n: number, signal: AbortSignal | null | undefined) => Promise<Response>;

const ok = async () => new Response("ok", { status: 200 });
const refused = async () => {
  throw new TypeError("Network connection lost.");
};
const behaviours: Record<string, { act: Behaviour; ends: "succeeded" | "failed"; attempts?: number }> = {
  down: { act: refused, ends: "failed", attempts: SCHEDULE.length + 1 },
  resets: { act: (n) => (n <= 2 ? refused() : ok()), ends: "succeeded" },
  slow: {
    act: (n, signal) =>
      n === 1
        ? new Promise<Response>((resolve, reject) => {
            const t = setTimeout(() => resolve(new Response("late")), TIMEOUT_MS * 5);
            signal?.addEventListener("abort", () => (clearTimeout(t), reject(signal.reason)));
          })
        : ok(),
    ends: "succeeded",
  },
  throttles: {
    act: async (n) => (n === 1 ? new Response("slow down", { status: 429, headers: { "Retry-After": "100" } }) : ok()),
    ends: "succeeded",
  },
  burst: { act: async (n) => (n <= 4 ? new Response("oops", { status: [500, 502, 503, 504][n - 1] }) : ok()), ends: "succeeded" },
  // After the first 410 the endpoint is disabled: its other deliveries end failed, some unsent.
  gone: { act: async () => new Response("gone", { status: 410 }), ends: "failed", attempts: -1 },
  metadata: {
    act: async () => new Response(null, { status: 302, headers: { Location: "http://169.254.169.254/latest/meta-data/" } }),
    ends: "failed",
    attempts: SCHEDULE.length + 1,
  },
};

const received = new Map<string, string[]>(); // endpoint host → webhook-ids answered 2xx
const calls: string[] = [];
const perDelivery: string[] = [];
// "retry": the message itself retried (an infrastructure failure, queue backoff); "next": the next
// attempt's message, sent with the schedule's delay after a receiver's answer.
const retryDelays: { host: string; delay: number; kind: "retry" | "next" }[] = [];
const endpoints: Record<string, string> = {};
const eventIds: string[] = [];
let exceptionThrown = false;

async function receiver(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const req = new Request(input, init);
  const host = new URL(req.url).hostname;
  const id = req.headers.get("webhook-id")!;
  calls.push(req.url);
  perDelivery.push(`${req.url} ${id}`);
  const name = host.split(".")[0]!;
  // The n-th request for this event at this endpoint.
  const n = perDelivery.filter((k) => k === `${req.url} ${id}`).length;
  const res = await behaviours[name]!.act(n, init?.signal);
  if (res.status >= 200 && res.status < 300) received.set(name, [...(received.get(name) ?? []), id]);
  return res;
}

beforeAll(async () => {
  const db = createDb(env.DB);
  const ring = await keyringFromEnv(env);
  const now = new Date();
  const actor = { type: "system" as const, id: null, label: "faults" };
  for (const name of Object.keys(behaviours)) {
    const r = await createEndpoint(
      { db, ring, policy: { production: true, allowLoopback: false }, companyId: GLOBEX.id, actor, now },
      { url: `https://${name}.receiver.example/hook`, description: name, events: [...webhookEventTypes] },
    );
    if (!r.ok) throw new Error(`endpoint ${name} refused`);
    endpoints[name] = r.value.endpoint.id;
  }
  const deliveriesQueue = capturingQueue();
  for (let i = 0; i < 3; i++) {
    const c = await createConversation(
      { db, companyId: GLOBEX.id, performedBy: { type: "system", id: null, name: null }, now },
      { channel: "api", contact: { email: `c${i}@example.com` }, message: { body: `hi ${i}`, author: "contact" } },
    );
    for (const e of c.events) {
      eventIds.push(e.id);
      await dispatchEvent({ db, deliveriesQueue: deliveriesQueue as never, now, subscribers: [] }, e.id);
    }
  }
  // The simulated queue: each round delivers every waiting message; a retried one, or the next
  // attempt's message the consumer sends with a delay, waits for the next round.
  let waiting = [...deliveriesQueue.sent] as { deliveryId: string }[];
  const scheduled: { body: { deliveryId: string }; delay: number }[] = [];
  const retryQueue = {
    async send(body: { deliveryId: string }, opts?: { delaySeconds?: number }) {
      scheduled.push({ body, delay: opts?.delaySeconds ?? 0 });
    },
  } as unknown as Queue<DeliveriesMessage>;
  let nowCalls = 0;
  const byDelivery = new Map<string, string>();
  const rows = await env.DB.prepare("SELECT d.id, e.url FROM deliveries d JOIN webhook_endpoints e ON e.id = d.target_id").all<{
    id: string;
    url: string;
  }>();
  for (const r of rows.results) byDelivery.set(r.id, new URL(r.url).hostname.split(".")[0]!);
  for (let round = 0; round < 30 && waiting.length; round++) {
    const batch = fakeBatch("ih-deliveries", waiting, round + 1);
    await consumeDeliveries(batch as never, env, {} as ExecutionContext, {
      fetch: receiver as typeof fetch,
      resolve: async () => ["93.184.216.34"],
      schedule: SCHEDULE,
      timeoutMs: TIMEOUT_MS,
      random: () => 0.5,
      queue: retryQueue,
      // One dependency fails once, mid-run: the consumer must retry that message, not lose it.
      now: () => {
        if (++nowCalls === 40 && !exceptionThrown) {
          exceptionThrown = true;
          throw new Error("injected clock failure");
        }
        return new Date();
      },
    });
    waiting = [];
    for (const m of batch.messages) {
      if (m.outcome.retryDelay !== null) {
        retryDelays.push({ host: byDelivery.get(m.body.deliveryId)!, delay: m.outcome.retryDelay, kind: "retry" });
        waiting.push(m.body);
      } else expect(m.outcome.acked).toBe(true);
    }
    for (const s of scheduled.splice(0)) {
      retryDelays.push({ host: byDelivery.get(s.body.deliveryId)!, delay: s.delay, kind: "next" });
      waiting.push(s.body);
    }
  }
}, 60_000);

const delivery = (name: string) =>
  env.DB.prepare(
    "SELECT id, status, attempts, (SELECT COUNT(*) FROM delivery_attempts a WHERE a.delivery_id = d.id) AS logged FROM deliveries d WHERE target_id = ?",
  )
    .bind(endpoints[name])
    .all<{ id: string; status: string; attempts: number; logged: number }>();

describe("webhook delivery under faults", () => {
  it("the injected failure really happened mid-run and nothing is left pending", async () => {
    expect(exceptionThrown).toBe(true);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending'").first("n")).toBe(0);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM deliveries").first("n")).toBe(eventIds.length * Object.keys(behaviours).length);
  });

  it.each(Object.entries(behaviours))("a receiver that %s: each delivery ends as expected with every attempt logged", async (name, b) => {
    const rows = (await delivery(name)).results;
    expect(rows).toHaveLength(eventIds.length);
    for (const r of rows) {
      expect(r.status).toBe(b.ends);
      expect(r.logged).toBe(r.attempts);
      if (b.attempts === -1) expect(r.attempts).toBeLessThanOrEqual(1);
      else if (b.attempts) expect(r.attempts).toBe(b.attempts);
    }
    if (b.attempts === -1) expect(rows.some((r) => r.attempts === 1)).toBe(true);
    if (b.ends === "succeeded") {
      expect(new Set(received.get(name))).toEqual(new Set(eventIds));
    } else {
      expect(received.get(name) ?? []).toEqual([]);
    }
  });

  it("429 with Retry-After waits longer than the schedule, clamped to twice it", () => {
    // the receiver's 429 sets the next attempt's delay; the injected clock failure's queue backoff
    // may land on any receiver's message (which one depends on the order the batch runs in)
    const throttled = retryDelays.filter((r) => r.host === "throttles" && r.kind === "next");
    expect(throttled.length).toBeGreaterThan(0);
    for (const r of throttled) expect(r.delay).toBe(2 * SCHEDULE[0]!);
  });

  it("a redirect to the metadata address is never followed", () => {
    expect(calls.some((u) => u.includes("169.254.169.254"))).toBe(false);
  });

  it("410 disables the endpoint after one attempt per delivery", async () => {
    expect(await env.DB.prepare("SELECT status FROM webhook_endpoints WHERE id = ?").bind(endpoints.gone).first("status")).toBe("disabled");
  });

  it("slower than the timeout is logged as a timeout", async () => {
    const row = await env.DB.prepare(
      "SELECT error FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.target_id = ? AND a.n = 1 LIMIT 1",
    )
      .bind(endpoints.slow)
      .first<{ error: string }>();
    expect(row!.error).toMatch(/Timed out after 100 ms/);
  });
});

describe("deliveries whose queue message was lost", () => {
  it("the cron sweeper sends an overdue pending delivery again, and leaves one that is not yet due", async () => {
    const { createScheduledController, createExecutionContext } = await import("cloudflare:test");
    const { runScheduled } = await import("~/lib/cron.server");
    const { captureQueues } = await import("./hardening/inventory");
    const queues = captureQueues();
    const event = await env.DB.prepare("SELECT id FROM events LIMIT 1").first<{ id: string }>();
    const now = Date.now();
    await env.DB.prepare(
      "INSERT INTO deliveries (id, company_id, event_id, target_kind, target_id, status, attempts, next_attempt_at, created_at, updated_at) VALUES ('dlv_lost', ?, ?, 'webhook', 'we_lost', 'pending', 1, ?, ?, ?), ('dlv_waiting', ?, ?, 'webhook', 'we_waiting', 'pending', 1, ?, ?, ?)",
    )
      .bind(GLOBEX.id, event!.id, now - 10 * 60_000, now - 11 * 60_000, now - 11 * 60_000, GLOBEX.id, event!.id, now + 60_000, now, now)
      .run();
    await runScheduled(createScheduledController({ scheduledTime: now }), env, createExecutionContext());
    expect(queues.deliveries.sent).toEqual([{ deliveryId: "dlv_lost", run: 0, attempt: 2 }]);
    // Sent once per grace period, not on every tick.
    await runScheduled(createScheduledController({ scheduledTime: now + 60_000 }), env, createExecutionContext());
    expect(queues.deliveries.sent).toHaveLength(1);
  });
});
