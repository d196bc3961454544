import { env, SELF } from "cloudflare:test";
import { vi } from "vitest";
import { createDb } from "~/lib/db/client";
import { connections } from "~/lib/db/schema";
import { deliveryDeps } from "~/lib/deps.server";
import type { DeliveriesMessage, Env, EventMessage, EventsMessage } from "~/lib/env";
import { dispatchEvent } from "~/lib/events/consumer.server";
import { newId } from "~/lib/ids";
import { registryDeliverers, registrySubscriber } from "~/lib/integrations/pipeline.server";
import { saveCredentials } from "~/lib/oauth/token-store.server";
import { keyringFromEnv } from "~/lib/security/encryption";
import { handleDelivery } from "~/lib/webhooks/consumer.server";
// @ts-ignore
import { createFreshdeskFake } from "../../scripts/sandbox/freshdesk.mjs";
// @ts-ignore: plain JS modules shared with the Node provider sandbox
import { createHubspotFake } from "../../scripts/sandbox/hubspot.mjs";
// @ts-ignore
import { createPipedriveFake } from "../../scripts/sandbox/pipedrive.mjs";
// @ts-ignore
import { createSalesforceFake } from "../../scripts/sandbox/salesforce.mjs";
// @ts-ignore
import { createZendeskFake } from "../../scripts/sandbox/zendesk.mjs";
import { api } from "./api-client";

/** Where the provider fakes answer inside the tests (the stubbed fetch routes these hosts). */
export const CRM_ENV = {
  HUBSPOT_API_BASE: "https://api.hubspot.fake.test",
  HUBSPOT_BASE: "https://app.hubspot.fake.test",
  PIPEDRIVE_API_BASE: "https://api.pipedrive.fake.test",
  SALESFORCE_BASE: "https://acme.salesforce.fake.test",
  ZENDESK_BASE: "https://zendesk.fake.test/{subdomain}",
  FRESHDESK_BASE: "https://freshdesk.fake.test/{domain}",
  APP_BASE_URL: "http://localhost",
  TRANSCRIPT_GRACE_SECONDS: "600",
};
export const SALESFORCE_INSTANCE = "https://acme.salesforce.fake.test";

export type Call = { provider: string; method: string; path: string; query: Record<string, string>; body: any; status: number };
export type Fake = {
  handle: (request: Request, path?: string) => Promise<Response>;
  calls: () => Call[];
  snapshot: () => any;
  inject: (rule: Record<string, unknown>) => void;
  credentials: { revoked: Set<string> };
};

function collectingQueue<T>() {
  const sent: T[] = [];
  /** The delay each message was sent with (the queue holds it back that long). */
  const delays = new Map<T, number>();
  const queue = {
    send: async (body: T, opts?: { delaySeconds?: number }) => {
      sent.push(body);
      if (opts?.delaySeconds) delays.set(body, opts.delaySeconds);
    },
    sendBatch: async (msgs: Iterable<{ body: T; delaySeconds?: number }>) => {
      for (const m of msgs) {
        sent.push(m.body);
        if (m.delaySeconds) delays.set(m.body, m.delaySeconds);
      }
    },
  } as unknown as Queue<T>;
  return { queue, sent, delays };
}

/**
 * The five providers answered in-process by the sandbox's own fakes (through a stubbed global
 * fetch the Worker under SELF shares), and the EVENTS queue replaced by a collector so each test
 * pumps the pipeline itself. Zendesk's status webhooks are POSTed back to the Worker.
 */
/** The path after the first `n` segments of a URL's path ("/a/b/c", 1 → "/b/c"). */
export const pathAfter = (url: URL, n: number) =>
  `/${url.pathname
    .split("/")
    .slice(n + 1)
    .join("/")}`;

/**
 * Providers answered in-process by the sandbox's own fakes, through a stubbed global fetch the
 * Worker under SELF shares (`route` answers a request, or undefined for the real fetch), and the
 * EVENTS queue replaced by a collector so each test pumps the pipeline itself.
 */
export function installFakes<F>(fakes: F, route: (request: Request, url: URL) => Promise<Response> | Response | undefined) {
  const realFetch = globalThis.fetch;
  const fetchFn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    return (await route(request, new URL(request.url))) ?? realFetch(request);
  });
  vi.stubGlobal("fetch", fetchFn);
  const events = collectingQueue<EventMessage>();
  const original = env.EVENTS;
  (env as Env).EVENTS = events.queue as unknown as Queue<EventsMessage>;
  return { fakes, events, fetch: fetchFn as unknown as typeof fetch, restore: () => void ((env as Env).EVENTS = original) };
}

/** The five CRM and help-desk providers; Zendesk's status webhooks are POSTed back to the Worker. */
export function installCrmFakes() {
  Object.assign(env, CRM_ENV);
  const fakes = {
    hubspot: createHubspotFake() as Fake,
    salesforce: createSalesforceFake() as Fake,
    pipedrive: createPipedriveFake() as Fake,
    zendesk: createZendeskFake({ deliver: (url: string, init: RequestInit) => SELF.fetch(url, init) }) as Fake,
    freshdesk: createFreshdeskFake() as Fake,
  };
  return installFakes(fakes, (request, url) => {
    switch (url.hostname) {
      case "api.hubspot.fake.test":
        return fakes.hubspot.handle(request);
      case "acme.salesforce.fake.test":
        return fakes.salesforce.handle(request);
      case "api.pipedrive.fake.test":
        return fakes.pipedrive.handle(request);
      case "zendesk.fake.test":
        return fakes.zendesk.handle(request, pathAfter(url, 1));
      case "freshdesk.fake.test":
        return fakes.freshdesk.handle(request, pathAfter(url, 1));
      default:
        return undefined;
    }
  });
}
export type Installed = ReturnType<typeof installCrmFakes>;
/** What pump and retry need of any installFakes result. */
type Pumped = Pick<Installed, "events" | "fetch">;

/** A connected integration as connecting leaves it: the row (with provider context) and its encrypted credential. */
export async function connect(
  provider: string,
  input: {
    accessToken?: string;
    fields?: Record<string, string>;
    context?: Record<string, string>;
    config?: Record<string, unknown>;
    accountId?: string | null;
    companyId?: string;
  },
) {
  const db = createDb(env.DB);
  const companyId = input.companyId ?? "co_acme";
  const now = new Date();
  const id = newId("conn", now);
  await saveCredentials(
    { kv: env.KV, ring: await keyringFromEnv(env as Env) },
    { companyId, connectionId: id },
    input.fields ? { secrets: input.fields } : { accessToken: input.accessToken, refreshToken: null, expiresAt: null },
  );
  await db.insert(connections).values({
    id,
    companyId,
    provider,
    status: "connected",
    config: input.config ?? {},
    context: input.context ?? {},
    accountLabel: provider,
    accountId: input.accountId ?? null,
    connectedBy: "usr_john",
    connectedByEmail: "john@acme.com",
    connectedAt: now,
    updatedAt: now,
  } as typeof connections.$inferInsert);
  return id;
}

/**
 * Fans out the collected events, then runs one attempt of every delivery made (grace windows are
 * the queue's delay: here the test decides when time has passed by pumping). Returns the engine's
 * decision per delivery.
 */
export async function pump(installed: Pumped, { now = new Date() }: { now?: Date } = {}) {
  const db = createDb(env.DB);
  const deliveries = collectingQueue<DeliveriesMessage>();
  while (installed.events.sent.length) {
    const msg = installed.events.sent.shift()!;
    await dispatchEvent({ db, deliveriesQueue: deliveries.queue, now, subscribers: [registrySubscriber(env as Env)] }, msg.eventId);
  }
  const deps = await deliveryDeps(env as Env, { fetch: installed.fetch, random: () => 0.5, deliverers: registryDeliverers() });
  const decisions: { deliveryId: string; queuedWithDelay: number; retry: number | null }[] = [];
  for (const d of deliveries.sent)
    decisions.push({
      deliveryId: d.deliveryId,
      queuedWithDelay: deliveries.delays.get(d) ?? 0,
      retry: (await handleDelivery(deps, d.deliveryId)).retry,
    });
  return decisions;
}

/** Runs one more attempt of the given deliveries (a retry coming back from the queue). */
export async function retry(installed: Pumped, ids: string[]) {
  const deps = await deliveryDeps(env as Env, { fetch: installed.fetch, random: () => 0.5, deliverers: registryDeliverers() });
  const out: { deliveryId: string; retry: number | null }[] = [];
  for (const id of ids) out.push({ deliveryId: id, retry: (await handleDelivery(deps, id)).retry });
  return out;
}

export async function newConversation(body: { email?: string; name?: string | null; subject?: string; message?: string } = {}) {
  const res = await api("/conversations", {
    method: "POST",
    body: {
      contact: { email: body.email ?? "pat@example.com", name: body.name === undefined ? "Pat Lee" : body.name },
      subject: body.subject ?? "Order #42",
      message: { body: body.message ?? "Where is my order?" },
    },
  });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

export const closeConversation = (id: string) => api(`/conversations/${id}`, { method: "PATCH", body: { status: "closed" } });
export const reopenConversation = (id: string) => api(`/conversations/${id}`, { method: "PATCH", body: { status: "open" } });
export const escalate = (id: string, reason = "Customer asked for a human") =>
  api(`/conversations/${id}/escalate`, { method: "POST", body: { reason } });
export const say = (id: string, body: string, author: "contact" | "agent" | "ai" = "agent") =>
  api(`/conversations/${id}/messages`, { method: "POST", body: { body, author } });

export async function deliveryRows(provider: string) {
  return (
    await env.DB.prepare(
      "SELECT d.*, e.type AS event_type FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.target_kind = 'integration' AND d.target_id = ? ORDER BY d.id",
    )
      .bind(provider)
      .all<Record<string, any>>()
  ).results;
}

export async function connectionRow(provider: string, companyId = "co_acme") {
  return env.DB.prepare("SELECT * FROM connections WHERE company_id = ? AND provider = ?")
    .bind(companyId, provider)
    .first<Record<string, any>>();
}

export async function resetTables() {
  for (const t of ["connections", "audit_log", "deliveries", "delivery_attempts", "events", "messages", "conversations", "external_refs"]) {
    await env.DB.prepare(`DELETE FROM ${t}`).run();
  }
}
