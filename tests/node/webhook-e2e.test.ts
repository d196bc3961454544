/**
 * End to end on loopback: the real consumer (real D1 through Miniflare, real signing, real HTTP)
 * delivering to the local receiver, which verifies every request with `standardwebhooks`.
 * The queue is simulated here (ack/retry per message, at-least-once with duplicates) with a
 * compressed WEBHOOK_RETRY_SCHEDULE.
 */
import { readdirSync, readFileSync } from "node:fs";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "~/lib/db/client";
import { deliveries, deliveryAttempts, events } from "~/lib/db/schema";
import type { DeliveriesMessage, Env } from "~/lib/env";
import { newId } from "~/lib/ids";
import { keyringFromEnv } from "~/lib/security/encryption";
import { consumeDeliveries } from "~/lib/webhooks/consumer.server";
import { createEndpoint } from "~/lib/webhooks/endpoints.server";
import { guardPolicy } from "~/lib/webhooks/url-guard";
// @ts-ignore: plain JS script
import { start } from "../../scripts/receiver.mjs";

type Received = { id: string; path: string; timestamp: string; verified: boolean; answered: number };
let mf: Miniflare;
let db: Db;
let env: Env;
let receiver: { url: string; close: () => Promise<void>; received: Received[]; secrets: Set<string> };

beforeAll(async () => {
  mf = new Miniflare({ modules: true, script: "export default { fetch() { return new Response('') } }", d1Databases: ["DB"] });
  const d1 = (await mf.getD1Database("DB")) as unknown as D1Database;
  for (const file of readdirSync("migrations")
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    for (const statement of readFileSync(`migrations/${file}`, "utf8").split("--> statement-breakpoint")) {
      if (statement.trim()) await d1.prepare(statement).run();
    }
  }
  const key = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64");
  env = {
    DB: d1,
    ENVIRONMENT: "development",
    WEBHOOK_ALLOW_PRIVATE: "true",
    ENCRYPTION_KEYS: `e2e:${key}`,
    WEBHOOK_RETRY_SCHEDULE: "1,1,1,1,1,1,1",
    DELIVERIES: deliveriesQueue,
  } as unknown as Env;
  db = createDb(d1);
  receiver = await start({ port: 0, quiet: true });
}, 60_000);

afterAll(async () => {
  await receiver?.close();
  await mf?.dispose();
});

async function endpointAt(path: string) {
  const res = await createEndpoint(
    {
      db,
      ring: await keyringFromEnv(env),
      policy: guardPolicy(env),
      companyId: "co_acme",
      actor: { type: "system", id: null, label: "e2e" },
      now: new Date(),
    },
    { url: `${receiver.url}${path}`, events: ["conversation.created"] },
  );
  if (!res.ok) throw new Error(JSON.stringify(res));
  receiver.secrets.add(res.value.secret);
  return res.value.endpoint;
}

async function newEvent() {
  const id = newId("evt");
  await db.insert(events).values({
    id,
    companyId: "co_acme",
    type: "conversation.created",
    payload: { n: id },
    performedBy: { type: "system", id: null, name: null },
    dispatchedAt: new Date(),
  });
  return id;
}

type Queued = { deliveryId: string; at: number; body?: DeliveriesMessage };
/** Where the consumer's next-attempt messages (env.DELIVERIES.send) land while a drain runs. */
let draining: Queued[] = [];
const deliveriesQueue = {
  async send(body: DeliveriesMessage, o?: { delaySeconds?: number }) {
    draining.push({ deliveryId: body.deliveryId, body, at: Date.now() + (o?.delaySeconds ?? 0) * 1000 });
  },
  async sendBatch(items: Iterable<{ body: DeliveriesMessage; delaySeconds?: number }>) {
    for (const i of items) await deliveriesQueue.send(i.body, i);
  },
};

/**
 * A tiny in-memory queue: per-message ack/retry with delays honoured, duplicates injected on
 * request, and the consumer's own next-attempt messages (sent to DELIVERIES) fed back in.
 */
async function drain(queue: Queued[], { duplicateEvery = 0 } = {}) {
  draining = queue;
  let sequence = 0;
  while (queue.length) {
    const due = queue.filter((m) => m.at <= Date.now()).slice(0, 50);
    if (due.length === 0) {
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    for (const m of due) queue.splice(queue.indexOf(m), 1);
    const messages = due.map((m) => {
      const message = {
        id: `m${sequence++}`,
        body: m.body ?? { deliveryId: m.deliveryId },
        timestamp: new Date(),
        attempts: 1,
        ack() {
          if (duplicateEvery && sequence % duplicateEvery === 0) queue.push({ ...m, at: 0 }); // at-least-once
        },
        retry(o?: { delaySeconds?: number }) {
          queue.push({ ...m, at: Date.now() + (o?.delaySeconds ?? 0) * 1000 });
        },
      };
      return message;
    });
    const batch = { queue: "ih-deliveries", messages, ackAll() {}, retryAll() {} } as unknown as MessageBatch<DeliveriesMessage>;
    await consumeDeliveries(batch, env, {} as ExecutionContext);
  }
}

describe("delivery end to end on loopback", () => {
  it("a receiver failing 4 times then answering 200 gets 5 attempts with one webhook-id, rising timestamps and one verified success", async () => {
    const endpoint = await endpointAt("/flaky?fail=4");
    const eventId = await newEvent();
    const deliveryId = newId("dlv");
    await db.insert(deliveries).values({ id: deliveryId, companyId: "co_acme", eventId, targetKind: "webhook", targetId: endpoint.id });
    await drain([{ deliveryId, at: 0 }]);
    const got = receiver.received.filter((r) => r.path === "/flaky");
    expect(got.map((r) => r.answered)).toEqual([500, 500, 500, 500, 200]);
    expect(new Set(got.map((r) => r.id))).toEqual(new Set([eventId]));
    const stamps = got.map((r) => Number(r.timestamp));
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThan(stamps[i - 1]!);
    expect(got.every((r) => r.verified)).toBe(true);
    const attempts = await db.select().from(deliveryAttempts).all();
    expect(attempts.filter((a) => a.deliveryId === deliveryId).map((a) => a.statusCode)).toEqual([500, 500, 500, 500, 200]);
    const row = (await db.select().from(deliveries).all()).find((d) => d.id === deliveryId);
    expect(row).toMatchObject({ status: "succeeded", attempts: 5 });
  }, 60_000);

  it("200 events to 3 endpoints: every (event, endpoint) pair is delivered exactly once after dedupe, and attempt rows equal requests", async () => {
    const before = receiver.received.length;
    const attemptsBefore = (await db.select().from(deliveryAttempts).all()).length;
    const endpoints = [await endpointAt("/a"), await endpointAt("/b"), await endpointAt("/c?fail=1")];
    const queue: { deliveryId: string; at: number }[] = [];
    for (let i = 0; i < 200; i++) {
      const eventId = await newEvent();
      const rows = endpoints.map((e) => ({
        id: newId("dlv"),
        companyId: "co_acme",
        eventId,
        targetKind: "webhook" as const,
        targetId: e.id,
      }));
      await db.insert(deliveries).values(rows);
      for (const r of rows) queue.push({ deliveryId: r.id, at: 0 });
    }
    await drain(queue, { duplicateEvery: 7 });
    const got = receiver.received.slice(before);
    const succeeded = got.filter((r) => r.answered === 200);
    const pairs = new Set(succeeded.map((r) => `${r.path}|${r.id}`));
    expect(pairs.size).toBe(600);
    expect(succeeded).toHaveLength(600); // no pair twice, even with duplicate messages
    expect(got.every((r) => r.verified)).toBe(true);
    expect(got.filter((r) => r.path === "/c")).toHaveLength(400); // one failure then one success each
    // Every request the receiver read is one attempt row of its (endpoint, event) pair. A send can
    // also give up before the receiver has read the request (the 15 s send timeout, reached once on
    // a loaded machine): that attempt is a row with no status and its error, and the pair was sent again.
    const paths = new Map(endpoints.map((e, i) => [e.id, ["/a", "/b", "/c"][i]!]));
    const ofPair = new Map(
      (await db.select().from(deliveries).all())
        .filter((d) => paths.has(d.targetId))
        .map((d) => [d.id, `${paths.get(d.targetId)}|${d.eventId}`]),
    );
    const allAttempts = await db.select().from(deliveryAttempts).all();
    const attempts = allAttempts.filter((a) => ofPair.has(a.deliveryId));
    expect(attempts).toHaveLength(allAttempts.length - attemptsBefore);
    const count = (keys: string[]) => keys.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());
    const requests = count(got.map((r) => `${r.path}|${r.id}`));
    const answered = count(attempts.filter((a) => a.statusCode !== null).map((a) => ofPair.get(a.deliveryId)!));
    const all = count(attempts.map((a) => ofPair.get(a.deliveryId)!));
    for (const pair of new Set([...requests.keys(), ...all.keys()])) {
      expect(answered.get(pair) ?? 0, pair).toBeLessThanOrEqual(requests.get(pair) ?? 0);
      expect(requests.get(pair) ?? 0, pair).toBeLessThanOrEqual(all.get(pair) ?? 0);
    }
    for (const a of attempts.filter((a) => a.statusCode === null)) expect(a.error).toBeTruthy();
    expect(attempts.filter((a) => a.statusCode === 200)).toHaveLength(600);
  }, 600_000);
});
