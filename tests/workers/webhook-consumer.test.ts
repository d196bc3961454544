import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, deliveryAttempts, webhookEndpoints } from "~/lib/db/schema";
import type { DeliveriesMessage, Env } from "~/lib/env";
import { USER_AGENT } from "~/lib/webhooks/attempt.server";
import { type ConsumerDeps, consumeDeliveries } from "~/lib/webhooks/consumer.server";
import { rotateSecret } from "~/lib/webhooks/endpoints.server";
import {
  consumerOverrides,
  db,
  deliveryRow,
  endpointDeps,
  makeDelivery,
  makeEndpoint,
  scriptedFetch,
  signatureMatches,
} from "./webhook-fixtures";

/**
 * Runs one batch through the consumer. A failed attempt's retry is a new message for the next
 * attempt, sent with the schedule's delay (`scheduled`, by the id of the message that caused
 * it); `retryMessages` are the queue's own redeliveries (the consumer threw).
 */
async function run(deliveryIds: string[], overrides: Partial<ConsumerDeps>, runEnv: Env = env) {
  const batch = createMessageBatch<DeliveriesMessage>(
    "ih-deliveries",
    deliveryIds.map((id, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body: { deliveryId: id } })),
  );
  const sent: { body: DeliveriesMessage; delaySeconds?: number }[] = [];
  const queue = {
    async send(body: DeliveriesMessage, o?: QueueSendOptions) {
      sent.push({ body, delaySeconds: o?.delaySeconds });
    },
  } as unknown as Queue<DeliveriesMessage>;
  const ctx = createExecutionContext();
  await consumeDeliveries(batch, runEnv, ctx, { ...overrides, queue });
  const result: { explicitAcks: string[]; retryMessages: { msgId: string; delaySeconds?: number }[] } = await getQueueResult(batch, ctx);
  const msgOf = (id: string) => batch.messages.find((m) => m.body.deliveryId === id)!.id;
  return { ...result, scheduled: sent.map((x) => ({ msgId: msgOf(x.body.deliveryId), delaySeconds: x.delaySeconds, body: x.body })) };
}

async function attemptsOf(deliveryId: string) {
  return db().select().from(deliveryAttempts).where(eq(deliveryAttempts.deliveryId, deliveryId)).orderBy(deliveryAttempts.n).all();
}

describe("the deliveries consumer", () => {
  it("a 2xx acks the message, marks the delivery succeeded and sends a correctly signed Standard Webhooks request", async () => {
    const { endpoint, secret } = await makeEndpoint();
    const { deliveryId, eventId } = await makeDelivery(endpoint.id);
    const http = scriptedFetch([new Response("thanks", { status: 200 })]);
    const result = await run([deliveryId], consumerOverrides(http.fetch));
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(result.retryMessages).toEqual([]);
    expect(http.sent).toHaveLength(1);
    const req = http.sent[0]!;
    expect(req.url).toBe("https://hooks.example.com/in");
    expect(req.init.method).toBe("POST");
    expect(req.init.redirect).toBe("manual");
    expect(req.init.signal).toBeInstanceOf(AbortSignal);
    expect(req.headers.get("content-type")).toBe("application/json");
    expect(req.headers.get("user-agent")).toBe(USER_AGENT);
    expect(req.headers.get("webhook-id")).toBe(eventId);
    expect(Math.abs(Number(req.headers.get("webhook-timestamp")) - Date.now() / 1000)).toBeLessThan(5);
    expect(await signatureMatches(secret, req.headers, req.body)).toBe(true);
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({
      id: eventId,
      type: "conversation.created",
      company_id: "co_acme",
      data: { conversation: { id: "conv_1" } },
      performed_by: { type: "contact" },
    });
    expect(Object.keys(body)).toEqual(["id", "type", "created_at", "company_id", "data", "performed_by"]);
    const row = await deliveryRow(deliveryId);
    expect(row).toMatchObject({ status: "succeeded", attempts: 1, lastStatusCode: 200 });
    const [attempt] = await attemptsOf(deliveryId);
    expect(attempt).toMatchObject({ n: 1, statusCode: 200, responseExcerpt: "thanks", error: null });
    expect(attempt!.requestHeaders!["webhook-id"]).toBe(eventId);
  });

  it("a 500 retries the message after the schedule's delay within ±10 %, and records the attempt", async () => {
    const { endpoint } = await makeEndpoint();
    const first = await makeDelivery(endpoint.id);
    const second = await makeDelivery(endpoint.id, { attempts: 1 });
    const http = scriptedFetch([new Response("boom", { status: 500 })]);
    const result = await run([first.deliveryId, second.deliveryId], consumerOverrides(http.fetch, { random: Math.random }));
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);
    expect(result.retryMessages).toEqual([]);
    expect(result.scheduled.map((m) => m.body).sort((a, b) => a.attempt! - b.attempt!)).toEqual([
      { deliveryId: first.deliveryId, run: 0, attempt: 2 },
      { deliveryId: second.deliveryId, run: 0, attempt: 3 },
    ]);
    const delays = Object.fromEntries(result.scheduled.map((m) => [m.msgId, m.delaySeconds!]));
    expect(delays.m0).toBeGreaterThanOrEqual(4);
    expect(delays.m0).toBeLessThanOrEqual(6);
    expect(delays.m1).toBeGreaterThanOrEqual(270);
    expect(delays.m1).toBeLessThanOrEqual(330);
    const row = await deliveryRow(second.deliveryId);
    expect(row).toMatchObject({ status: "pending", attempts: 2, lastStatusCode: 500 });
    expect(row!.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() + 260_000);
    const [attempt] = await attemptsOf(first.deliveryId);
    expect(attempt).toMatchObject({ statusCode: 500, responseExcerpt: "boom", error: "HTTP 500" });
    const ep = await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint.id)).get();
    expect(ep!.failingSince).not.toBeNull();
  });

  it("the jitter is exactly ±10 % at the extremes of the random source", async () => {
    const { endpoint } = await makeEndpoint();
    const a = await makeDelivery(endpoint.id, { attempts: 1 });
    const b = await makeDelivery(endpoint.id, { attempts: 1 });
    const low = await run([a.deliveryId], consumerOverrides(scriptedFetch([new Response("", { status: 503 })]).fetch, { random: () => 0 }));
    const high = await run(
      [b.deliveryId],
      consumerOverrides(scriptedFetch([new Response("", { status: 503 })]).fetch, { random: () => 0.999999 }),
    );
    expect(low.scheduled[0]!.delaySeconds).toBe(270);
    expect(high.scheduled[0]!.delaySeconds).toBe(330);
  });

  it("Retry-After is honoured but clamped to 1×–2× the scheduled delay, in seconds or as an HTTP-date", async () => {
    const { endpoint } = await makeEndpoint();
    const cases: [string, number][] = [
      ["450", 450], // within 1×–2× of 300
      ["5000", 600], // clamped to 2×
      ["1", 300], // clamped to 1×
      [new Date(Date.now() + 500_000).toUTCString(), 500],
    ];
    for (const [header, expected] of cases) {
      const { deliveryId } = await makeDelivery(endpoint.id, { attempts: 1 });
      const http = scriptedFetch([new Response("slow down", { status: 429, headers: { "Retry-After": header } })]);
      const result = await run([deliveryId], consumerOverrides(http.fetch, { random: () => 0.5 }));
      expect(Math.abs(result.scheduled[0]!.delaySeconds! - expected)).toBeLessThanOrEqual(2);
    }
  });

  it("a 410 disables the endpoint with the reason, writes an audit row and acks", async () => {
    const { endpoint } = await makeEndpoint();
    const { deliveryId } = await makeDelivery(endpoint.id);
    const result = await run([deliveryId], consumerOverrides(scriptedFetch([new Response("gone", { status: 410 })]).fetch));
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(result.retryMessages).toEqual([]);
    const ep = await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint.id)).get();
    expect(ep).toMatchObject({ status: "disabled", disabledReason: "The endpoint answered 410 Gone." });
    expect((await deliveryRow(deliveryId))!.status).toBe("failed");
    const audit = await db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.target, endpoint.id), eq(auditLog.action, "webhook_endpoint.disabled")))
      .all();
    expect(audit).toHaveLength(1);
  });

  it("a 410 from a Zapier subscription deletes the subscription, as Zapier REST hooks expect", async () => {
    const { endpoint } = await makeEndpoint({ source: "rest_hook", url: "https://hooks.example.com/hooks/catch/123/abcdef/" });
    const { deliveryId } = await makeDelivery(endpoint.id);
    const result = await run([deliveryId], consumerOverrides(scriptedFetch([new Response("", { status: 410 })]).fetch));
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint.id)).get()).toBeUndefined();
    // The owner of a `rest_hook` endpoint is the registry's answer; the audit never keeps the bearer URL.
    const [audit] = await db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.target, endpoint.id), eq(auditLog.action, "webhook_endpoint.deleted")))
      .all();
    expect(audit!.details).toEqual({ reason: "410 Gone from a Zapier subscription", url: "https://hooks.example.com/…def/" });
    const tombstone = await env.DB.prepare("SELECT source FROM inbound_receipts WHERE external_id = ?").bind(endpoint.id).first();
    expect(tombstone).toEqual({ source: "rest_hook_deleted" });
  });

  it("a 302 is a failure and its Location is never requested", async () => {
    const { endpoint } = await makeEndpoint();
    const { deliveryId } = await makeDelivery(endpoint.id);
    const http = scriptedFetch([new Response(null, { status: 302, headers: { Location: "https://elsewhere.example.com/steal" } })]);
    const result = await run([deliveryId], consumerOverrides(http.fetch));
    expect(http.sent.map((s) => s.url)).toEqual(["https://hooks.example.com/in"]);
    expect(result.scheduled).toHaveLength(1);
    const [attempt] = await attemptsOf(deliveryId);
    expect(attempt).toMatchObject({ statusCode: 302 });
    expect(attempt!.error).toContain("Redirects are not followed");
  });

  it("a receiver that does not answer in time is recorded as a timeout and retried", async () => {
    const { endpoint } = await makeEndpoint();
    const { deliveryId } = await makeDelivery(endpoint.id);
    const hang = (req: { init: RequestInit }) =>
      new Promise<Response>((_, reject) => req.init.signal!.addEventListener("abort", () => reject(req.init.signal!.reason)));
    const result = await run([deliveryId], consumerOverrides(scriptedFetch([hang]).fetch, { timeoutMs: 50 }));
    expect(result.scheduled).toHaveLength(1);
    const [attempt] = await attemptsOf(deliveryId);
    expect(attempt!.statusCode).toBeNull();
    expect(attempt!.error).toBe("Timed out after 50 ms.");
    expect(attempt!.durationMs).toBeGreaterThanOrEqual(40);
  });

  it("the 8th failed attempt marks the delivery failed and acks it", async () => {
    const { endpoint } = await makeEndpoint();
    const { deliveryId } = await makeDelivery(endpoint.id, { attempts: 7 });
    const result = await run([deliveryId], consumerOverrides(scriptedFetch([new Response("", { status: 500 })]).fetch));
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(result.scheduled).toEqual([]);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "failed", attempts: 8 });
  });

  it("a compressed WEBHOOK_RETRY_SCHEDULE fails after 3 attempts when it has 2 delays", async () => {
    const { endpoint } = await makeEndpoint();
    const { deliveryId } = await makeDelivery(endpoint.id);
    const http = scriptedFetch([new Response("", { status: 500 })]);
    const o = consumerOverrides(http.fetch, { schedule: [1, 2] });
    expect((await run([deliveryId], o)).scheduled[0]!.delaySeconds).toBe(1);
    expect((await run([deliveryId], o)).scheduled[0]!.delaySeconds).toBe(2);
    expect((await run([deliveryId], o)).explicitAcks).toEqual(["m0"]);
    expect(http.sent).toHaveLength(3);
    expect(new Set(http.sent.map((s) => s.headers.get("webhook-id"))).size).toBe(1);
    expect((await attemptsOf(deliveryId)).map((a) => a.n)).toEqual([1, 2, 3]);
  });

  it("a duplicate message after success sends nothing and is acked", async () => {
    const { endpoint } = await makeEndpoint();
    const { deliveryId } = await makeDelivery(endpoint.id);
    await run([deliveryId], consumerOverrides(scriptedFetch([new Response("ok")]).fetch));
    const again = scriptedFetch([new Response("ok")]);
    const result = await run([deliveryId, deliveryId], consumerOverrides(again.fetch));
    expect(again.sent).toHaveLength(0);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);
    expect(await attemptsOf(deliveryId)).toHaveLength(1);
  });

  it("one failing message in a batch leaves the others acked", async () => {
    const { endpoint: good } = await makeEndpoint({ url: "https://good.example.com/h" });
    const { endpoint: bad } = await makeEndpoint({ url: "https://bad.example.com/h" });
    const ids = [
      (await makeDelivery(good.id)).deliveryId,
      (await makeDelivery(bad.id)).deliveryId,
      (await makeDelivery(good.id)).deliveryId,
    ];
    const http = scriptedFetch([(req) => new Response("", { status: req.url.includes("bad") ? 500 : 204 })]);
    const result = await run(ids, consumerOverrides(http.fetch));
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2"]);
    expect(result.scheduled.map((m) => m.msgId)).toEqual(["m1"]);
  });

  it("keeps at most 6 requests in flight", async () => {
    const { endpoint } = await makeEndpoint();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await makeDelivery(endpoint.id)).deliveryId);
    const http = scriptedFetch([() => new Promise<Response>((r) => setTimeout(() => r(new Response("ok")), 20))]);
    const result = await run(ids, consumerOverrides(http.fetch));
    expect(http.sent).toHaveLength(10);
    expect(http.stats.maxInFlight).toBe(6);
    expect(result.explicitAcks).toHaveLength(10);
  });

  it("re-checks the URL guard before sending: a URL that became private is refused without a request", async () => {
    const { endpoint } = await makeEndpoint();
    await db().update(webhookEndpoints).set({ url: "https://10.0.0.7/hook" }).where(eq(webhookEndpoints.id, endpoint.id));
    const { deliveryId } = await makeDelivery(endpoint.id);
    const http = scriptedFetch([new Response("ok")]);
    const result = await run([deliveryId], consumerOverrides(http.fetch));
    expect(http.sent).toHaveLength(0);
    expect(result.scheduled).toHaveLength(1);
    const [attempt] = await attemptsOf(deliveryId);
    expect(attempt!.error).toContain("Refused by the URL guard");
  });

  it("in production a name resolving to a private address is refused, and a failed lookup is a failed attempt", async () => {
    const prodEnv = { ...env, ENVIRONMENT: "production" };
    const { endpoint } = await makeEndpoint({ url: "https://rebind.example.net/h" });
    for (const resolve of [
      async () => ["10.1.2.3"],
      async () => {
        throw new Error("SERVFAIL");
      },
    ]) {
      const { deliveryId } = await makeDelivery(endpoint.id);
      const http = scriptedFetch([new Response("ok")]);
      const result = await run([deliveryId], consumerOverrides(http.fetch, { resolve, env: prodEnv }), prodEnv);
      expect(http.sent).toHaveLength(0);
      expect(result.scheduled).toHaveLength(1);
      const [attempt] = await attemptsOf(deliveryId);
      expect(attempt!.error).toMatch(/non-public address|DNS lookup failed/);
      // The next host gets a fresh lookup (the cache is per host name).
      await db()
        .update(webhookEndpoints)
        .set({ url: `https://rebind${Math.random().toString(36).slice(2)}.example.net/h` })
        .where(eq(webhookEndpoints.id, endpoint.id));
    }
  });

  it("during a rotation's overlap both the new and the old secret sign the request", async () => {
    const { endpoint, secret: oldSecret } = await makeEndpoint();
    const rotated = await rotateSecret(await endpointDeps(), endpoint.id);
    if (!rotated.ok) throw new Error("rotate failed");
    const { deliveryId } = await makeDelivery(endpoint.id);
    const http = scriptedFetch([new Response("ok")]);
    await run([deliveryId], consumerOverrides(http.fetch));
    const req = http.sent[0]!;
    expect(req.headers.get("webhook-signature")!.split(" ")).toHaveLength(2);
    expect(await signatureMatches(rotated.value.secret, req.headers, req.body)).toBe(true);
    expect(await signatureMatches(oldSecret, req.headers, req.body)).toBe(true);
    // After the overlap only the new secret signs.
    await db()
      .update(webhookEndpoints)
      .set({ previousSecretExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(webhookEndpoints.id, endpoint.id));
    const next = await makeDelivery(endpoint.id);
    await run([next.deliveryId], consumerOverrides(http.fetch));
    const later = http.sent[1]!;
    expect(later.headers.get("webhook-signature")!.split(" ")).toHaveLength(1);
    expect(await signatureMatches(oldSecret, later.headers, later.body)).toBe(false);
  });

  it("a delivery to a deleted or disabled endpoint is marked failed and acked without a request", async () => {
    const { endpoint } = await makeEndpoint();
    const { deliveryId } = await makeDelivery(endpoint.id);
    await db().update(webhookEndpoints).set({ status: "disabled", disabledReason: "manual" }).where(eq(webhookEndpoints.id, endpoint.id));
    const http = scriptedFetch([new Response("ok")]);
    const result = await run([deliveryId, "dlv_does_not_exist"], consumerOverrides(http.fetch));
    expect(http.sent).toHaveLength(0);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);
    expect((await deliveryRow(deliveryId))!.status).toBe("failed");
  });
});
