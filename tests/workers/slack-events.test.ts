import { createExecutionContext, createMessageBatch, env, getQueueResult, SELF } from "cloudflare:test";
import { createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDb } from "~/lib/db/client";
import type { Env } from "~/lib/env";
import { dispatchEvent } from "~/lib/events/consumer.server";
import { handleQueueBatch } from "~/lib/queues.server";
import { type BrowserClient, signIn } from "../helpers/browser-client";
import { ACME } from "../helpers/seed";
import { createConversationViaApi } from "./api-client";
import {
  configureSlack,
  connectSlack,
  DEFAULT_SETTINGS,
  drain,
  type Installed,
  installSlack,
  resetTables,
  SLACK_ENV,
} from "./slack-helpers";

let slack: Installed;
let john: BrowserClient;
let conversationId: string;
let threadTs: string;

beforeEach(async () => {
  slack = installSlack();
  john = await signIn(ACME.adminEmail);
  await connectSlack(john);
  await configureSlack(john);
  conversationId = (await createConversationViaApi()).id;
  await drain(slack);
  threadTs = slack.fake.state.messages[0]!.ts;
});

afterEach(async () => {
  slack.restore();
  vi.unstubAllGlobals();
  await resetTables();
});

let n = 0;
function threadReply(overrides: Record<string, unknown> = {}, envelope: Record<string, unknown> = {}) {
  n += 1;
  return {
    type: "event_callback",
    team_id: "T0SANDBOX",
    event_id: `Ev0TEST${n}${Date.now()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: "T0SANDBOX", user_id: "U0SANDBOXBOT", is_bot: true }],
    event: {
      type: "message",
      channel: "C0ALERTS01",
      user: "U0SARAH001",
      text: "We&amp;re shipping it &lt;today&gt;",
      ts: `${Math.floor(Date.now() / 1000)}.00${n}`,
      thread_ts: threadTs,
      ...overrides,
    },
    ...envelope,
  };
}

/** Signs like Slack does, with node:crypto (independent of the app's WebCrypto signer). */
function postEvent(
  payload: unknown,
  {
    secret = SLACK_ENV.SLACK_SIGNING_SECRET,
    timestamp = Math.floor(Date.now() / 1000),
    signature,
  }: { secret?: string; timestamp?: number; signature?: string } = {},
) {
  const body = JSON.stringify(payload);
  const sig = signature ?? `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
  return SELF.fetch("http://localhost/slack/events", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Slack-Request-Timestamp": String(timestamp), "X-Slack-Signature": sig },
    body,
  });
}

/** Runs the EVENTS queue's Slack messages through the real queue handler. */
async function runSlackQueue() {
  const pending = slack.events.sent.splice(0).filter((m) => m.kind === "inbound");
  if (pending.length === 0) return { acked: 0 };
  const batch = createMessageBatch(
    "ih-events",
    pending.map((body, i) => ({ id: `s${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await handleQueueBatch(batch, env as Env, ctx);
  const result = await getQueueResult(batch, ctx);
  expect(result.retryMessages).toEqual([]);
  return { acked: result.explicitAcks.length };
}

const agentMessages = () =>
  env.DB.prepare("SELECT * FROM messages WHERE conversation_id = ? AND author_kind = 'agent'")
    .bind(conversationId)
    .all<Record<string, any>>()
    .then((r) => r.results);
const sentEvents = () =>
  env.DB.prepare("SELECT * FROM events WHERE type = 'message.sent'")
    .all<Record<string, any>>()
    .then((r) => r.results);

describe("reply from Slack (POST /slack/events)", () => {
  it("a valid signed thread reply becomes one agent message (message.sent by the Slack user's real name) and one webhook delivery", async () => {
    await env.DB.prepare(
      "INSERT INTO webhook_endpoints (id, company_id, url, events, status, secret_enc, created_by, created_at, updated_at) VALUES ('we_slack', ?, 'https://hooks.example/x', '[\"message.sent\"]', 'active', 'enc', 'usr_john', ?, ?)",
    )
      .bind(ACME.id, Date.now(), Date.now())
      .run();
    const res = await postEvent(threadReply());
    expect(res.status).toBe(200);
    expect(await agentMessages()).toHaveLength(0); // acked first, the work happens on the queue
    expect(slack.events.sent).toEqual([{ kind: "inbound", provider: "slack", id: expect.stringMatching(/^Ev0TEST/) }]);
    await runSlackQueue();

    const [message] = await agentMessages();
    expect(message).toMatchObject({
      body: "We&re shipping it <today>",
      author_name: "Sarah Agent",
      source: "slack",
      direction: "outbound",
      company_id: ACME.id,
    });
    const events = await sentEvents();
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]!.performed_by)).toEqual({ type: "agent", id: "slack:U0SARAH001", name: "Sarah Agent" });
    expect(JSON.parse(events[0]!.payload).conversation.id).toBe(conversationId);
    expect(slack.fake.calls("users.info")[0]!.args).toMatchObject({ user: "U0SARAH001" });

    // The pipeline fans it out to the webhook, and does not echo it back into Slack.
    const eventMsg = slack.events.sent.shift() as { eventId: string };
    expect(eventMsg.eventId).toBe(events[0]!.id);
    await dispatchEvent(
      { db: createDb(env.DB), deliveriesQueue: { send: async () => {}, sendBatch: async () => {} } as unknown as Queue, now: new Date() },
      eventMsg.eventId,
    );
    const deliveries = await env.DB.prepare("SELECT target_kind, target_id FROM deliveries WHERE event_id = ?")
      .bind(eventMsg.eventId)
      .all();
    expect(deliveries.results).toEqual([{ target_kind: "webhook", target_id: "we_slack" }]);
  });

  it("a bad signature, a wrong secret and a timestamp 301 s old are refused with 401 and change nothing", async () => {
    const payload = threadReply();
    expect((await postEvent(payload, { signature: `v0=${"0".repeat(64)}` })).status).toBe(401);
    expect((await postEvent(payload, { secret: "not-the-secret" })).status).toBe(401);
    expect((await postEvent(payload, { timestamp: Math.floor(Date.now() / 1000) - 301 })).status).toBe(401);
    expect((await postEvent(payload, { timestamp: Math.floor(Date.now() / 1000) + 301 })).status).toBe(401);
    const unsigned = await SELF.fetch("http://localhost/slack/events", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
    });
    expect(unsigned.status).toBe(401);
    expect(slack.events.sent).toEqual([]);
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM inbound_receipts").first<{ n: number }>())!.n).toBe(0);
    // a timestamp 299 s old is still inside the window
    expect((await postEvent(payload, { timestamp: Math.floor(Date.now() / 1000) - 299 })).status).toBe(200);
  });

  it("a replayed event_id (Slack's retry) is acknowledged but adds nothing", async () => {
    const payload = threadReply();
    expect((await postEvent(payload)).status).toBe(200);
    const again = await postEvent(payload);
    expect(again.status).toBe(200);
    expect(await again.text()).toBe("duplicate");
    expect(slack.events.sent).toHaveLength(1);
    await runSlackQueue();
    expect(await agentMessages()).toHaveLength(1);
  });

  it("the bot's own message, another bot, an edit, a top-level message and an unmapped thread add nothing", async () => {
    const ignoredPayloads = [
      threadReply({ user: "U0SANDBOXBOT" }),
      threadReply({ bot_id: "B0SANDBOX" }),
      threadReply({ subtype: "message_changed" }),
      threadReply({ subtype: "message_deleted" }),
      threadReply({ thread_ts: undefined }),
      threadReply({ thread_ts: "1111111111.000001" }),
      threadReply({}, { team_id: "T0OTHERTEAM" }),
    ];
    for (const p of ignoredPayloads) expect((await postEvent(p)).status).toBe(200);
    const { acked } = await runSlackQueue();
    expect(acked).toBe(ignoredPayloads.length);
    expect(await agentMessages()).toHaveLength(0);
    expect(await sentEvents()).toHaveLength(0);
  });

  it("with 'Allow agents to reply from Slack' off, a thread reply adds nothing", async () => {
    await configureSlack(john, { ...DEFAULT_SETTINGS, allow_replies: "" });
    expect((await postEvent(threadReply())).status).toBe(200);
    await runSlackQueue();
    expect(await agentMessages()).toHaveLength(0);
  });

  it("answers url_verification with the challenge; refuses GET and non-JSON", async () => {
    const res = await postEvent({
      type: "url_verification",
      token: "x",
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" });
    expect((await SELF.fetch("http://localhost/slack/events")).status).toBe(405);
    const ts = Math.floor(Date.now() / 1000);
    const body = "not json";
    const sig = `v0=${createHmac("sha256", SLACK_ENV.SLACK_SIGNING_SECRET).update(`v0:${ts}:${body}`).digest("hex")}`;
    const bad = await SELF.fetch("http://localhost/slack/events", {
      method: "POST",
      headers: { "X-Slack-Request-Timestamp": String(ts), "X-Slack-Signature": sig },
      body,
    });
    expect(bad.status).toBe(400);
  });
});

describe("inbound receipts", () => {
  it("the cron purge drops Slack receipts older than a week and keeps recent ones (and other sources)", async () => {
    const { purgeSlackReceipts } = await import("~/lib/integrations/slack/inbound.server");
    const old = Date.now() - 8 * 86_400_000;
    await env.DB.prepare(
      "INSERT INTO inbound_receipts (source, external_id, received_at) VALUES ('slack_event', 'EvOLD', ?), ('slack_event', 'EvNEW', ?), ('email', 'm@x', ?)",
    )
      .bind(old, Date.now(), old)
      .run();
    await purgeSlackReceipts({ db: createDb(env.DB), now: new Date() });
    const left = await env.DB.prepare(
      "SELECT external_id FROM inbound_receipts WHERE external_id IN ('EvOLD', 'EvNEW', 'm@x') ORDER BY external_id",
    ).all();
    expect(left.results.map((r) => r.external_id)).toEqual(["EvNEW", "m@x"]);
  });
});
