import { createExecutionContext, createMessageBatch, env, getQueueResult, SELF } from "cloudflare:test";
import { createHmac } from "node:crypto";
import { expect, vi } from "vitest";
import type { Env, EventsMessage } from "~/lib/env";
import { handleQueueBatch } from "~/lib/queues.server";
// @ts-ignore: plain JS module shared with the Node provider sandbox
import {
  createWhatsAppFake,
  SANDBOX_ACCESS_TOKEN,
  SANDBOX_APP_SECRET,
  SANDBOX_BUSINESS_ACCOUNT_ID,
  SANDBOX_PHONE_NUMBER_ID,
} from "../../scripts/sandbox/whatsapp.mjs";
import type { BrowserClient } from "../helpers/browser-client";

export { SANDBOX_ACCESS_TOKEN, SANDBOX_APP_SECRET, SANDBOX_BUSINESS_ACCOUNT_ID, SANDBOX_PHONE_NUMBER_ID };
export const WA_HOST = "whatsapp.fake.test";
export const WEBHOOK = "http://localhost/integrations/whatsapp-business/webhook";

export type WhatsAppFake = {
  state: {
    sent: { id: string; to: string; type: string; text: string | null; template: { name: string; language: { code: string } } | null }[];
  };
  calls: () => { method: string; path: string; body: any; status: number }[];
  inject: (rule: { status: number; retryAfter?: number; times?: number; path?: string }) => void;
  handle: (request: Request, path?: string) => Promise<Response>;
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

/** The Cloud API answered in-process by the sandbox's fake; EVENTS collected so each test pumps it. */
export function installWhatsApp() {
  (env as unknown as Record<string, unknown>).WHATSAPP_API_BASE = `https://${WA_HOST}`;
  const fake = createWhatsAppFake() as WhatsAppFake;
  const realFetch = globalThis.fetch;
  const fetchFn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (new URL(request.url).hostname === WA_HOST) return fake.handle(request);
    return realFetch(request);
  });
  vi.stubGlobal("fetch", fetchFn);
  const events = collectingQueue<EventsMessage>();
  const original = env.EVENTS;
  (env as Env).EVENTS = events.queue as Queue<EventsMessage>;
  return {
    fake,
    events,
    fetch: fetchFn as unknown as typeof fetch,
    restore: () => {
      (env as Env).EVENTS = original;
      vi.unstubAllGlobals();
    },
  };
}
export type InstalledWhatsApp = ReturnType<typeof installWhatsApp>;

export const connectFields = {
  phone_number_id: SANDBOX_PHONE_NUMBER_ID,
  business_account_id: SANDBOX_BUSINESS_ACCOUNT_ID,
  access_token: SANDBOX_ACCESS_TOKEN,
  app_secret: SANDBOX_APP_SECRET,
};

/** Connects through the real form (the connect-time check calls the fake). */
export async function connectWhatsApp(admin: BrowserClient, fields: Record<string, string> = connectFields) {
  return admin.post("/integrations/whatsapp-business/connect", { intent: "api_key", ...fields });
}

let counter = 0;
export function inboundText({
  text = "Hola, where is my order?",
  from = "14155550123",
  name = "Ana Lopez",
  id,
  phoneNumberId = SANDBOX_PHONE_NUMBER_ID,
}: {
  text?: string;
  from?: string;
  name?: string;
  id?: string;
  phoneNumberId?: string;
} = {}) {
  counter += 1;
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: SANDBOX_BUSINESS_ACCOUNT_ID,
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550100000", phone_number_id: phoneNumberId },
              contacts: [{ profile: { name }, wa_id: from }],
              messages: [
                {
                  from,
                  id: id ?? `wamid.TEST${counter}${Date.now()}`,
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  type: "text",
                  text: { body: text },
                },
              ],
            },
          },
        ],
      },
    ],
  };
}

export function statusUpdate(wamid: string, status: string, extra: Record<string, unknown> = {}) {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: SANDBOX_BUSINESS_ACCOUNT_ID,
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550100000", phone_number_id: SANDBOX_PHONE_NUMBER_ID },
              statuses: [{ id: wamid, status, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: "14155550123", ...extra }],
            },
          },
        ],
      },
    ],
  };
}

/** Signs like Meta does, with node:crypto (independent of the app's WebCrypto verifier). */
export function postSigned(
  payload: unknown,
  { secret = SANDBOX_APP_SECRET, signature }: { secret?: string; signature?: string | null } = {},
) {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const sig = signature === undefined ? `sha256=${createHmac("sha256", secret).update(body).digest("hex")}` : signature;
  if (sig !== null) headers["X-Hub-Signature-256"] = sig;
  return SELF.fetch(WEBHOOK, { method: "POST", headers, body });
}

/** Runs the queued WhatsApp jobs through the real queue handler. */
export async function runWhatsAppQueue(wa: InstalledWhatsApp) {
  const pending = wa.events.sent.splice(0).filter((m) => m.kind === "inbound" && m.provider === "whatsapp-business");
  if (pending.length === 0) return 0;
  const batch = createMessageBatch(
    "ih-events",
    pending.map((body, i) => ({ id: `w${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await handleQueueBatch(batch, env as Env, ctx);
  const result = await getQueueResult(batch, ctx);
  expect(result.retryMessages).toEqual([]);
  return result.explicitAcks.length;
}

/** The events fan-out, then one attempt per delivery (the real engine with the registry). */
export async function drainDeliveries(wa: InstalledWhatsApp, { now = new Date() }: { now?: Date } = {}) {
  const { createDb } = await import("~/lib/db/client");
  const { dispatchEvent } = await import("~/lib/events/consumer.server");
  const { registryDeliverers, registrySubscriber } = await import("~/lib/integrations/pipeline.server");
  const { deliveryDeps } = await import("~/lib/deps.server");
  const { handleDelivery } = await import("~/lib/webhooks/consumer.server");
  const db = createDb(env.DB);
  const deliveries = collectingQueue<{ deliveryId: string }>();
  for (const msg of wa.events.sent.splice(0)) {
    if ("eventId" in msg)
      await dispatchEvent(
        { db, deliveriesQueue: deliveries.queue as never, now, subscribers: [registrySubscriber(env as Env)] },
        msg.eventId,
      );
  }
  const deps = await deliveryDeps(env as Env, { fetch: wa.fetch, random: () => 0.5, deliverers: registryDeliverers() });
  const decisions: { deliveryId: string; retry: number | null }[] = [];
  for (const id of deliveries.sent.map((d) => d.deliveryId))
    decisions.push({ deliveryId: id, retry: (await handleDelivery(deps, id)).retry });
  return decisions;
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
    "inbound_receipts",
    "webhook_endpoints",
  ]) {
    await env.DB.prepare(`DELETE FROM ${t}`).run();
  }
}
