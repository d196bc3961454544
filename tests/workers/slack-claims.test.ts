import { createExecutionContext, createMessageBatch, env, getQueueResult, SELF } from "cloudflare:test";
import { createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDb } from "~/lib/db/client";
import { deliveryDeps } from "~/lib/deps.server";
import type { DeliveriesMessage, Env } from "~/lib/env";
import { dispatchEvent } from "~/lib/events/consumer.server";
import { registryDeliverers, registrySubscriber } from "~/lib/integrations/pipeline.server";
import { DEFAULT_RETRY_AFTER_SECONDS } from "~/lib/integrations/slack/api.server";
import { PARENT_WAIT_SECONDS } from "~/lib/integrations/slack/notify.server";
import { postDailySummaries, summaryForDay } from "~/lib/integrations/slack/summary.server";
import { startOfLocalDay } from "~/lib/integrations/slack/timezone";
import { handleQueueBatch } from "~/lib/queues.server";
import { handleDelivery } from "~/lib/webhooks/consumer.server";
import { type BrowserClient, signIn } from "../helpers/browser-client";
import { ACME } from "../helpers/seed";
import { api, createConversationViaApi } from "./api-client";
import { configureSlack, connectSlack, DEFAULT_SETTINGS, type Installed, installSlack, resetTables, SLACK_ENV } from "./slack-helpers";

/**
 * Slack's claims live in D1 (docs/decisions/0061-slack-claims.md): one parent message per
 * conversation, waiting for it is an uncounted deferral, one daily summary per company and local
 * day. Each race runs its pair at once.
 */

let slack: Installed;
let john: BrowserClient;

beforeEach(async () => {
  slack = installSlack();
  john = await signIn(ACME.adminEmail);
  await connectSlack(john);
});

afterEach(async () => {
  slack.restore();
  vi.unstubAllGlobals();
  await env.DB.prepare("UPDATE companies SET timezone = 'UTC'").run();
  await resetTables();
});

const db = () => createDb(env.DB);
const deps = () => deliveryDeps(env as Env, { fetch: slack.fetch, random: () => 0.5, deliverers: registryDeliverers() });

/** Fans out what the API enqueued; returns the Slack deliveries' first messages. */
async function fanOut(): Promise<DeliveriesMessage[]> {
  const sent: DeliveriesMessage[] = [];
  const queue = {
    send: async (b: DeliveriesMessage) => void sent.push(b),
    sendBatch: async (items: Iterable<{ body: DeliveriesMessage }>) => {
      for (const i of items) sent.push(i.body);
    },
  } as unknown as Queue<DeliveriesMessage>;
  while (slack.events.sent.length) {
    const m = slack.events.sent.shift()!;
    if (m.kind === "event")
      await dispatchEvent({ db: db(), deliveriesQueue: queue, now: new Date(), subscribers: [registrySubscriber(env as Env)] }, m.eventId);
  }
  return sent;
}

const parents = () => slack.fake.state.messages.filter((m) => m.thread_ts === null);
const slackDeliveries = () =>
  env.DB.prepare("SELECT * FROM deliveries WHERE target_kind = 'integration' AND target_id = 'slack' ORDER BY id")
    .all<Record<string, any>>()
    .then((r) => r.results);
const attemptRows = () =>
  env.DB.prepare("SELECT a.* FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.target_id = 'slack'")
    .all()
    .then((r) => r.results);

describe("one parent message per conversation", () => {
  it("two deliveries of one conversation at once post one parent; the one that waited is deferred, uncounted, then posts in its thread", async () => {
    await configureSlack(john, { ...DEFAULT_SETTINGS, notify_new_conversations: "", notify_all_messages: "on" });
    const conv = await createConversationViaApi();
    for (const body of ["first follow-up", "second follow-up"])
      expect((await api(`/conversations/${conv.id}/messages`, { method: "POST", body: { body, author: "agent" } })).status).toBe(201);
    const messages = await fanOut();
    expect(messages).toHaveLength(2);
    // Slow Slack: both deliveries are in flight together, so both would see "no thread yet".
    const realHandle = slack.fake.handle;
    slack.fake.handle = async (req: Request) => (await new Promise((r) => setTimeout(r, 30)), realHandle(req));
    const d = await deps();
    const results = await Promise.all(messages.map((m) => handleDelivery(d, m)));
    slack.fake.handle = realHandle;

    expect(parents()).toHaveLength(1);
    const waited = results.filter((r) => r.deferred);
    expect(waited).toHaveLength(1);
    expect(waited[0]!.retry).toBe(PARENT_WAIT_SECONDS);
    const deferredMessage = waited[0]!.next!;
    expect(deferredMessage.attempt).toBe(1); // the same attempt, again
    // Nothing was counted: no attempt row, no error on the connection.
    const waitingRow = (await slackDeliveries()).find((r) => r.id === deferredMessage.deliveryId)!;
    expect(waitingRow).toMatchObject({ status: "pending", attempts: 0, deferrals: 1, last_error: null });
    expect(await attemptRows()).toHaveLength(1);
    const conn = await env.DB.prepare("SELECT last_error FROM connections WHERE provider = 'slack'").first<{ last_error: string | null }>();
    expect(conn!.last_error).toBeNull();

    const again = await handleDelivery(d, deferredMessage);
    expect(again.retry).toBeNull();
    expect(parents()).toHaveLength(1);
    const replies = slack.fake.state.messages.filter((m) => m.thread_ts === parents()[0]!.ts);
    expect(replies).toHaveLength(2);
    expect((await slackDeliveries()).map((r) => [r.status, r.attempts])).toEqual([
      ["succeeded", 1],
      ["succeeded", 1],
    ]);
  });

  it("a claim left by a delivery that died is taken over once it is stale", async () => {
    await configureSlack(john, { ...DEFAULT_SETTINGS, notify_all_messages: "on" });
    const conv = await createConversationViaApi();
    const [created] = await fanOut();
    // Another delivery claimed the parent two minutes ago and never finished.
    await env.DB.prepare(
      "INSERT INTO slack_threads (conversation_id, company_id, claimed_by, claimed_at, created_at) VALUES (?, ?, 'dlv_dead', ?, ?)",
    )
      .bind(conv.id, ACME.id, Date.now() - 120_000, Date.now() - 120_000)
      .run();
    const result = await handleDelivery(await deps(), created!);
    expect(result.retry).toBeNull();
    expect(parents()).toHaveLength(1);
    const row = await env.DB.prepare("SELECT thread_ts, claimed_by FROM slack_threads WHERE conversation_id = ?").bind(conv.id).first();
    expect(row).toEqual({ thread_ts: parents()[0]!.ts, claimed_by: null });
  });
});

describe("Slack rate limits", () => {
  it("a 429 without Retry-After waits 30 s, not 0", async () => {
    await configureSlack(john);
    slack.fake.rateLimitNext("chat.postMessage", null as never);
    await createConversationViaApi();
    const [message] = await fanOut();
    const result = await handleDelivery(await deps(), message!);
    expect(DEFAULT_RETRY_AFTER_SECONDS).toBe(30);
    expect(result.retry).toBeGreaterThanOrEqual(30);
    const [row] = await slackDeliveries();
    expect(row).toMatchObject({ status: "pending", attempts: 1, last_status_code: 429 });
    expect(row!.next_attempt_at - Date.now()).toBeGreaterThan(28_000);
  });
});

describe("daily summary claimed in D1", () => {
  const rt = (iso: string) => ({ db: db(), kv: env.KV, env: env as Env, fetch: slack.fetch, now: () => new Date(iso) });

  it("two cron runs at once post one summary; after a disconnect and reconnect the same day still posts none", async () => {
    await configureSlack(john, { ...DEFAULT_SETTINGS, summary_hour: "9" });
    const [a, b] = await Promise.all([postDailySummaries(rt("2026-06-11T09:00:00Z")), postDailySummaries(rt("2026-06-11T09:00:00Z"))]);
    expect([...a.posted, ...b.posted]).toEqual([ACME.id]);
    expect(slack.fake.calls("chat.postMessage")).toHaveLength(1);

    expect((await john.post("/integrations/slack/disconnect", { intent: "disconnect" })).status).toBe(302);
    await connectSlack(john);
    await configureSlack(john, { ...DEFAULT_SETTINGS, summary_hour: "9" });
    expect((await postDailySummaries(rt("2026-06-11T15:00:00Z"))).posted).toEqual([]);
    expect(slack.fake.calls("chat.postMessage")).toHaveLength(1);
    // The next local day posts again.
    expect((await postDailySummaries(rt("2026-06-12T09:00:00Z"))).posted).toEqual([ACME.id]);
  });
});

describe("day boundaries where DST starts at midnight", () => {
  it("America/Santiago 2024-09-08 and America/Havana 2024-03-10 start at the jump (01:00 local), not an hour early", () => {
    // Santiago: 2024-09-07 is UTC-4 until midnight, which becomes 01:00 UTC-3 (04:00Z).
    expect(startOfLocalDay({ year: 2024, month: 9, day: 8 }, "America/Santiago").toISOString()).toBe("2024-09-08T04:00:00.000Z");
    expect(startOfLocalDay({ year: 2024, month: 9, day: 9 }, "America/Santiago").toISOString()).toBe("2024-09-09T03:00:00.000Z");
    // Havana: UTC-5 until midnight, then 01:00 UTC-4 (05:00Z).
    expect(startOfLocalDay({ year: 2024, month: 3, day: 10 }, "America/Havana").toISOString()).toBe("2024-03-10T05:00:00.000Z");
    // Santiago falls back at midnight (00:00 -03 → 23:00 -04 on 2024-04-06): the 7th starts at the second midnight.
    expect(startOfLocalDay({ year: 2024, month: 4, day: 7 }, "America/Santiago").toISOString()).toBe("2024-04-07T04:00:00.000Z");
    // Ordinary days are unchanged.
    expect(startOfLocalDay({ year: 2026, month: 6, day: 10 }, "America/New_York").toISOString()).toBe("2026-06-10T04:00:00.000Z");
    expect(startOfLocalDay({ year: 2026, month: 6, day: 10 }, "Asia/Kolkata").toISOString()).toBe("2026-06-09T18:30:00.000Z");
  });

  it("a conversation at 23:30 on 2024-09-07 in Santiago counts for the 7th, not the 8th", async () => {
    const late = await createConversationViaApi(); // created now; moved to 23:30 local on the 7th (03:30Z on the 8th)
    await env.DB.prepare("UPDATE events SET created_at = ? WHERE json_extract(payload, '$.id') = ?")
      .bind(Date.parse("2024-09-08T03:30:00Z"), late.id)
      .run();
    const on7th = await summaryForDay(db(), ACME.id, { year: 2024, month: 9, day: 7 }, "America/Santiago");
    const on8th = await summaryForDay(db(), ACME.id, { year: 2024, month: 9, day: 8 }, "America/Santiago");
    expect(on7th.created).toBe(1);
    expect(on8th.created).toBe(0);
  });
});

describe("a reply whose event is not yet visible in KV", () => {
  it("is read from D1 and added (KV answering null for everything Slack parked changes nothing)", async () => {
    await configureSlack(john);
    const conv = await createConversationViaApi();
    const [created] = await fanOut();
    await handleDelivery(await deps(), created!);
    const threadTs = parents()[0]!.ts;
    // Eventual consistency, made certain: KV never shows anything written under slack_event:*.
    const realGet = env.KV.get.bind(env.KV);
    vi.spyOn(env.KV, "get").mockImplementation(((key: string, ...rest: unknown[]) =>
      key.startsWith("slack_event:") ? Promise.resolve(null) : (realGet as any)(key, ...rest)) as never);

    const ts = `${Math.floor(Date.now() / 1000)}.000100`;
    const payload = {
      type: "event_callback",
      team_id: "T0SANDBOX",
      event_id: `Ev0KV${Date.now()}`,
      authorizations: [{ team_id: "T0SANDBOX", user_id: "U0SANDBOXBOT", is_bot: true }],
      event: { type: "message", channel: "C0ALERTS01", user: "U0SARAH001", text: "on it", ts, thread_ts: threadTs },
    };
    const body = JSON.stringify(payload);
    const stamp = Math.floor(Date.now() / 1000);
    const sig = `v0=${createHmac("sha256", SLACK_ENV.SLACK_SIGNING_SECRET).update(`v0:${stamp}:${body}`).digest("hex")}`;
    const res = await SELF.fetch("http://localhost/slack/events", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Slack-Request-Timestamp": String(stamp), "X-Slack-Signature": sig },
      body,
    });
    expect(res.status).toBe(200);
    const inbound = slack.events.sent.filter((m) => m.kind === "inbound");
    expect(inbound).toEqual([{ kind: "inbound", provider: "slack", id: payload.event_id }]);
    // The same message twice at once (at-least-once delivery): one agent message.
    const batches = [0, 1].map((i) =>
      createMessageBatch("ih-events", [{ id: `kv${i}`, timestamp: new Date(), attempts: 1, body: inbound[0]! }]),
    );
    const ctxs = batches.map(() => createExecutionContext());
    await Promise.all(batches.map((b, i) => handleQueueBatch(b, env as Env, ctxs[i]!)));
    for (const [i, b] of batches.entries()) expect((await getQueueResult(b, ctxs[i]!)).retryMessages).toEqual([]);
    const added = await env.DB.prepare("SELECT body FROM messages WHERE conversation_id = ? AND author_kind = 'agent'")
      .bind(conv.id)
      .all<{ body: string }>();
    expect(added.results.map((m) => m.body)).toEqual(["on it"]);
    const receipt = await env.DB.prepare("SELECT payload FROM inbound_receipts WHERE external_id = ?").bind(payload.event_id).first();
    expect(receipt).toEqual({ payload: null });
  });
});
