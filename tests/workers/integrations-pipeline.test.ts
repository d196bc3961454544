/**
 * The registry on the delivery pipeline: the fan-out asks the registry (delays, loop safety), and
 * an adapter's outcome becomes the delivery's fate the same way for every provider (issue 12 item 2).
 * A test adapter (registered under "zendesk", an API-key provider) calls a scripted provider.
 */
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { connections, deliveries, events } from "~/lib/db/schema";
import { deliveryDeps } from "~/lib/deps.server";
import type { Env } from "~/lib/env";
import { dispatchEvent } from "~/lib/events/consumer.server";
import { newId } from "~/lib/ids";
import type { DeliveryOutcome, ProviderAdapter } from "~/lib/integrations/adapter";
import { CATALOG } from "~/lib/integrations/catalog";
import { fateOf, registryDeliverers, registrySubscriber, scrubSecrets } from "~/lib/integrations/pipeline.server";
import { REGISTRY, type Registry } from "~/lib/integrations/registry";
import { saveCredentials } from "~/lib/oauth/token-store.server";
import { keyringFromEnv } from "~/lib/security/encryption";
import { handleDelivery } from "~/lib/webhooks/consumer.server";
import { signIn } from "../helpers/browser-client";
import { ACME, GLOBEX } from "../helpers/seed";
import { db, deliveryRow, scriptedFetch } from "./webhook-fixtures";

const KEY = "sandbox_live_key_1234567890";
const seen: { url: string; auth: string | null }[] = [];

/** Creates a ticket at a fake provider and reports what the provider said. */
const testAdapter: ProviderAdapter = {
  id: "zendesk",
  provider: CATALOG.zendesk,
  features: ["Create a ticket on escalation"],
  subscriptions: {
    "escalation.triggered": {
      deliver: async ({ fetch, connection, signal }): Promise<DeliveryOutcome> => {
        const res = await fetch(`https://${connection.context.subdomain}.provider.test/api/v2/tickets`, {
          method: "POST",
          headers: { Authorization: `Bearer ${connection.credential.fields!.api_token}` },
          signal,
        });
        seen.push({ url: res.url, auth: null });
        const text = await res.text();
        if (res.ok)
          return {
            ok: true,
            statusCode: res.status,
            summary: "Created ticket #7",
            remote: { url: "https://acme.provider.test/tickets/7" },
          };
        return {
          ok: false,
          statusCode: res.status,
          error: `Provider said: ${text}`,
          retryAfterSeconds: Number(res.headers.get("retry-after")) || null,
        };
      },
    },
    "conversation.closed": {
      delaySeconds: (e) => Number(e.TRANSCRIPT_GRACE_SECONDS ?? 600),
      deliver: async () => ({ ok: true, statusCode: 200 }),
    },
  },
};
const registry: Registry = { ...REGISTRY, zendesk: testAdapter };

async function connect(status: "connected" | "needs_reauth" = "connected") {
  const id = newId("conn");
  await db()
    .insert(connections)
    .values({
      id,
      companyId: ACME.id,
      provider: "zendesk",
      status,
      accountLabel: "acme",
      connectedBy: "usr_john",
      connectedByEmail: "john@acme.com",
      connectedAt: new Date(),
      context: { subdomain: "acme" },
    });
  await saveCredentials(
    { kv: env.KV, ring: await keyringFromEnv(env) },
    { companyId: ACME.id, connectionId: id },
    { secrets: { api_token: KEY, subdomain: "acme" } },
  );
  return id;
}

async function event(
  type: "escalation.triggered" | "conversation.closed",
  performedBy = { type: "agent" as const, id: "usr_john", name: "John" },
) {
  const id = newId("evt");
  await db()
    .insert(events)
    .values({ id, companyId: ACME.id, type, payload: { id: "conv_1" }, performedBy, createdAt: new Date() });
  return id;
}

function collector() {
  const sent: { body: { deliveryId: string }; delaySeconds?: number }[] = [];
  return {
    sent,
    queue: { send: async () => {}, sendBatch: async (m: typeof sent) => void sent.push(...m) } as unknown as Queue<{ deliveryId: string }>,
  };
}

async function fanOut(eventId: string) {
  const q = collector();
  await dispatchEvent(
    { db: db(), deliveriesQueue: q.queue, now: new Date(), subscribers: [registrySubscriber(env as Env, registry)] },
    eventId,
  );
  return q.sent;
}

const connectionRow = async () => (await db().select().from(connections).where(eq(connections.provider, "zendesk")).get())!;
const deps = async (fetchFn: typeof fetch) =>
  deliveryDeps(env as Env, { fetch: fetchFn, random: () => 0.5, deliverers: registryDeliverers(registry) });

beforeEach(async () => {
  seen.length = 0;
  await db().delete(deliveries);
  await db().delete(connections).where(eq(connections.provider, "zendesk"));
});

describe("fan-out from the registry", () => {
  it("makes one delivery per connected subscriber; a delayed subscription is held back by its grace window", async () => {
    await connect();
    const sent = await fanOut(await event("escalation.triggered"));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.delaySeconds).toBeUndefined();
    (env as Env).TRANSCRIPT_GRACE_SECONDS = "600";
    const closed = await fanOut(await event("conversation.closed"));
    expect(closed).toHaveLength(1);
    expect(closed[0]!.delaySeconds).toBe(600);
    const row = await deliveryRow(closed[0]!.body.deliveryId);
    expect(row!.nextAttemptAt!.getTime() - Date.now()).toBeGreaterThan(590_000);
  });

  it("no delivery for a disconnected or needs_reauth integration, nor for the integration's own change (loop safety)", async () => {
    expect(await fanOut(await event("escalation.triggered"))).toHaveLength(0);
    await connect("needs_reauth");
    expect(await fanOut(await event("escalation.triggered"))).toHaveLength(0);
    await db().update(connections).set({ status: "connected" }).where(eq(connections.provider, "zendesk"));
    expect(await fanOut(await event("escalation.triggered", { type: "system", id: "zendesk", name: "Zendesk" } as never))).toHaveLength(0);
    expect(await fanOut(await event("escalation.triggered"))).toHaveLength(1);
  });
});

describe("outcomes", () => {
  it("success: the delivery succeeds with its summary and remote link, and only now is there a Last success", async () => {
    await connect();
    expect((await connectionRow()).lastSuccessAt).toBeNull();
    const [msg] = await fanOut(await event("escalation.triggered"));
    const { fetch: f, sent } = scriptedFetch([new Response("{}", { status: 201 })]);
    expect((await handleDelivery(await deps(f), msg!.body.deliveryId)).retry).toBeNull();
    expect(sent[0]!.url).toBe("https://acme.provider.test/api/v2/tickets");
    expect(sent[0]!.headers.get("authorization")).toBe(`Bearer ${KEY}`);
    expect(await deliveryRow(msg!.body.deliveryId)).toMatchObject({
      status: "succeeded",
      summary: "Created ticket #7",
      remoteUrl: "https://acme.provider.test/tickets/7",
    });
    expect((await connectionRow()).lastSuccessAt).not.toBeNull();
  });

  it("401: the connection needs reauth, the delivery fails without retry, and the card offers Reconnect", async () => {
    await connect();
    const [msg] = await fanOut(await event("escalation.triggered"));
    const { fetch: f } = scriptedFetch([new Response("Couldn't authenticate you", { status: 401 })]);
    expect((await handleDelivery(await deps(f), msg!.body.deliveryId)).retry).toBeNull();
    expect(await deliveryRow(msg!.body.deliveryId)).toMatchObject({ status: "failed", lastStatusCode: 401 });
    const conn = await connectionRow();
    expect(conn.status).toBe("needs_reauth");
    expect(conn.lastError).toContain("401");
    expect(conn.lastSuccessAt).toBeNull();
    const page = (await (await (await signIn(ACME.adminEmail)).get("/integrations")).text()).replaceAll("<!-- -->", "");
    expect(page).toMatch(/href="\/integrations\/zendesk\/connect"[^>]*>Reconnect</);
  });

  it("429: retried no sooner than Retry-After, then succeeds", async () => {
    await connect();
    const [msg] = await fanOut(await event("escalation.triggered"));
    const { fetch: f } = scriptedFetch([
      new Response("slow down", { status: 429, headers: { "Retry-After": "120" } }),
      new Response("{}", { status: 201 }),
    ]);
    const d = await deps(f);
    const first = await handleDelivery(d, msg!.body.deliveryId);
    expect(first.retry).toBeGreaterThanOrEqual(120);
    expect(await deliveryRow(msg!.body.deliveryId)).toMatchObject({ status: "pending", attempts: 1, lastStatusCode: 429 });
    expect((await connectionRow()).status).toBe("connected");
    expect((await handleDelivery(d, msg!.body.deliveryId)).retry).toBeNull();
    expect(await deliveryRow(msg!.body.deliveryId)).toMatchObject({ status: "succeeded", attempts: 2 });
  });

  it("a 5xx is retried; another 4xx fails at once with the provider's message, the key scrubbed", async () => {
    await connect();
    const [msg] = await fanOut(await event("escalation.triggered"));
    const { fetch: f } = scriptedFetch([
      new Response("upstream", { status: 503 }),
      new Response(`{"error":"RecordInvalid","token":"${KEY}"}`, { status: 422 }),
    ]);
    const d = await deps(f);
    expect((await handleDelivery(d, msg!.body.deliveryId)).retry).not.toBeNull();
    expect((await handleDelivery(d, msg!.body.deliveryId)).retry).toBeNull();
    const row = await deliveryRow(msg!.body.deliveryId);
    expect(row).toMatchObject({ status: "failed", lastStatusCode: 422 });
    expect(row!.lastError).toContain("RecordInvalid");
    expect(row!.lastError).not.toContain(KEY);
    expect(row!.lastError).toContain("[redacted]");
    const conn = await connectionRow();
    expect(conn.status).toBe("connected");
    expect(conn.lastError).not.toContain(KEY);
  });
});

describe("activity on the Configure screen", () => {
  it("lists each action (event, what was done, result, record link, attempts); Retry re-queues a failed one, only that company's", async () => {
    await connect();
    const [ok] = await fanOut(await event("escalation.triggered"));
    const [bad] = await fanOut(await event("escalation.triggered"));
    await handleDelivery(await deps(scriptedFetch([new Response("{}", { status: 201 })]).fetch), ok!.body.deliveryId);
    await handleDelivery(
      await deps(scriptedFetch([new Response("RecordInvalid: subject missing", { status: 422 })]).fetch),
      bad!.body.deliveryId,
    );
    const john = await signIn(ACME.adminEmail);
    const page = (await (await john.get("/integrations/zendesk/configure")).text()).replaceAll("<!-- -->", "");
    expect(page).toContain("Recent activity");
    expect(page).toContain("Created ticket #7");
    expect(page).toContain('href="https://acme.provider.test/tickets/7"');
    expect(page).toContain("RecordInvalid: subject missing");
    expect(page).toContain("1 attempt");
    expect(page.match(/>Retry</g)).toHaveLength(1);
    const cards = (await (await john.get("/integrations")).text()).replaceAll("<!-- -->", "").replaceAll("\u00a0", " ");
    expect(cards).toContain("2 actions and 1 error in 24 h");

    const globex = await signIn(GLOBEX.adminEmail);
    expect((await globex.post("/integrations/zendesk/activity", { intent: "retry", deliveryId: bad!.body.deliveryId })).status).toBe(404);
    expect((await john.post("/integrations/zendesk/activity", { intent: "retry", deliveryId: ok!.body.deliveryId })).status).toBe(400);
    const res = await john.post("/integrations/zendesk/activity", { intent: "retry", deliveryId: bad!.body.deliveryId });
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/integrations/zendesk/configure?retried=1");
    // A fresh retry run: the attempt counter starts again (the Worker's own queue consumer may already be at it).
    expect((await deliveryRow(bad!.body.deliveryId))!.attempts).toBe(0);
    const audit = await env.DB.prepare("SELECT action, target FROM audit_log WHERE action = 'integration_delivery.retried'").all();
    expect(audit.results).toEqual([{ action: "integration_delivery.retried", target: bad!.body.deliveryId }]);
  });
});

describe("the rule", () => {
  it("maps outcomes to fates", () => {
    expect(fateOf({ ok: true, statusCode: 200 })).toBe("succeeded");
    expect(fateOf({ ok: false, statusCode: 401 })).toBe("needs_reauth");
    expect(fateOf({ ok: false, statusCode: 200, needsReauth: true })).toBe("needs_reauth");
    expect(fateOf({ ok: false, statusCode: 429 })).toBe("retry");
    expect(fateOf({ ok: false, statusCode: 500 })).toBe("retry");
    expect(fateOf({ ok: false, statusCode: null })).toBe("retry");
    expect(fateOf({ ok: false, statusCode: 400 })).toBe("failed");
    expect(fateOf({ ok: false, statusCode: 404 })).toBe("failed");
    expect(fateOf({ ok: false, statusCode: 503, gone: true })).toBe("failed");
    expect(scrubSecrets(`a ${KEY} b ${encodeURIComponent(KEY)}`, { fields: { api_token: KEY } })).toBe("a [redacted] b [redacted]");
  });
});
