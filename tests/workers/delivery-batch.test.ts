import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { DeliveriesMessage } from "~/lib/env";
import { consumeDeliveries } from "~/lib/webhooks/consumer.server";
import { countingD1 } from "./d1-counter";
import { type FakeMessage, fakeBatch } from "./hardening/inventory";
import { consumerOverrides, deliveryRow, makeDelivery, makeEndpoint, schedulingQueue } from "./webhook-fixtures";

// Issue 15 item 3 (ADR 0096, ADR 0125): a DELIVERIES batch is processed as a batch. The claims of
// all its messages and the claimed deliveries' events and endpoints share one D1 round trip, and
// attempts that finish together are recorded in one db.batch, however many messages and targets
// the batch carries. A request's slot (at most 6 in flight per target) is free once it is answered.

describe("a deliveries batch as a batch", () => {
  it("12 deliveries to 3 endpoints: every one sent, signed and recorded in two D1 round trips, at most 6 in flight per endpoint", async () => {
    const endpoints = [await makeEndpoint(), await makeEndpoint(), await makeEndpoint()].map((e) => e.endpoint.id);
    const messages: DeliveriesMessage[] = [];
    for (const id of endpoints)
      for (let i = 0; i < 4; i++) messages.push({ deliveryId: (await makeDelivery(id)).deliveryId, run: 0, attempt: 1 });
    // every send is held until all that may be in flight are, then answered in the same turn
    let inFlight = 0;
    let most = 0;
    const waiting: (() => void)[] = [];
    const fetchFn = (async (url: string) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((release) => {
        waiting.push(release);
        if (waiting.length === messages.length) for (const r of waiting.splice(0)) r();
      });
      inFlight--;
      return new Response("ok", { headers: { "x-url": String(url) } });
    }) as typeof fetch;
    const counter = countingD1(env.DB);
    const batch = fakeBatch("ih-deliveries", messages);
    await consumeDeliveries(
      batch as never,
      { ...env, DB: counter.db },
      {} as ExecutionContext,
      consumerOverrides(fetchFn, { queue: schedulingQueue().queue }),
    );
    expect((batch.messages as FakeMessage<DeliveriesMessage>[]).every((m) => m.outcome.acked)).toBe(true);
    expect(most).toBe(12); // 4 per endpoint, all three endpoints at once
    for (const m of messages) expect(await deliveryRow(m.deliveryId)).toMatchObject({ status: "succeeded", attempts: 1, leaseUntil: null });
    expect(counter.calls()).toBe(2); // claims with the rows they need, then every record
  });

  it("a request's slot is free once it is answered: the 7th to one endpoint starts while the first six are still being recorded", async () => {
    const { endpoint } = await makeEndpoint();
    const messages: DeliveriesMessage[] = [];
    for (let i = 0; i < 12; i++) messages.push({ deliveryId: (await makeDelivery(endpoint.id)).deliveryId, run: 0, attempt: 1 });
    // every D1 batch after the claims' is held until all 12 requests have started (or 3 s passed)
    let started = 0;
    let inFlight = 0;
    let most = 0;
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
      setTimeout(r, 3000);
    });
    let batches = 0;
    let recorded = 0;
    const held = new Proxy(env.DB, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (prop === "batch")
          return async (stmts: D1PreparedStatement[]) => {
            if (batches++ === 0) return target.batch(stmts);
            await gate;
            const results = await target.batch(stmts);
            recorded++;
            return results;
          };
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    let startedBeforeAnyRecord = 0;
    const fetchFn = (async () => {
      started++;
      if (recorded === 0) startedBeforeAnyRecord = started;
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      if (started === messages.length) open();
      return new Response("ok");
    }) as typeof fetch;
    const batch = fakeBatch("ih-deliveries", messages);
    await consumeDeliveries(batch as never, { ...env, DB: held }, {} as ExecutionContext, consumerOverrides(fetchFn));
    expect(most).toBeLessThanOrEqual(6);
    expect(started).toBe(12);
    // with the slot held through the record, no 7th request could start before a record was written
    expect(startedBeforeAnyRecord).toBe(12);
    expect((batch.messages as FakeMessage<DeliveriesMessage>[]).every((m) => m.outcome.acked)).toBe(true);
    for (const m of messages) expect(await deliveryRow(m.deliveryId)).toMatchObject({ status: "succeeded", attempts: 1, leaseUntil: null });
  });

  it("more than 6 to one endpoint go in rounds of at most 6, and a stale message among them is acked unsent", async () => {
    const { endpoint } = await makeEndpoint();
    const messages: DeliveriesMessage[] = [];
    for (let i = 0; i < 9; i++) messages.push({ deliveryId: (await makeDelivery(endpoint.id)).deliveryId, run: 0, attempt: 1 });
    messages.push({ ...messages[0]!, attempt: 2 }); // an attempt that is not due: stale
    let inFlight = 0;
    let most = 0;
    const fetchFn = (async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return new Response("ok");
    }) as typeof fetch;
    const batch = fakeBatch("ih-deliveries", messages);
    await consumeDeliveries(batch as never, env, {} as ExecutionContext, consumerOverrides(fetchFn));
    expect(most).toBe(6);
    expect((batch.messages as FakeMessage<DeliveriesMessage>[]).every((m) => m.outcome.acked)).toBe(true);
    for (const m of messages.slice(0, 9)) expect(await deliveryRow(m.deliveryId)).toMatchObject({ status: "succeeded", attempts: 1 });
  });
});
