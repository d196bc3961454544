import { createExecutionContext, createScheduledController, env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sweepHealthAlerts } from "~/lib/alerts/alerts.server";
import { mailerFromEnv } from "~/lib/alerts/mailer.server";
import { notifyDueAlerts } from "~/lib/alerts/notify.server";
import { runScheduled } from "~/lib/cron.server";
import { createDb } from "~/lib/db/client";
import { deliveryDeps } from "~/lib/deps.server";
import type { Env } from "~/lib/env";
import { markRefused } from "~/lib/integrations/connections.server";
import { autoDisableFailingEndpoints } from "~/lib/webhooks/auto-disable.server";
import { handleDelivery } from "~/lib/webhooks/consumer.server";
import { reenableEndpoint } from "~/lib/webhooks/endpoints.server";
// @ts-ignore: plain JS module shared with the Node provider sandbox
import { createMailSinkFake } from "../../scripts/sandbox/mail.mjs";
import { type BrowserClient, signIn } from "../helpers/browser-client";
import { ACME, GLOBEX } from "../helpers/seed";
import { simple } from "./email-fixtures";
import { deliver, enableAcme } from "./email-helpers";
import { configureSlack, connectSlack, DEFAULT_SETTINGS, type Installed, installSlack, resetTables } from "./slack-helpers";
import { consumerOverrides, endpointDeps, makeDelivery, makeEndpoint, scriptedFetch } from "./webhook-fixtures";

/**
 * Issue 18 item 4 (ADR 0110): a connection that needs reconnecting, a webhook endpoint failing for
 * an hour or auto-disabled, and the forwarding address refusing mail each open one alert; the
 * admins get one email (the sandbox's mail sink, selected by ALERT_EMAIL_SINK_URL) and, with Slack
 * connected, one Slack message (the sandbox's Slack fake) per problem and day; the Integrations
 * page shows a banner until the problem is resolved.
 */

type MailMessage = { from: { email: string; name: string }; to: string[]; subject: string; text: string };
type MailFake = { state: { messages: MailMessage[] }; handle: (request: Request, path?: string) => Promise<Response> };

const db = () => createDb(env.DB);
const HOUR = 3600_000;
const DAY = 24 * HOUR;
let slack: Installed;
let mail: MailFake;
let john: BrowserClient;

beforeEach(async () => {
  slack = installSlack();
  mail = createMailSinkFake() as MailFake;
  Object.assign(env, { ALERT_EMAIL_SINK_URL: "https://mail.fake.test/mail/send" });
  const slackFetch = globalThis.fetch;
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.hostname === "mail.fake.test") return mail.handle(request, url.pathname.replace(/^\/mail/, ""));
    return slackFetch(request);
  });
  john = await signIn(ACME.adminEmail);
  await connectSlack(john);
  await configureSlack(john, { ...DEFAULT_SETTINGS, daily_summary: "" });
});

afterEach(async () => {
  slack.restore();
  vi.unstubAllGlobals();
  await resetTables();
  await env.DB.prepare("DELETE FROM health_alerts").run();
});

const alertPosts = () => slack.fake.calls("chat.postMessage").filter((c) => String(c.args.text ?? "").startsWith("Health alert"));

async function alert(problemKey: string, companyId = ACME.id) {
  return env.DB.prepare("SELECT * FROM health_alerts WHERE company_id = ? AND problem_key = ?")
    .bind(companyId, problemKey)
    .first<{ opened_at: number; resolved_at: number | null; last_notified_day: string | null; detail: string | null }>();
}

/** The cron's alerts job as the Worker runs it (sweep, then the day's notifications). */
async function alertsTick(now: Date) {
  await sweepHealthAlerts({ db: db(), now });
  return notifyDueAlerts({ db: db(), kv: env.KV, env: env as Env, fetch: (i, init) => fetch(i, init), now });
}

async function insertConnection(provider: string) {
  const now = Date.now();
  await env.DB.prepare(
    "INSERT INTO connections (id, company_id, provider, status, account_label, connected_by, connected_by_email, connected_at, config, updated_at) VALUES (?, ?, ?, 'connected', 'Acme', 'usr_john', 'john@acme.com', ?, '{}', ?)",
  )
    .bind(`conn_alert_${provider}`, ACME.id, provider, now, now)
    .run();
  return { id: `conn_alert_${provider}`, companyId: ACME.id };
}

async function banner(client: BrowserClient, path = "/integrations") {
  const res = await client.get(path);
  expect(res.status).toBe(200);
  const html = await res.text();
  const m = html.match(/<section aria-labelledby="health-alerts-heading"[\s\S]*?<\/section>/);
  return m ? m[0] : null;
}

const SECRET_SHAPES = [/xox[abp]-/, /Bearer\s/i, /whsec_/, /sk_live_/, /sandbox_/, /access_token/i, /abc123secret/];

describe("a connection that needs reconnecting", () => {
  it("opens its alert in the same write as needs_reauth; two concurrent cron runs send one email to the admins and one Slack message", async () => {
    const hubspot = await insertConnection("hubspot");
    const now = new Date();
    await markRefused({ db: db(), connection: hubspot, now, name: "HubSpot" });
    const row = await alert("connection:hubspot");
    expect(row).toMatchObject({ resolved_at: null, last_notified_day: null });
    expect(row!.detail).toContain("HubSpot refused our access");

    const runs = await Promise.all([alertsTick(now), alertsTick(now)]);
    expect(runs.flatMap((r) => r.notified)).toEqual([`${ACME.id}/connection:hubspot`]);
    expect(mail.state.messages).toHaveLength(1);
    const email = mail.state.messages[0]!;
    expect(email.to).toEqual(["john@acme.com"]); // admins only: Sarah is an agent
    expect(email.from.email).toBe("alerts@chat.buzzi.ai");
    expect(email.subject).toBe("[Acme Corporation] HubSpot needs reconnecting");
    expect(email.text).toContain("Reconnect HubSpot: https://app.test/integrations/hubspot/connect");
    expect(email.text).toContain("HubSpot refused our access (HTTP 401)");
    expect(alertPosts()).toHaveLength(1);
    const post = alertPosts()[0]!;
    expect(post.args.channel).toBe("C0ALERTS01");
    expect(JSON.stringify(post.args.blocks)).toContain("https://app.test/integrations/hubspot/connect");
    for (const shape of SECRET_SHAPES) {
      expect(email.text).not.toMatch(shape);
      expect(JSON.stringify(post.args)).not.toMatch(shape);
    }
    expect((await alert("connection:hubspot"))!.last_notified_day).toBe(now.toISOString().slice(0, 10));
  });

  it("a second trigger the same day sends nothing more; the next day, still open, sends one more of each; once reconnected, none and the banner is gone", async () => {
    const hubspot = await insertConnection("hubspot");
    const now = new Date();
    await markRefused({ db: db(), connection: hubspot, now, name: "HubSpot" });
    await alertsTick(now);
    await markRefused({ db: db(), connection: hubspot, now: new Date(now.getTime() + 60_000), name: "HubSpot" });
    await alertsTick(new Date(now.getTime() + 120_000));
    expect(mail.state.messages).toHaveLength(1);
    expect(alertPosts()).toHaveLength(1);

    const section = await banner(john);
    expect(section).toContain("1 problem needs attention");
    expect(section).toContain("HubSpot needs reconnecting");
    expect(section).toContain('href="/integrations/hubspot/connect"');
    // every tab of the Integrations page shows it
    expect(await banner(john, "/integrations/developers")).toContain("HubSpot needs reconnecting");
    // another company's admin never sees it
    expect(await banner(await signIn(GLOBEX.adminEmail))).toBeNull();

    const tomorrow = new Date(now.getTime() + DAY);
    await Promise.all([alertsTick(tomorrow), alertsTick(tomorrow)]);
    expect(mail.state.messages).toHaveLength(2);
    expect(alertPosts()).toHaveLength(2);

    await env.DB.prepare("UPDATE connections SET status = 'connected' WHERE id = ?").bind(hubspot.id).run();
    const dayAfter = new Date(now.getTime() + 2 * DAY);
    await alertsTick(dayAfter);
    expect((await alert("connection:hubspot"))!.resolved_at).toBe(dayAfter.getTime());
    expect(mail.state.messages).toHaveLength(2);
    expect(alertPosts()).toHaveLength(2);
    expect(await banner(john)).toBeNull();
  });

  it("the Worker's cron runs the alerts job: the problem found by the sweep is notified on the same tick", async () => {
    await insertConnection("pipedrive");
    await env.DB.prepare(
      "UPDATE connections SET status = 'needs_reauth', last_error = 'Access was revoked.' WHERE id = 'conn_alert_pipedrive'",
    ).run();
    const ctx = createExecutionContext();
    await runScheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), env as Env, ctx);
    expect(await alert("connection:pipedrive")).toMatchObject({ resolved_at: null, detail: "Access was revoked." });
    expect(mail.state.messages.map((m) => m.subject)).toEqual(["[Acme Corporation] Pipedrive needs reconnecting"]);
    expect(alertPosts()).toHaveLength(1);
  });
});

describe("a webhook endpoint", () => {
  it("failing for an hour opens an alert at the sweep (not before); the email names its host, never its path or query; a success resolves it", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/in/abc123secret?token=abc123secret" });
    const now = new Date();
    const setFailing = (sinceMs: number) =>
      env.DB.prepare("UPDATE webhook_endpoints SET failing_since = ?, last_failure_at = ? WHERE id = ?")
        .bind(now.getTime() - sinceMs, now.getTime() - 60_000, endpoint.id)
        .run();
    await setFailing(50 * 60_000);
    await alertsTick(now);
    expect(await alert(`endpoint_failing:${endpoint.id}`)).toBeNull();
    await setFailing(61 * 60_000);
    await Promise.all([alertsTick(now), alertsTick(now)]);
    expect(await alert(`endpoint_failing:${endpoint.id}`)).toMatchObject({ resolved_at: null });
    expect(mail.state.messages).toHaveLength(1);
    expect(mail.state.messages[0]!.subject).toBe(
      "[Acme Corporation] Webhook endpoint “test” (hooks.example.com) has failed for over an hour",
    );
    for (const shape of SECRET_SHAPES) expect(mail.state.messages[0]!.text).not.toMatch(shape);
    expect(alertPosts()).toHaveLength(1);
    expect(await banner(john)).toContain(`href="/integrations/developers/webhooks/${endpoint.id}"`);

    // the receiver answers again: the attempt that succeeds resolves the alert in its own batch
    const { deliveryId } = await makeDelivery(endpoint.id);
    await handleDelivery(await deliveryDeps(env as Env, consumerOverrides(scriptedFetch([new Response("ok")]).fetch)), deliveryId);
    expect((await alert(`endpoint_failing:${endpoint.id}`))!.resolved_at).not.toBeNull();
    expect(await banner(john)).toBeNull();
  });

  it("auto-disabled opens its alert in the disabling transaction; re-enabling resolves it and nothing more is sent", async () => {
    const { endpoint } = await makeEndpoint();
    const now = new Date();
    await env.DB.prepare("UPDATE webhook_endpoints SET failing_since = ?, last_failure_at = ? WHERE id = ?")
      .bind(now.getTime() - 5 * DAY - 60_000, now.getTime() - 60_000, endpoint.id)
      .run();
    expect(await autoDisableFailingEndpoints({ db: db(), now })).toEqual([endpoint.id]);
    expect(await alert(`endpoint_disabled:${endpoint.id}`)).toMatchObject({ resolved_at: null, opened_at: now.getTime() });
    await alertsTick(now);
    expect(mail.state.messages.map((m) => m.subject)).toEqual([
      "[Acme Corporation] Webhook endpoint “test” (hooks.example.com) was turned off",
    ]);
    expect(await banner(john)).toContain("Fix and re-enable it");

    const reenabledAt = new Date(now.getTime() + 60_000);
    await reenableEndpoint(await endpointDeps(ACME.id, reenabledAt), endpoint.id);
    expect((await alert(`endpoint_disabled:${endpoint.id}`))!.resolved_at).toBe(reenabledAt.getTime());
    await alertsTick(new Date(now.getTime() + DAY));
    expect(mail.state.messages).toHaveLength(1);
    expect(alertPosts()).toHaveLength(1);
    expect(await banner(john)).toBeNull();
  });
});

describe("the email forwarding address", () => {
  it("refusing mail the company wants opens an alert; a spam-like refusal does not; the next accepted email resolves it", async () => {
    await enableAcme();
    // mail looping back from our own domain is the mailbox working: no alert
    const loop = await deliver(simple({ messageId: "<loop-1@x>", from: "support@acme.chat.buzzi.ai" }), {
      from: "support@acme.chat.buzzi.ai",
    });
    expect(loop.rejected).not.toBeNull();
    expect(await alert("channel_refusing:email-forwarding")).toBeNull();

    // a company user's mail that fails authentication is refused: the mailbox turns away mail it should take
    const spoofed = await deliver(simple({ messageId: "<user-1@x>", from: "John Carter <john@acme.com>" }), {
      from: "john@acme.com",
      auth: "none",
    });
    expect(spoofed.rejected).toContain("claims to be a user of this company");
    expect(await alert("channel_refusing:email-forwarding")).toMatchObject({ resolved_at: null });
    await Promise.all([alertsTick(new Date()), alertsTick(new Date())]);
    expect(mail.state.messages.map((m) => m.subject)).toEqual(["[Acme Corporation] Email Forwarding is refusing mail"]);
    expect(mail.state.messages[0]!.text).toContain("https://app.test/integrations/email-forwarding/configure");
    expect(alertPosts()).toHaveLength(1);
    expect(await banner(john)).toContain("Email Forwarding is refusing mail");

    const accepted = await deliver(simple({ messageId: "<ok-1@x>" }), { from: "jane@customer.example", now: new Date(Date.now() + 1000) });
    expect(accepted.outcome.status).toBe("created");
    expect((await alert("channel_refusing:email-forwarding"))!.resolved_at).not.toBeNull();
    expect(await banner(john)).toBeNull();
  });
});

describe("delivery of the notification", () => {
  it("when every channel fails (the mail sink and Slack both down), the claim is given back so the next tick tries again", async () => {
    const hubspot = await insertConnection("hubspot");
    const now = new Date();
    await markRefused({ db: db(), connection: hubspot, now, name: "HubSpot" });
    // the mail sink refuses, and Slack is rate limited: every channel failed, so the claim is released
    vi.stubGlobal("fetch", async () => new Response("down", { status: 503 }));
    const failed = await alertsTick(now);
    expect(failed.failed).toEqual([`${ACME.id}/connection:hubspot`]);
    expect((await alert("connection:hubspot"))!.last_notified_day).toBeNull();
  });
});

describe("the mailer", () => {
  it("with a send_email binding, sends the structured message through it (and never POSTs to the sink)", async () => {
    const sent: unknown[] = [];
    const binding = { send: async (m: unknown) => (sent.push(m), { messageId: "<m1@cf>" }) } as unknown as SendEmail;
    const posted: string[] = [];
    const mailer = mailerFromEnv(
      { ...(env as Env), SEND_EMAIL: binding },
      async (input) => (posted.push(String(input)), new Response("ok")),
    );
    await mailer!({ from: { email: "alerts@chat.buzzi.ai", name: "Integrations Hub" }, to: ["john@acme.com"], subject: "S", text: "T" });
    expect(sent).toEqual([
      { from: { email: "alerts@chat.buzzi.ai", name: "Integrations Hub" }, to: ["john@acme.com"], subject: "S", text: "T" },
    ]);
    expect(posted).toEqual([]);
    // neither a binding nor a sink: no mailer, the banner and Slack remain
    expect(mailerFromEnv({ ...(env as Env), SEND_EMAIL: undefined, ALERT_EMAIL_SINK_URL: undefined }, fetch)).toBeNull();
  });
});
