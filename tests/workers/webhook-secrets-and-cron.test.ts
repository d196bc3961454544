import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { auditLog, connections, deliveries, webhookEndpoints } from "~/lib/db/schema";
import type { DeliveriesMessage } from "~/lib/env";
import { AUTO_DISABLE_REASON } from "~/lib/webhooks/auto-disable.server";
import { consumeDeliveries } from "~/lib/webhooks/consumer.server";
import { replayFailedSince, resendDelivery } from "~/lib/webhooks/deliveries.server";
import {
  deleteEndpoint,
  getEndpoint,
  listEndpoints,
  reenableEndpoint,
  rotateSecret,
  updateEndpoint,
} from "~/lib/webhooks/endpoints.server";
import type { IntegrationDeliverer } from "~/lib/webhooks/integration-deliverers.server";
import worker from "../../workers/app";
import { signIn } from "../helpers/browser-client";
import { ACME, GLOBEX } from "../helpers/seed";
import {
  consumerOverrides,
  db,
  deliveryRow,
  endpointDeps,
  makeDelivery,
  makeEndpoint,
  schedulingQueue,
  scriptedFetch,
} from "./webhook-fixtures";

async function allRowsText(): Promise<string> {
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
  ).all<{ name: string }>();
  let out = "";
  for (const { name } of tables.results) out += JSON.stringify((await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results);
  return out;
}

function recordingQueue() {
  const sent: unknown[] = [];
  return {
    sent,
    queue: {
      send: async (body: unknown) => void sent.push(body),
      sendBatch: async (items: { body: unknown }[]) => void sent.push(...items.map((i) => i.body)),
    } as unknown as Queue<DeliveriesMessage>,
  };
}

describe("secrets stay secret", () => {
  it("D1 holds no whsec_ anywhere after creating, rotating, testing and delivering, and logs never show one", async () => {
    const logs: string[] = [];
    for (const level of ["log", "info", "warn", "error"] as const)
      vi.spyOn(console, level).mockImplementation((...args) => void logs.push(args.map(String).join(" ")));
    const client = await signIn(ACME.adminEmail);
    const res = await client.post("/integrations/developers/webhooks/new", {
      url: "https://hooks.example.com/s",
      events: ["message.sent"],
    });
    const id = res.headers.get("Location")!.match(/(we_[a-z0-9]+)/)![1]!;
    const secret = (await (await client.get(res.headers.get("Location")!)).text()).match(/whsec_[A-Za-z0-9+/=]+/)![0];
    await rotateSecret(await endpointDeps(), id);
    const { deliveryId } = await makeDelivery(id);
    await consumeDeliveries(
      createMessageBatch<DeliveriesMessage>("ih-deliveries", [{ id: "m0", timestamp: new Date(), attempts: 1, body: { deliveryId } }]),
      env,
      createExecutionContext(),
      consumerOverrides(scriptedFetch([new Response("err", { status: 500 })]).fetch),
    );
    const dump = await allRowsText();
    expect(dump).toContain(id);
    expect(dump).not.toContain("whsec_");
    expect(dump).not.toContain(secret.slice(6));
    expect(logs.join("\n")).not.toContain("whsec_");
    vi.restoreAllMocks();
  });

  it("queue messages carry only the delivery id, its run and the attempt they are for", async () => {
    const { endpoint } = await makeEndpoint();
    const { deliveryId } = await makeDelivery(endpoint.id);
    await db().update(deliveries).set({ status: "failed" }).where(eq(deliveries.id, deliveryId));
    const { sent, queue } = recordingQueue();
    const deps = { ...(await endpointDeps()), queue };
    expect((await resendDelivery(deps, deliveryId)).ok).toBe(true);
    await db().update(deliveries).set({ status: "failed" }).where(eq(deliveries.id, deliveryId));
    expect(await replayFailedSince(deps, endpoint.id, new Date(Date.now() - 3600_000))).toEqual({ ok: true, value: { count: 1 } });
    expect(sent).toEqual([
      { deliveryId, run: 1, attempt: 1 },
      { deliveryId, run: 2, attempt: 1 },
    ]);
  });
});

describe("the endpoint lib is scoped by company", () => {
  it("another company's endpoint id is not found for every read and write", async () => {
    const { endpoint } = await makeEndpoint();
    const globex = await endpointDeps(GLOBEX.id);
    expect(await getEndpoint(globex, endpoint.id)).toBeNull();
    expect((await listEndpoints(globex)).map((e) => e.id)).not.toContain(endpoint.id);
    expect(await updateEndpoint(globex, endpoint.id, { description: "x" })).toEqual({ ok: false, status: 404 });
    expect(await rotateSecret(globex, endpoint.id)).toEqual({ ok: false, status: 404 });
    expect(await reenableEndpoint(globex, endpoint.id)).toEqual({ ok: false, status: 404 });
    expect(await deleteEndpoint(globex, endpoint.id)).toEqual({ ok: false, status: 404 });
    const { deliveryId } = await makeDelivery(endpoint.id);
    expect(await resendDelivery({ ...globex, queue: recordingQueue().queue }, deliveryId)).toEqual({ ok: false, status: 404 });
    expect(await getEndpoint(await endpointDeps(), endpoint.id)).not.toBeNull();
  });
});

describe("auto-disable", () => {
  it("the cron disables an endpoint failing for 5 days, audits it, and the page shows a notice; a younger failure is left alone", async () => {
    const { endpoint: old } = await makeEndpoint({ url: "https://old.example.com/h" });
    const { endpoint: young } = await makeEndpoint({ url: "https://young.example.com/h" });
    const now = Date.now();
    await db()
      .update(webhookEndpoints)
      .set({ failingSince: new Date(now - 5 * 86400_000 - 60_000), lastFailureAt: new Date(now - 3600_000) })
      .where(eq(webhookEndpoints.id, old.id));
    await db()
      .update(webhookEndpoints)
      .set({ failingSince: new Date(now - 4 * 86400_000), lastFailureAt: new Date(now - 3600_000) })
      .where(eq(webhookEndpoints.id, young.id));
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(now), cron: "* * * * *" }), env, ctx);
    expect(await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, old.id)).get()).toMatchObject({
      status: "disabled",
      disabledReason: AUTO_DISABLE_REASON,
    });
    expect((await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, young.id)).get())!.status).toBe("active");
    const audit = await db().select().from(auditLog).where(eq(auditLog.target, old.id)).all();
    expect(audit.map((a) => a.action)).toContain("webhook_endpoint.disabled");
    const html = (await (await (await signIn(ACME.adminEmail)).get("/integrations/developers")).text()).replaceAll("<!-- -->", "");
    expect(html).toContain("disabled automatically after failing for 5 days");
  });

  it("one success resets the failure clock", async () => {
    const { endpoint } = await makeEndpoint();
    await db()
      .update(webhookEndpoints)
      .set({ failingSince: new Date(Date.now() - 86400_000) })
      .where(eq(webhookEndpoints.id, endpoint.id));
    const { deliveryId } = await makeDelivery(endpoint.id);
    await consumeDeliveries(
      createMessageBatch<DeliveriesMessage>("ih-deliveries", [{ id: "m0", timestamp: new Date(), attempts: 1, body: { deliveryId } }]),
      env,
      createExecutionContext(),
      consumerOverrides(scriptedFetch([new Response("ok")]).fetch),
    );
    expect((await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint.id)).get())!.failingSince).toBeNull();
  });
});

describe("integration deliveries", () => {
  it("go to the deliverer given for their provider, through the same retry machinery", async () => {
    const outcomes = [
      { ok: false, statusCode: 502, error: "upstream" },
      { ok: true, statusCode: 200 },
    ];
    const seen: string[] = [];
    const testprov: IntegrationDeliverer = async ({ event }) => {
      seen.push(event.type);
      return outcomes.shift()!;
    };
    const deliverers = new Map([["testprov", testprov]]);
    await db().insert(connections).values({
      id: "conn_testprov",
      companyId: ACME.id,
      provider: "testprov",
      connectedBy: "usr_john",
      connectedByEmail: "john@acme.com",
      connectedAt: new Date(),
    });
    const { endpoint } = await makeEndpoint();
    const { eventId } = await makeDelivery(endpoint.id);
    await db()
      .insert(deliveries)
      .values({ id: "dlv_integration1", companyId: ACME.id, eventId, targetKind: "integration", targetId: "testprov" });
    const next = schedulingQueue();
    const run = async () => {
      const batch = createMessageBatch<DeliveriesMessage>("ih-deliveries", [
        { id: "m0", timestamp: new Date(), attempts: 1, body: { deliveryId: "dlv_integration1" } },
      ]);
      const ctx = createExecutionContext();
      await consumeDeliveries(
        batch,
        env,
        ctx,
        consumerOverrides(scriptedFetch([new Response("")]).fetch, { deliverers, queue: next.queue }),
      );
      return getQueueResult(batch, ctx);
    };
    expect((await run()).explicitAcks).toEqual(["m0"]);
    expect(next.sent.map((m) => m.body)).toEqual([{ deliveryId: "dlv_integration1", run: 0, attempt: 2 }]);
    expect((await run()).explicitAcks).toEqual(["m0"]);
    expect(await deliveryRow("dlv_integration1")).toMatchObject({ status: "succeeded", attempts: 2 });
    // The connection's health is the integrations pipeline's business (integrations-pipeline.test.ts), not the engine's.
    expect(seen).toEqual(["conversation.created", "conversation.created"]);
  });

  it("a delivery for a provider without a deliverer fails at once and is acked", async () => {
    const { endpoint } = await makeEndpoint();
    const { eventId } = await makeDelivery(endpoint.id);
    await db()
      .insert(deliveries)
      .values({ id: "dlv_integration2", companyId: ACME.id, eventId, targetKind: "integration", targetId: "nobody" });
    const batch = createMessageBatch<DeliveriesMessage>("ih-deliveries", [
      { id: "m0", timestamp: new Date(), attempts: 1, body: { deliveryId: "dlv_integration2" } },
    ]);
    const ctx = createExecutionContext();
    await consumeDeliveries(batch, env, ctx, consumerOverrides(scriptedFetch([new Response("")]).fetch));
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["m0"]);
    expect((await deliveryRow("dlv_integration2"))!.status).toBe("failed");
  });
});

it("the Worker's queue entry point routes the deliveries queue to this consumer", async () => {
  // A delivery that no longer exists is acked without any network traffic.
  const batch = createMessageBatch<DeliveriesMessage>("ih-deliveries", [
    { id: "m0", timestamp: new Date(), attempts: 1, body: { deliveryId: "dlv_missing" } },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<unknown>, env, ctx);
  expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["m0"]);
  expect(SELF).toBeDefined();
});
