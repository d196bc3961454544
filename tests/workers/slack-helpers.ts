import { env } from "cloudflare:test";
import { expect, vi } from "vitest";
import { createDb } from "~/lib/db/client";
import { deliveryDeps } from "~/lib/deps.server";
import type { DeliveriesMessage, Env, EventsMessage } from "~/lib/env";
import { dispatchEvent } from "~/lib/events/consumer.server";
import { registryDeliverers, registrySubscriber } from "~/lib/integrations/pipeline.server";
import { handleDelivery } from "~/lib/webhooks/consumer.server";
// @ts-ignore: plain JS module shared with the Node provider sandbox
import { createSlackFake } from "../../scripts/sandbox/slack.mjs";
import type { BrowserClient } from "../helpers/browser-client";

export const SLACK_ENV = {
  SLACK_OAUTH_BASE: "https://slack.fake.test",
  SLACK_API_BASE: "https://slack.fake.test/api",
  SLACK_CLIENT_ID: "slack-client",
  SLACK_CLIENT_SECRET: "slack-secret",
  SLACK_SIGNING_SECRET: "test-signing-secret",
  APP_BASE_URL: "https://app.test",
};

export type SlackCall = { method: string; args: Record<string, any>; status: number };
export type SlackFake = {
  state: {
    messages: {
      channel: string;
      ts: string;
      thread_ts: string | null;
      text: string;
      blocks: any[] | null;
      reply_broadcast: boolean;
      updated?: boolean;
    }[];
    revoked: Set<string>;
    calls: SlackCall[];
  };
  calls: (method?: string) => SlackCall[];
  rateLimitNext: (method: string, seconds: number) => void;
  handle: (request: Request) => Promise<Response>;
};

function collectingQueue<T>() {
  const sent: T[] = [];
  const queue = {
    send: async (body: T) => void sent.push(body),
    sendBatch: async (msgs: Iterable<{ body: T }>) => {
      for (const m of msgs) sent.push(m.body);
    },
  } as unknown as Queue<T>;
  return { queue, sent };
}

/**
 * Slack's Web API answered in-process by the sandbox's fake (through a stubbed global fetch, which
 * the Worker under SELF shares), and the EVENTS queue replaced by a collector so each test pumps
 * the pipeline itself: nothing runs in the background.
 */
export function installSlack() {
  Object.assign(env, SLACK_ENV);
  const fake = createSlackFake() as SlackFake;
  const realFetch = globalThis.fetch;
  const fetchFn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (new URL(request.url).hostname === "slack.fake.test") return fake.handle(request);
    return realFetch(request);
  });
  vi.stubGlobal("fetch", fetchFn);
  const events = collectingQueue<EventsMessage>();
  const original = env.EVENTS;
  (env as Env).EVENTS = events.queue as Queue<EventsMessage>;
  return { fake, events, fetch: fetchFn as unknown as typeof fetch, restore: () => void ((env as Env).EVENTS = original) };
}

export type Installed = ReturnType<typeof installSlack>;

/** Runs the events fan-out and one attempt per delivery, until nothing is left; returns retry decisions. */
export async function drain(slack: Installed, { now = new Date() }: { now?: Date } = {}) {
  const db = createDb(env.DB);
  const deliveries = collectingQueue<DeliveriesMessage>();
  const retries: { deliveryId: string; delay: number }[] = [];
  while (slack.events.sent.length) {
    const msg = slack.events.sent.shift()!;
    if ("eventId" in msg)
      await dispatchEvent({ db, deliveriesQueue: deliveries.queue, now, subscribers: [registrySubscriber(env as Env)] }, msg.eventId);
  }
  const deps = await deliveryDeps(env as Env, { fetch: slack.fetch, random: () => 0.5, deliverers: registryDeliverers() });
  // Parents first, as the real queue would usually deliver them: later events wait for the thread.
  for (const id of [...deliveries.sent.map((d) => d.deliveryId)].sort()) {
    const decision = await handleDelivery(deps, id);
    if (decision.retry !== null) retries.push({ deliveryId: id, delay: decision.retry });
  }
  return retries;
}

export async function connectSlack(client: BrowserClient) {
  const start = await client.post("/integrations/slack/connect", { intent: "oauth" });
  expect(start.status).toBe(302);
  const state = new URL(start.headers.get("Location")!).searchParams.get("state");
  const cb = await client.get(`/integrations/slack/callback?code=good-code&state=${state}`);
  expect(cb.status).toBe(302);
}

export const DEFAULT_SETTINGS = {
  intent: "save",
  channel_id: "C0ALERTS01",
  notify_new_conversations: "on",
  notify_escalations: "on",
  daily_summary: "on",
  summary_hour: "9",
  allow_replies: "on",
};

export async function configureSlack(client: BrowserClient, fields: Record<string, string> = DEFAULT_SETTINGS) {
  const res = await client.post("/integrations/slack/configure", fields);
  expect(res.status, await res.clone().text()).toBe(302);
}

export async function slackConnection(companyId = "co_acme") {
  return env.DB.prepare("SELECT * FROM connections WHERE company_id = ? AND provider = 'slack'")
    .bind(companyId)
    .first<Record<string, any>>();
}

export async function resetTables() {
  for (const t of [
    "connections",
    "audit_log",
    "deliveries",
    "delivery_attempts",
    "events",
    "messages",
    "conversations",
    "slack_threads",
    "inbound_receipts",
    "webhook_endpoints",
    "slack_summaries",
    "dead_letters",
  ]) {
    await env.DB.prepare(`DELETE FROM ${t}`).run();
  }
}
