import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "~/lib/db/client";
import { events } from "~/lib/db/schema";
import type { DeliveriesMessage, EventMessage } from "~/lib/env";
import { dispatchEvent } from "~/lib/events/consumer.server";
import { sweepOutbox } from "~/lib/events/outbox.server";
import { newId } from "~/lib/ids";

/**
 * The outbox sweeper under a simulated cron (issue 19): real D1, the real sweeper and the real
 * fan-out claim (dispatchEvent) as the events consumer, a clock moved tick by tick. "Stuck" events
 * are ones no consumer ever claims (their queue messages are lost or dead-lettered unread, the
 * consumer is paused): only the sweeper can stop re-sending them.
 */

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const db = () => createDb(env.DB);

async function newEvent(createdAt: number) {
  const id = newId("evt", new Date(createdAt));
  await db()
    .insert(events)
    .values({
      id,
      companyId: "co_globex",
      type: "conversation.created",
      payload: {},
      performedBy: { type: "system", id: null, name: null },
      createdAt: new Date(createdAt),
    });
  return id;
}

/** The EVENTS queue and its consumer: messages for stuck events vanish; the others are fanned out at once. */
function simulatedQueue(stuck: Set<string>) {
  const sends: { eventId: string; at: number }[] = [];
  const deliveriesQueue = { send: async () => {}, sendBatch: async () => {} } as unknown as Queue<DeliveriesMessage>;
  let clock = T0;
  const queue = {
    async sendBatch(items: Iterable<MessageSendRequest<EventMessage>>) {
      for (const { body } of items) {
        sends.push({ eventId: body.eventId, at: clock });
        if (!stuck.has(body.eventId))
          await dispatchEvent({ db: db(), deliveriesQueue, now: new Date(clock), subscribers: [] }, body.eventId);
      }
    },
  } as unknown as Queue<EventMessage>;
  return {
    sends,
    tick: async (at: number, limit: number) => {
      clock = at;
      await sweepOutbox({ db: db(), queue, now: new Date(at), limit });
    },
  };
}

const row = (id: string) =>
  env.DB.prepare("SELECT dispatched_at, dispatch_error FROM events WHERE id = ?")
    .bind(id)
    .first<{ dispatched_at: number | null; dispatch_error: string | null }>();

describe("the outbox sweeper never starves new events and stops re-sending what cannot be dispatched", () => {
  it("with more stuck events than one sweep takes, every new event is still re-sent on the first tick it is stale", async () => {
    // 10 stuck events and 2 per sweep: enough for the stuck ones to fill every tick of a
    // re-send interval if they were taken oldest first.
    const stuck = new Set<string>();
    for (let i = 0; i < 10; i++) stuck.add(await newEvent(T0 - 30 * MINUTE + i * 1000));
    const q = simulatedQueue(stuck);
    const fresh: { id: string; createdAt: number }[] = [];
    for (let m = 0; m <= 90; m++) {
      const at = T0 + m * MINUTE;
      // After the backlog's first pass (5 ticks), a new event every 7 minutes whose own queue
      // message was lost: only the sweeper can send it.
      if (m >= 10 && m % 7 === 3) fresh.push({ id: await newEvent(at - 30_000), createdAt: at - 30_000 });
      await q.tick(at, 2);
    }
    for (const { id, createdAt } of fresh) {
      const first = q.sends.find((s) => s.eventId === id);
      expect(first, `event created at +${(createdAt - T0) / MINUTE} min was never re-sent`).toBeDefined();
      // Stale after 60 s; ticks are a minute apart: sent at the first or second tick after its creation.
      expect(first!.at - createdAt).toBeLessThanOrEqual(2 * MINUTE);
      expect((await row(id))!.dispatched_at).not.toBeNull();
    }
    // And the stuck ones back off: far fewer than one re-send per event per 5 minutes.
    const stuckSends = q.sends.filter((s) => stuck.has(s.eventId)).length;
    expect(stuckSends).toBeLessThan(10 * (90 / 5));
  });

  it("an event no consumer ever claims is re-sent with growing gaps, then given up visibly and never re-sent again", async () => {
    const id = await newEvent(T0 - 2 * MINUTE);
    const q = simulatedQueue(new Set([id]));
    // Five simulated days of cron ticks, one every 30 minutes (the sweeper does not depend on the tick rate).
    for (let at = T0; at <= T0 + 5 * 24 * 60 * MINUTE; at += 30 * MINUTE) await q.tick(at, 500);
    const times = q.sends.filter((s) => s.eventId === id).map((s) => s.at);
    expect(times.length).toBeGreaterThan(1);
    expect(times.length).toBeLessThanOrEqual(12);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(5 * MINUTE);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1]!);
    // Nothing in the last two days: it was given up, and says so on the row.
    expect(times.every((t) => t < T0 + 3 * 24 * 60 * MINUTE)).toBe(true);
    const ended = await row(id);
    expect(ended!.dispatched_at).not.toBeNull();
    expect(ended!.dispatch_error).toMatch(/never fanned out; the sweeper gave it up/);
  });

  it("two cron runs at once re-send a stale event once, and the backoff holds it on the next tick", async () => {
    const id = await newEvent(T0 - 5 * MINUTE);
    const q = simulatedQueue(new Set([id]));
    await Promise.all([q.tick(T0, 500), q.tick(T0, 500)]);
    await q.tick(T0 + MINUTE, 500);
    expect(q.sends.filter((s) => s.eventId === id)).toHaveLength(1);
  });
});
