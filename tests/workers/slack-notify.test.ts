import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { registryDeliverers, registrySubscriber } from "~/lib/integrations/pipeline.server";
import { credentialsKey } from "~/lib/oauth/token-store.server";
import { type BrowserClient, signIn } from "../helpers/browser-client";
import { ACME } from "../helpers/seed";
import { api, createConversationViaApi } from "./api-client";
import {
  configureSlack,
  connectSlack,
  DEFAULT_SETTINGS,
  drain,
  type Installed,
  installSlack,
  resetTables,
  slackConnection,
} from "./slack-helpers";

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
  await resetTables();
});

const html = async (res: Response) => (await res.text()).replaceAll("<!-- -->", "");
const slackDeliveries = () =>
  env.DB.prepare("SELECT * FROM deliveries WHERE target_kind = 'integration' AND target_id = 'slack' ORDER BY id")
    .all<Record<string, any>>()
    .then((r) => r.results);

describe("Slack install and configure", () => {
  it("keeps the team, lists every page of channels (cached 5 minutes, Refresh asks again) and saves a channel the bot is in", async () => {
    const conn = await slackConnection();
    expect(conn).toMatchObject({
      status: "connected",
      account_id: "T0SANDBOX",
      account_label: "Acme Corp (Sandbox)",
      connected_by_email: ACME.adminEmail,
    });

    const page = await html(await john.get("/integrations/slack/configure"));
    expect(page).toContain("Configure Slack");
    expect(page).toContain("Acme Corp (Sandbox)");
    expect(page).toContain(ACME.adminEmail);
    for (const name of ["#general", "#support-alerts", "#random (invite the app first)", "🔒escalations"]) expect(page).toContain(name);
    expect(page).not.toContain("old-support"); // archived
    const lists = slack.fake.calls("conversations.list");
    expect(lists).toHaveLength(2); // two pages of two
    expect(lists[0]!.args).toMatchObject({ types: "public_channel,private_channel", exclude_archived: "true" });
    expect(lists[1]!.args.cursor).toBeTruthy();

    await john.get("/integrations/slack/configure");
    expect(slack.fake.calls("conversations.list")).toHaveLength(2); // from the KV cache
    expect((await john.post("/integrations/slack/configure", { intent: "refresh" })).headers.get("Location")).toBe(
      "/integrations/slack/configure",
    );
    await john.get("/integrations/slack/configure");
    expect(slack.fake.calls("conversations.list")).toHaveLength(4);

    await configureSlack(john);
    const saved = await slackConnection();
    expect(JSON.parse(saved!.config)).toEqual({
      channel_id: "C0ALERTS01",
      channel: "#support-alerts",
      notify_new_conversations: true,
      notify_escalations: true,
      notify_all_messages: false,
      daily_summary: true,
      summary_hour: 9,
      allow_replies: true,
    });
    expect(await html(await john.get("/integrations"))).toContain("Connected to: #support-alerts");
    // the form shows what was saved (this is what a browser without JavaScript gets)
    const again = await html(await john.get("/integrations/slack/configure"));
    expect(again).toMatch(/<option value="C0ALERTS01" selected="">/);
    expect(again).toMatch(/name="notify_new_conversations"[^>]*checked=""/);
    expect(again).not.toMatch(/name="notify_all_messages"[^>]*checked=""/);
    expect(again).toMatch(/<option value="9" selected="">/);
  });

  it("refuses a channel the bot is not in, an unknown channel, a bad hour and an unknown intent with a 400, saving nothing", async () => {
    const before = (await slackConnection())!.config;
    const notMember = await john.post("/integrations/slack/configure", { ...DEFAULT_SETTINGS, channel_id: "C0RANDOM01" });
    expect(notMember.status).toBe(400);
    expect(await html(notMember)).toContain("The app is not in #random");
    const unknown = await john.post("/integrations/slack/configure", { ...DEFAULT_SETTINGS, channel_id: "C0NOSUCH01" });
    expect(unknown.status).toBe(400);
    expect(await html(unknown)).toContain("not in your workspace");
    const hour = await john.post("/integrations/slack/configure", { ...DEFAULT_SETTINGS, summary_hour: "24" });
    expect(hour.status).toBe(400);
    expect((await john.post("/integrations/slack/configure", { intent: "explode" })).status).toBe(400);
    expect((await slackConnection())!.config).toBe(before);
    expect(slack.fake.calls("chat.postMessage")).toHaveLength(0);
  });

  it("another company's admin cannot open Acme's Slack settings", async () => {
    const globex = await signIn("admin@globex.com");
    expect((await globex.get("/integrations/slack/configure")).status).toBe(404);
    expect((await globex.post("/integrations/slack/configure", DEFAULT_SETTINGS)).status).toBe(404);
  });
});

describe("Slack notifications", () => {
  it("an API-created conversation posts exactly one parent message to the chosen channel with contact, subject, first message and link", async () => {
    await configureSlack(john);
    const conv = await createConversationViaApi();
    expect(await drain(slack)).toEqual([]);
    const posts = slack.fake.calls("chat.postMessage");
    expect(posts).toHaveLength(1);
    expect(posts[0]!.args.channel).toBe("C0ALERTS01");
    expect(posts[0]!.args.thread_ts).toBeUndefined();
    const blocks = JSON.stringify(posts[0]!.args.blocks);
    expect(blocks).toContain("Pat &lt;pat@example.com&gt;");
    expect(blocks).toContain("Order #42");
    expect(blocks).toContain("Where is my order?");
    expect(blocks).toContain(`https://app.test/conversations/${conv.id}`);
    const thread = await env.DB.prepare("SELECT * FROM slack_threads WHERE conversation_id = ?").bind(conv.id).first<Record<string, any>>();
    expect(thread).toMatchObject({ company_id: ACME.id, channel: "C0ALERTS01", thread_ts: slack.fake.state.messages[0]!.ts });
    const rows = await slackDeliveries();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "succeeded", attempts: 1, last_status_code: 200 });
  });

  it("with All messages on, later messages go into the thread; an escalation is an alert in the thread; closing updates the parent", async () => {
    await configureSlack(john, { ...DEFAULT_SETTINGS, notify_all_messages: "on" });
    const conv = await createConversationViaApi();
    await drain(slack);
    const parentTs = slack.fake.state.messages[0]!.ts;
    expect(
      (await api(`/conversations/${conv.id}/messages`, { method: "POST", body: { body: "Any news?", author: "contact" } })).status,
    ).toBe(201);
    expect(
      (await api(`/conversations/${conv.id}/messages`, { method: "POST", body: { body: "It ships today.", author: "agent" } })).status,
    ).toBe(201);
    await drain(slack);
    expect((await api(`/conversations/${conv.id}/escalate`, { method: "POST", body: { reason: "Angry customer" } })).status).toBeLessThan(
      300,
    );
    await drain(slack);
    const [parent, ...replies] = slack.fake.state.messages;
    expect(parent!.thread_ts).toBeNull();
    expect(replies.map((m) => m.thread_ts)).toEqual([parentTs, parentTs, parentTs]);
    // the two messages may be delivered in either order (the queue does not promise order)
    const texts = replies
      .slice(0, 2)
      .map((m) => m.text)
      .join("\n");
    expect(texts).toContain("Any news?");
    expect(texts).toContain("It ships today.");
    expect(replies[2]!.text).toContain("Escalated to a human");
    expect(replies[2]!.reply_broadcast).toBe(true);
    expect(JSON.stringify(replies[2]!.blocks)).toContain("Angry customer");

    expect((await api(`/conversations/${conv.id}`, { method: "PATCH", body: { status: "closed" } })).status).toBe(200);
    await drain(slack);
    const updates = slack.fake.calls("chat.update");
    expect(updates).toHaveLength(1);
    expect(updates[0]!.args).toMatchObject({ channel: "C0ALERTS01", ts: parentTs });
    expect(parent!.updated).toBe(true);
    expect(JSON.stringify(parent!.blocks)).toContain("Conversation closed");
    expect(slack.fake.calls("chat.postMessage")).toHaveLength(4);
  });

  it("customer text never reaches Slack as a ping, a mention or a forged link, in the top-level text as in the blocks", async () => {
    await configureSlack(john, { ...DEFAULT_SETTINGS, notify_all_messages: "on" });
    const hostile = "<!channel> <!here> <@U0ADMIN> <http://evil.example/login|https://bank.example> & done";
    const created = await api("/conversations", {
      method: "POST",
      body: { contact: { email: "pat@example.com", name: "<!everyone> Pat" }, subject: `Refund ${hostile}`, message: { body: hostile } },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await drain(slack);
    expect((await api(`/conversations/${id}/messages`, { method: "POST", body: { body: hostile, author: "contact" } })).status).toBe(201);
    await drain(slack);
    expect((await api(`/conversations/${id}/escalate`, { method: "POST", body: { reason: hostile } })).status).toBeLessThan(300);
    await drain(slack);
    const posts = slack.fake.calls("chat.postMessage");
    expect(posts).toHaveLength(3);
    for (const post of posts) {
      // everything Slack reads as mrkdwn: the top-level text and every text object in the blocks
      const mrkdwn = [String(post.args.text), JSON.stringify(post.args.blocks)];
      for (const text of mrkdwn) {
        expect(text).not.toMatch(/<[!@#]|<https?:/);
        expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
      }
    }
    const texts = posts.map((p) => String(p.args.text)).join("\n");
    expect(texts).toContain("&lt;!everyone&gt; Pat");
    expect(texts).toContain("&lt;http://evil.example/login|https://bank.example&gt; &amp; done");
  });

  it("with every toggle off nothing is posted and no Slack delivery is made", async () => {
    await configureSlack(john, { intent: "save", channel_id: "C0ALERTS01", summary_hour: "9" });
    const conv = await createConversationViaApi();
    await api(`/conversations/${conv.id}/messages`, { method: "POST", body: { body: "Hello?", author: "contact" } });
    await api(`/conversations/${conv.id}/escalate`, { method: "POST", body: {} });
    await api(`/conversations/${conv.id}`, { method: "PATCH", body: { status: "closed" } });
    await drain(slack);
    expect(slack.fake.calls("chat.postMessage")).toHaveLength(0);
    expect(slack.fake.calls("chat.update")).toHaveLength(0);
    expect(await slackDeliveries()).toHaveLength(0);
  });

  it("an escalation of a conversation that has no thread yet posts the parent first, then the alert in its thread", async () => {
    await configureSlack(john, { ...DEFAULT_SETTINGS, notify_new_conversations: "" });
    const conv = await createConversationViaApi();
    await drain(slack);
    expect(slack.fake.calls("chat.postMessage")).toHaveLength(0);
    await api(`/conversations/${conv.id}/escalate`, { method: "POST", body: {} });
    await drain(slack);
    const [parent, alert] = slack.fake.state.messages;
    expect(parent!.thread_ts).toBeNull();
    expect(alert!.thread_ts).toBe(parent!.ts);
    expect(alert!.text).toContain("Escalated");
  });

  it("a Slack 429 is retried after its Retry-After, then posts once", async () => {
    await configureSlack(john);
    slack.fake.rateLimitNext("chat.postMessage", 42);
    await createConversationViaApi();
    const retries = await drain(slack);
    expect(retries).toHaveLength(1);
    expect(retries[0]!.delay).toBeGreaterThanOrEqual(42);
    const [row] = await slackDeliveries();
    expect(row).toMatchObject({ status: "pending", attempts: 1, last_status_code: 429 });
    expect(row!.next_attempt_at - Date.now()).toBeGreaterThan(40_000);
    expect(slack.fake.state.messages).toHaveLength(0);

    const { deliveryDeps } = await import("~/lib/deps.server");
    const { handleDelivery } = await import("~/lib/webhooks/consumer.server");
    const again = await handleDelivery(
      await deliveryDeps(env, { fetch: slack.fetch, random: () => 0.5, deliverers: registryDeliverers() }),
      row!.id,
    );
    expect(again.retry).toBeNull();
    expect(slack.fake.state.messages).toHaveLength(1);
    expect((await slackDeliveries())[0]).toMatchObject({ status: "succeeded", attempts: 2 });
    const attempts = await env.DB.prepare("SELECT status_code FROM delivery_attempts WHERE delivery_id = ? ORDER BY n")
      .bind(row!.id)
      .all<{ status_code: number }>();
    expect(attempts.results.map((a) => a.status_code)).toEqual([429, 200]);
  });

  it("a revoked token (token_revoked) marks the connection needs_reauth and stops the delivery", async () => {
    await configureSlack(john);
    slack.fake.state.revoked.has = () => true;
    await createConversationViaApi();
    expect(await drain(slack)).toEqual([]);
    expect((await slackDeliveries())[0]).toMatchObject({ status: "failed" });
    const conn = await slackConnection();
    expect(conn).toMatchObject({ status: "needs_reauth" });
    expect(conn!.last_error).toContain("token_revoked");
  });
});

describe("Slack disconnect", () => {
  it("revokes the token with auth.revoke, deletes the token, the settings, the thread map, and ends pending Slack deliveries", async () => {
    await configureSlack(john);
    const conv = await createConversationViaApi();
    await drain(slack);
    const conn = await slackConnection();
    expect(await env.KV.get(credentialsKey(conn!.id))).toBeTruthy();
    // one more notification, still pending when the admin disconnects
    await api(`/conversations/${conv.id}/escalate`, { method: "POST", body: {} });
    const { createDb } = await import("~/lib/db/client");
    const { dispatchEvent } = await import("~/lib/events/consumer.server");
    const msg = slack.events.sent.shift() as { eventId: string };
    await dispatchEvent(
      {
        db: createDb(env.DB),
        deliveriesQueue: { send: async () => {}, sendBatch: async () => {} } as unknown as Queue,
        now: new Date(),
        subscribers: [registrySubscriber(env)],
      },
      msg.eventId,
    );
    expect((await slackDeliveries()).map((d) => d.status)).toEqual(["succeeded", "pending"]);

    const page = await html(await john.get("/integrations/slack/disconnect"));
    for (const line of ["Stop all notifications", "Remove reply from Slack feature", "Delete channel configuration"])
      expect(page).toContain(line);
    expect((await john.post("/integrations/slack/disconnect", { intent: "disconnect" })).status).toBe(302);

    expect(slack.fake.calls("auth.revoke")).toHaveLength(1);
    expect(await slackConnection()).toBeNull();
    expect(await env.KV.get(credentialsKey(conn!.id))).toBeNull();
    expect(
      (await env.DB.prepare("SELECT COUNT(*) AS n FROM slack_threads WHERE company_id = ?").bind(ACME.id).first<{ n: number }>())!.n,
    ).toBe(0);
    const rows = await slackDeliveries();
    expect(rows.map((d) => d.status)).toEqual(["succeeded", "failed"]);
    expect(rows[1]!.last_error).toBe("Slack was disconnected.");
  });
});
