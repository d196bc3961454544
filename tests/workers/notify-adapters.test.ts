import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDb } from "~/lib/db/client";
import type { Env } from "~/lib/env";
import { discordAdapter } from "~/lib/integrations/discord";
import { escapeDiscord } from "~/lib/integrations/discord/embed";
import { teamsAdapter } from "~/lib/integrations/microsoft-teams";
import { loadCredential } from "~/lib/integrations/pipeline.server";
import { signIn } from "../helpers/browser-client";
import { ACME } from "../helpers/seed";
import { api } from "./api-client";
import { closeConversation, connectionRow, deliveryRows, escalate, newConversation, pump, resetTables, retry } from "./crm-helpers";
import { connectViaOAuth } from "./fake-provider";
import { installNotifyFakes, TEAMS_URL } from "./notify-helpers";

let installed: ReturnType<typeof installNotifyFakes>;
beforeEach(async () => {
  await resetTables();
  installed = installNotifyFakes();
});
afterEach(() => {
  installed.restore();
  vi.unstubAllGlobals();
});

const kvKeys = async () => (await env.KV.list({ prefix: "conn_tokens:" })).keys.length;
const connectionOf = (provider: string) =>
  createDb(env.DB).query.connections.findFirst({ where: (c, { and, eq }) => and(eq(c.companyId, "co_acme"), eq(c.provider, provider)) });
const teams = () => installed.fakes.teams.snapshot() as { workflows: { posts: { runId: string; card: any; text: string }[] }[] };
const teamsPosts = () => teams().workflows[0]!.posts;
const discordMessages = () =>
  (installed.fakes.discord.snapshot() as { webhooks: { messages: Record<string, any>[] }[] }).webhooks.flatMap((w) => w.messages);
const segment = () => installed.fakes.segment.snapshot() as { events: Record<string, any>[]; dropped: number; deduplicated: number };
const ga4 = () => installed.fakes.ga4.snapshot() as { hits: Record<string, any>[]; dropped: unknown[] };
/** Puts succeeded deliveries back to pending (a redelivered queue message, or Retry), so `retry` runs them again. */
const rerun = async (ids: string[]) => {
  for (const id of ids) await env.DB.prepare("UPDATE deliveries SET status = 'pending' WHERE id = ?").bind(id).run();
  return retry(installed, ids);
};
const NASTY = "@everyone **urgent** <@123456789012345678> <@&222222222222222222> [click](https://evil.test) # heading <at>all</at>";

async function connectTeams(fields: Record<string, string> = { channel_name: "Support › Alerts", webhook_url: TEAMS_URL }) {
  return (await signIn(ACME.adminEmail)).post("/integrations/microsoft-teams/connect", { intent: "api_key", ...fields });
}

describe("Microsoft Teams adapter", () => {
  it("a URL that is not a Microsoft workflow, or whose signature Teams refuses, is a field error and saves nothing", async () => {
    const keysBefore = await kvKeys();
    const elsewhere = await connectTeams({ channel_name: "Alerts", webhook_url: "https://example.com/hook?sig=abc12345" });
    expect(elsewhere.status).toBe(400);
    expect(await elsewhere.text()).toContain("logic.azure.com");
    const loopback = await connectTeams({ channel_name: "Alerts", webhook_url: "http://127.0.0.1:9/workflows/x?sig=sandbox_teams_sig" });
    expect(loopback.status).toBe(400);
    const badSig = await connectTeams({ channel_name: "Alerts", webhook_url: TEAMS_URL.replace("sandbox_teams_sig", "wrong_sig_123") });
    expect(badSig.status).toBe(400);
    expect(await badSig.text()).toContain("Teams refused this URL&#x27;s signature");
    expect(await connectionRow("microsoft-teams")).toBeNull();
    expect(await kvKeys()).toBe(keysBefore);
    expect(teamsPosts()).toHaveLength(0);
  });

  it("connecting posts one test card and keeps the URL encrypted, never on the row", async () => {
    expect((await connectTeams()).status).toBe(302);
    const row = await connectionRow("microsoft-teams");
    expect(row).toMatchObject({ status: "connected", account_label: "Support › Alerts" });
    expect(row!.last_success_at).toBeNull();
    expect(JSON.stringify(row)).not.toContain("sandbox_teams_sig");
    expect(teamsPosts().map((p) => p.text)).toEqual([expect.stringContaining("Integrations Hub is connected")]);
    expect(JSON.stringify(installed.fakes.teams.calls())).not.toContain("sandbox_teams_sig");
  });

  it("a new conversation is one Adaptive Card (same event twice); customer text only in plain TextRuns; the escalation links to the conversation", async () => {
    await connectTeams();
    const id = await newConversation({ name: "Pat **Lee**", subject: NASTY, message: NASTY });
    const first = await pump(installed);
    expect(first).toHaveLength(1);
    await rerun(first.map((d) => d.deliveryId));
    await escalate(id, "Wants a **refund** @everyone");
    await pump(installed);
    const posts = teamsPosts().slice(1);
    expect(posts).toHaveLength(2);
    const [created, escalated] = posts.map((p) => p.card);
    expect(created.body[0]).toMatchObject({ type: "TextBlock", text: "New conversation" });
    expect(created.actions).toEqual([{ type: "Action.OpenUrl", title: "Open conversation", url: `http://localhost/conversations/${id}` }]);
    expect(escalated.body[0]).toMatchObject({ type: "TextBlock", text: "Escalated to a human" });
    expect(escalated.actions[0].url).toBe(`http://localhost/conversations/${id}`);
    // Customer text appears verbatim, and only inside TextRuns (Teams shows them as plain text).
    const markdownParts = JSON.stringify([created, escalated].map((c) => c.body.filter((e: any) => e.type === "TextBlock")));
    expect(markdownParts).not.toContain("everyone");
    expect(markdownParts).not.toContain("refund");
    expect(posts[0]!.text).toContain(NASTY);
    expect(posts[1]!.text).toContain("Wants a **refund** @everyone");
    const rows = await deliveryRows("microsoft-teams");
    expect(rows.map((r) => [r.event_type, r.status])).toEqual([
      ["conversation.created", "succeeded"],
      ["escalation.triggered", "succeeded"],
    ]);
    expect(rows[0]!.summary).toContain("Already sent");
  });

  it("the toggles decide: escalations off → no escalation delivery", async () => {
    await connectTeams();
    const client = await signIn(ACME.adminEmail);
    const saved = await client.post("/integrations/microsoft-teams/configure", {
      notify_new_conversations: "on",
      daily_summary: "on",
      summary_hour: "9",
    });
    expect(saved.status).toBe(302);
    await escalate(await newConversation());
    await pump(installed);
    expect((await deliveryRows("microsoft-teams")).map((r) => r.event_type)).toEqual(["conversation.created"]);
    const bad = await client.post("/integrations/microsoft-teams/configure", { summary_hour: "25" });
    expect(bad.status).toBe(400);
  });

  it("429 honours Retry-After; a signature Teams refuses (401) → Reconnect", async () => {
    await connectTeams();
    installed.fakes.teams.inject({ method: "POST", status: 429, retryAfter: 7 });
    await newConversation();
    const [d] = await pump(installed);
    expect(d!.retry).toBe(7);
    installed.fakes.teams.credentials.revoked.add("sandbox_teams_sig");
    await retry(installed, [d!.deliveryId]);
    expect(await connectionRow("microsoft-teams")).toMatchObject({ status: "needs_reauth" });
  });

  it("the daily summary is posted once per local day after the chosen hour", async () => {
    await connectTeams();
    await newConversation();
    const row = (await connectionOf("microsoft-teams"))!;
    const deps = { db: createDb(env.DB), kv: env.KV, env: env as Env, fetch: installed.fetch };
    const credential = await loadCredential({ ...deps, now: () => new Date() }, teamsAdapter, row);
    const tick = (now: Date) =>
      teamsAdapter.cron!({ ...deps, now, connections: async () => [{ row, credential, context: {}, settings: {} }] });
    const tomorrow = new Date(Date.now() + 86_400_000);
    await tick(new Date(Date.UTC(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth(), tomorrow.getUTCDate(), 5)));
    expect(teamsPosts()).toHaveLength(1);
    const at10 = new Date(Date.UTC(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth(), tomorrow.getUTCDate(), 10));
    await tick(at10);
    await tick(new Date(at10.getTime() + 60_000));
    expect(teamsPosts()).toHaveLength(2);
    expect(teamsPosts()[1]!.text).toContain("New conversations: 1");
  });
});

describe("Discord adapter", () => {
  it("connecting through webhook.incoming keeps the webhook (token encrypted), shows the channel, and asks for no other scope", async () => {
    const john = await signIn(ACME.adminEmail);
    const start = await john.post("/integrations/discord/connect", { intent: "oauth" });
    expect(new URL(start.headers.get("Location")!).searchParams.get("scope")).toBe("webhook.incoming");
    await connectViaOAuth(john, "discord");
    const row = await connectionRow("discord");
    expect(row).toMatchObject({ status: "connected" });
    expect(JSON.parse(row!.context)).toEqual({
      webhook_id: expect.any(String),
      channel_id: "1100000000000000042",
      guild_id: "1100000000000000001",
    });
    expect(JSON.stringify(row)).not.toContain("sandbox_dwh_");
    const cards = await (await john.get("/integrations")).text();
    expect(cards).toContain("Posting to channel 1100000000000000042");
  });

  it("a webhook Discord does not accept at connect saves nothing", async () => {
    installed.restore();
    vi.unstubAllGlobals();
    installed = installNotifyFakes({ discordWebhook: (hook) => ({ ...hook, token: "not_the_token" }) });
    const keysBefore = await kvKeys();
    const john = await signIn(ACME.adminEmail);
    const start = await john.post("/integrations/discord/connect", { intent: "oauth" });
    const state = new URL(start.headers.get("Location")!).searchParams.get("state");
    const done = await john.get(`/integrations/discord/callback?code=good-code&state=${state}`);
    expect(done.status).not.toBe(302);
    expect(await connectionRow("discord")).toBeNull();
    expect(await kvKeys()).toBe(keysBefore);
  });

  it("posts one embed per event with ?wait=true (same event twice), escaped, with allowed_mentions none: nobody is pinged", async () => {
    await connectViaOAuth(await signIn(ACME.adminEmail), "discord");
    const id = await newConversation({ name: "Pat", subject: NASTY, message: NASTY });
    const first = await pump(installed);
    await rerun(first.map((d) => d.deliveryId));
    await escalate(id, "@here please");
    await pump(installed);
    const messages = discordMessages();
    expect(messages).toHaveLength(2);
    for (const m of messages)
      expect(m).toMatchObject({ mention_everyone: false, mentions: [], mention_roles: [], allowed_mentions: { parse: [] } });
    const [created, escalated] = messages.map((m) => m.embeds[0]);
    expect(created).toMatchObject({
      title: "New conversation",
      url: `http://localhost/conversations/${id}`,
      description: escapeDiscord(NASTY),
    });
    expect(created.description).not.toMatch(/@everyone|<@\d|<@&\d|\[click\]\(/);
    expect(escalated.title).toBe("Escalated to a human");
    expect(escalated.fields).toContainEqual({ name: "Reason", value: escapeDiscord("@here please"), inline: false });
    expect(escalated.fields).toContainEqual({
      name: "Conversation",
      value: `[Open conversation](http://localhost/conversations/${id})`,
      inline: false,
    });
    const posts = installed.fakes.discord.calls().filter((c) => c.method === "POST");
    expect(posts.every((c) => c.query.wait === "true" && c.path.endsWith("/[token]"))).toBe(true);
    const rows = await deliveryRows("discord");
    expect(rows.map((r) => r.status)).toEqual(["succeeded", "succeeded"]);
    expect(rows[0]!.remote_url).toMatch(/^https:\/\/discord\.fake\.test\/channels\/1100000000000000001\/1100000000000000042\/\d+$/);
  });

  it("429 honours Retry-After; an invalid webhook token (401) → Reconnect; a deleted webhook (404 10015) → Reconnect", async () => {
    await connectViaOAuth(await signIn(ACME.adminEmail), "discord");
    installed.fakes.discord.inject({ method: "POST", status: 429, retryAfter: 8 });
    await newConversation();
    const [d] = await pump(installed);
    expect(d!.retry).toBe(8);
    const row = (await connectionOf("discord"))!;
    const creds = await loadCredential(
      { db: createDb(env.DB), kv: env.KV, env: env as Env, fetch, now: () => new Date() },
      discordAdapter,
      row,
    );
    installed.fakes.discord.credentials.revoked.add(creds.fields!.webhook_token!);
    await retry(installed, [d!.deliveryId]);
    expect(await connectionRow("discord")).toMatchObject({ status: "needs_reauth" });

    await resetTables();
    await connectViaOAuth(await signIn(ACME.adminEmail), "discord");
    (installed.fakes.discord as any).state.webhooks.clear();
    await newConversation();
    await pump(installed);
    expect(await connectionRow("discord")).toMatchObject({
      status: "needs_reauth",
      last_error: expect.stringContaining("webhook was deleted"),
    });
  });
});

describe("Segment adapter", () => {
  const connectSegment = async (write_key = "sandbox_segment_wk") =>
    (await signIn(ACME.adminEmail)).post("/integrations/segment/connect", { intent: "api_key", source_name: "Website chat", write_key });

  it("a write key Segment does not know is a field error and saves nothing", async () => {
    const keysBefore = await kvKeys();
    const res = await connectSegment("unknown_write_key_1");
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Segment does not know this write key.");
    expect(await connectionRow("segment")).toBeNull();
    expect(await kvKeys()).toBe(keysBefore);
  });

  it("sends identify + Conversation Started, then Escalated and Closed, each with messageId = our event id; a retry is deduplicated", async () => {
    expect((await connectSegment()).status).toBe(302);
    const id = await newConversation({ email: "Pat@Example.com", name: "Pat Lee" });
    const first = await pump(installed);
    await rerun(first.map((d) => d.deliveryId));
    await escalate(id);
    await closeConversation(id);
    await pump(installed);
    const events = segment().events;
    const ids = await env.DB.prepare(
      "SELECT id, type FROM events WHERE type != 'message.received' AND type != 'conversation.updated' ORDER BY id",
    ).all<{
      id: string;
      type: string;
    }>();
    expect(events.map((e) => [e.type, e.event ?? null, e.messageId])).toEqual([
      ["identify", null, `${ids.results[0]!.id}-identify`],
      ["track", "Conversation Started", ids.results[0]!.id],
      ["track", "Conversation Escalated", ids.results[1]!.id],
      ["track", "Conversation Closed", ids.results[2]!.id],
    ]);
    expect(events[0]).toMatchObject({ userId: "pat@example.com", traits: { email: "pat@example.com", name: "Pat Lee" } });
    expect(events[2]!.properties).toEqual({
      conversation_id: id,
      channel: "api",
      status: "escalated",
      reason: "Customer asked for a human",
    });
    expect(segment().deduplicated).toBe(2);
    expect(JSON.stringify(events)).not.toContain("Where is my order");
  });

  it("429 honours Retry-After; a 401 (injected: Segment documents none) → Reconnect", async () => {
    await connectSegment();
    installed.fakes.segment.inject({ path: "/v1/batch", status: 429, retryAfter: 9 });
    await newConversation();
    const [d] = await pump(installed);
    expect(d!.retry).toBe(9);
    installed.fakes.segment.inject({ path: "/v1/batch", status: 401 });
    await retry(installed, [d!.deliveryId]);
    expect(await connectionRow("segment")).toMatchObject({ status: "needs_reauth" });
  });
});

describe("Google Analytics 4 adapter", () => {
  const connectGa = async (fields: Record<string, string> = { measurement_id: "G-SANDBOX01", api_secret: "sandbox_ga_secret" }) =>
    (await signIn(ACME.adminEmail)).post("/integrations/google-analytics/connect", { intent: "api_key", ...fields });
  const start = async (metadata?: Record<string, string>) => {
    const res = await api("/conversations", {
      method: "POST",
      body: { contact: { email: "gus@example.com" }, message: { body: "Hi" }, ...(metadata ? { metadata } : {}) },
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string; metadata: Record<string, string> }).id;
  };

  it("a malformed Measurement ID, or an event body the validation server refuses, saves nothing", async () => {
    const keysBefore = await kvKeys();
    const res = await connectGa({ measurement_id: "UA-12345-1", api_secret: "sandbox_ga_secret" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Measurement ID");
    installed.fakes.ga4.inject({
      path: "/debug/mp/collect",
      status: 200,
      body: { validationMessages: [{ fieldPath: "events", description: "Event is invalid.", validationCode: "VALUE_INVALID" }] },
    });
    const refused = await connectGa();
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("Event is invalid.");
    expect(await connectionRow("google-analytics")).toBeNull();
    expect(await kvKeys()).toBe(keysBefore);
    expect(installed.fakes.ga4.calls().map((c) => c.path)).toEqual(["/debug/mp/collect"]);
  });

  it("sends conversation_started with the widget's client id (once, same event twice); no client id → not sent, said in the activity", async () => {
    expect((await connectGa()).status).toBe(302);
    expect(installed.fakes.ga4.calls()[0]).toMatchObject({ path: "/debug/mp/collect", status: 200 });
    const id = await start({ ga_client_id: "1234567.89", ga_session_id: "1700000000" });
    const first = await pump(installed);
    await rerun(first.map((d) => d.deliveryId));
    await start();
    await pump(installed);
    expect(ga4().hits).toEqual([
      {
        measurementId: "G-SANDBOX01",
        clientId: "1234567.89",
        timestampMicros: expect.stringMatching(/^\d+$/),
        name: "conversation_started",
        params: { conversation_id: id, channel: "api", engagement_time_msec: 1, session_id: "1700000000" },
      },
    ]);
    const rows = await deliveryRows("google-analytics");
    expect(rows.map((r) => r.status)).toEqual(["succeeded", "failed"]);
    expect(rows[1]!.last_error).toContain("no Google Analytics client id");
    expect(JSON.stringify(installed.fakes.ga4.calls())).not.toContain("sandbox_ga_secret");
    const page = await (await signIn(ACME.adminEmail)).get("/integrations/google-analytics/configure");
    expect(await page.text()).toContain("no Google Analytics client id");
  });

  it("conversation metadata is set through /v1 and read back; a bad key or too long a value is a 400 and creates nothing", async () => {
    const created = await api("/conversations", {
      method: "POST",
      body: { contact: { email: "gus@example.com" }, message: { body: "Hi" }, metadata: { ga_client_id: "1.2" } },
    });
    const { id } = (await created.json()) as { id: string };
    expect(((await (await api(`/conversations/${id}`)).json()) as { metadata: unknown }).metadata).toEqual({ ga_client_id: "1.2" });
    for (const metadata of [{ "bad key": "x" }, { ga_client_id: "x".repeat(501) }]) {
      const res = await api("/conversations", {
        method: "POST",
        body: { contact: { email: "gus@example.com" }, message: { body: "Hi" }, metadata },
      });
      expect(res.status).toBe(400);
    }
    expect((await env.DB.prepare("SELECT count(*) AS n FROM conversations").first<{ n: number }>())!.n).toBe(1);
  });

  it("429 honours Retry-After; a 401 (injected: Google documents none) → Reconnect", async () => {
    await connectGa();
    installed.fakes.ga4.inject({ path: "/mp/collect", status: 429, retryAfter: 11 });
    await start({ ga_client_id: "555.1" });
    const [d] = await pump(installed);
    expect(d!.retry).toBe(11);
    installed.fakes.ga4.inject({ path: "/mp/collect", status: 401 });
    await retry(installed, [d!.deliveryId]);
    expect(await connectionRow("google-analytics")).toMatchObject({ status: "needs_reauth" });
  });
});

describe("what the screens promise", () => {
  it("the detail and success screens list exactly the adapter's features, and nothing as coming soon", async () => {
    const john = await signIn(ACME.adminEmail);
    for (const adapter of [teamsAdapter, discordAdapter]) {
      const page = (await (await john.get(`/integrations/available/${adapter.id}`)).text()).replaceAll("<!-- -->", "");
      for (const f of adapter.features) expect(page).toContain(`<li>${f}</li>`);
      expect(page).not.toContain("Coming soon");
    }
    expect((await connectTeams()).status).toBe(302);
    const success = (await (await john.get("/integrations/microsoft-teams/connected")).text()).replaceAll("<!-- -->", "");
    expect(success).toContain("What it does now:");
    for (const f of teamsAdapter.features) expect(success).toContain(`<li>${f}</li>`);
  });
});
