import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "~/lib/db/client";
import { webhookEventTypes } from "~/lib/db/schema";
import { deliveryDeps } from "~/lib/deps.server";
import type { DeliveriesMessage } from "~/lib/env";
import { dispatchEvent } from "~/lib/events/consumer.server";
import { ZAPIER_KEY_SCOPES } from "~/lib/integrations/zapier/account.server";
import { consumeDeliveries, handleDelivery } from "~/lib/webhooks/consumer.server";
import { signIn } from "../helpers/browser-client";
import { ACME, GLOBEX } from "../helpers/seed";
import { api, count, createConversationViaApi, newKey } from "./api-client";

const TARGET = "https://hooks.zapier.com/hooks/standard/123/abc";
type Hook = { id: string; target_url: string; event: string; created_at: string };

async function subscribe(body: unknown = { target_url: TARGET, event: "conversation.created" }, key?: string) {
  return api("/hooks", { method: "POST", body, ...(key ? { key } : {}) });
}

async function subscribed(event = "conversation.created", key?: string): Promise<Hook> {
  const res = await subscribe({ target_url: TARGET, event }, key);
  expect(res.status).toBe(201);
  return (await res.json()) as Hook;
}

/** Fans an event out with a queue stand-in that records what would be sent. */
async function fanOut(eventId: string) {
  const sent: string[] = [];
  const queue = {
    send: async (m: DeliveriesMessage) => void sent.push(m.deliveryId),
    sendBatch: async (ms: Iterable<{ body: DeliveriesMessage }>) => void [...ms].forEach((m) => sent.push(m.body.deliveryId)),
  } as unknown as Queue<DeliveriesMessage>;
  await dispatchEvent({ db: createDb(env.DB), deliveriesQueue: queue, now: new Date() }, eventId);
  return sent;
}

async function latestEventId(type: string) {
  const row = await env.DB.prepare("SELECT id FROM events WHERE company_id = ? AND type = ? ORDER BY id DESC LIMIT 1")
    .bind(ACME.id, type)
    .first<{ id: string }>();
  return row!.id;
}

describe("POST /v1/hooks (Zapier performSubscribe)", () => {
  it("creates a one-event webhook endpoint with source rest_hook and answers 201 with id, target_url, event, created_at", async () => {
    const res = await subscribe();
    expect(res.status).toBe(201);
    const hook = (await res.json()) as Hook & Record<string, unknown>;
    expect(Object.keys(hook).sort()).toEqual(["created_at", "event", "id", "target_url"]);
    // the target URL is Zapier's secret: shown masked, kept whole only for delivery
    expect(hook).toMatchObject({ target_url: "https://hooks.zapier.com/…/abc", event: "conversation.created" });
    expect(res.headers.get("Location")).toBe(`/v1/hooks/${hook.id}`);
    const row = await env.DB.prepare("SELECT * FROM webhook_endpoints WHERE id = ?").bind(hook.id).first<Record<string, string>>();
    expect(row).toMatchObject({
      company_id: ACME.id,
      source: "rest_hook",
      status: "active",
      url: TARGET,
      events: '["conversation.created"]',
    });
    const audit = await env.DB.prepare("SELECT actor, action FROM audit_log WHERE target = ?")
      .bind(hook.id)
      .first<{ actor: string; action: string }>();
    expect(audit!.action).toBe("webhook_endpoint.created");
    expect(JSON.parse(audit!.actor)).toMatchObject({ type: "api_key", id: "key_seed_test" });
  });

  it("the company's own key sees the subscription as source rest_hook with its URL masked, and cannot repoint it", async () => {
    const hook = await subscribed();
    const listed = (await (await api("/webhooks")).json()) as { data: { id: string; source: string; url: string }[] };
    expect(listed.data.find((e) => e.id === hook.id)).toMatchObject({ source: "rest_hook", url: "https://hooks.zapier.com/…/abc" });
    // The field error is the owning integration's (the registry's answer for rest_hook), not generic code's.
    const repoint = await api(`/webhooks/${hook.id}`, { method: "PATCH", body: { url: "https://attacker.example.com/in" } });
    expect(repoint.status).toBe(400);
    expect(((await repoint.json()) as { errors: Record<string, string[]> }).errors.url).toEqual([
      "Zapier manages this subscription's URL. Change the Zap in Zapier instead.",
    ]);
    // The edit form sends the masked URL back unchanged: accepted, the real URL kept.
    expect(
      (await api(`/webhooks/${hook.id}`, { method: "PATCH", body: { url: "https://hooks.zapier.com/…/abc", description: "x" } })).status,
    ).toBe(200);
    const row = await env.DB.prepare("SELECT url FROM webhook_endpoints WHERE id = ?").bind(hook.id).first<{ url: string }>();
    expect(row!.url).toBe(TARGET);
  });

  it("without a key is 401, and a key without hooks is 403 even with webhooks:write; nothing is written", async () => {
    const before = await count("webhook_endpoints");
    expect((await api("/hooks", { method: "POST", body: { target_url: TARGET, event: "conversation.created" }, key: null })).status).toBe(
      401,
    );
    const webhooksAdmin = (await newKey(ACME.id, ["conversations:read", "webhooks:read", "webhooks:write"])).secret;
    expect((await subscribe(undefined, webhooksAdmin)).status).toBe(403);
    expect(await count("webhook_endpoints")).toBe(before);
  });

  it.each([
    ["no target_url", { event: "conversation.created" }, "target_url"],
    ["an unknown event", { target_url: TARGET, event: "conversation.deleted" }, "event"],
    ["an events array instead of one event", { target_url: TARGET, events: ["conversation.created"] }, "event"],
    ["plain http in production", { target_url: "http://hooks.zapier.com/hooks/1", event: "conversation.created" }, "target_url"],
    ["a loopback target", { target_url: "https://127.0.0.1/hook", event: "conversation.created" }, "target_url"],
    ["cloud metadata", { target_url: "https://169.254.169.254/latest", event: "conversation.created" }, "target_url"],
  ])("%s → 400 naming the field, nothing written", async (_name, body, field) => {
    const before = await count("webhook_endpoints");
    const res = await subscribe(body);
    expect(res.status).toBe(400);
    expect(res.headers.get("Content-Type")).toBe("application/problem+json");
    const problem = (await res.json()) as { errors: Record<string, string[]> };
    expect(problem.errors[field]?.length).toBeGreaterThan(0);
    expect(await count("webhook_endpoints")).toBe(before);
  });

  it("a body that is not JSON is a 400 and writes nothing", async () => {
    const before = await count("webhook_endpoints");
    const res = await api("/hooks", { method: "POST", raw: "target_url=x" });
    expect(res.status).toBe(400);
    expect(await count("webhook_endpoints")).toBe(before);
  });
});

describe("GET and DELETE /v1/hooks/:id (Zapier performUnsubscribe)", () => {
  it("reads a subscription, removes it with 204, and then answers 410 Gone for the same id", async () => {
    const hook = await subscribed();
    const got = await api(`/hooks/${hook.id}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(hook);
    expect((await api(`/hooks/${hook.id}`, { method: "DELETE" })).status).toBe(204);
    expect(await count("webhook_endpoints", "id = ?", hook.id)).toBe(0);
    const again = await api(`/hooks/${hook.id}`, { method: "DELETE" });
    expect(again.status).toBe(410);
    expect(again.headers.get("Content-Type")).toBe("application/problem+json");
    expect((await api(`/hooks/${hook.id}`)).status).toBe(410);
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE target = ? ORDER BY id").bind(hook.id).all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(["webhook_endpoint.created", "zapier_hook.unsubscribed"]);
  });

  it("another company's hook, live or removed, is a 404 and stays untouched", async () => {
    const hook = await subscribed();
    const globex = (await newKey(GLOBEX.id, ["conversations:read", "conversations:write", "hooks"])).secret;
    expect((await api(`/hooks/${hook.id}`, { key: globex })).status).toBe(404);
    expect((await api(`/hooks/${hook.id}`, { method: "DELETE", key: globex })).status).toBe(404);
    expect(await count("webhook_endpoints", "id = ?", hook.id)).toBe(1);
    expect((await api(`/hooks/${hook.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await api(`/hooks/${hook.id}`, { method: "DELETE", key: globex })).status).toBe(404);
  });

  it("a user-created webhook endpoint cannot be read or removed through /v1/hooks", async () => {
    const res = await api("/webhooks", { method: "POST", body: { url: TARGET, events: ["conversation.created"] } });
    const { id } = (await res.json()) as { id: string };
    expect((await api(`/hooks/${id}`)).status).toBe(404);
    expect((await api(`/hooks/${id}`, { method: "DELETE" })).status).toBe(404);
    expect(await count("webhook_endpoints", "id = ?", id)).toBe(1);
  });

  it("an unknown id is a 404; reading and deleting need hooks, which webhooks:read and webhooks:write do not give", async () => {
    expect((await api("/hooks/we_doesnotexist")).status).toBe(404);
    const hook = await subscribed();
    const hooks = (await newKey(ACME.id, ["hooks"])).secret;
    expect((await api(`/hooks/${hook.id}`, { key: hooks })).status).toBe(200);
    const webhooksAdmin = (await newKey(ACME.id, ["webhooks:read", "webhooks:write"])).secret;
    expect((await api(`/hooks/${hook.id}`, { key: webhooksAdmin })).status).toBe(403);
    expect((await api(`/hooks/${hook.id}`, { method: "DELETE", key: webhooksAdmin })).status).toBe(403);
    const none = (await newKey(ACME.id, ["conversations:read"])).secret;
    expect((await api(`/hooks/${hook.id}`, { key: none })).status).toBe(403);
    expect(await count("webhook_endpoints", "id = ?", hook.id)).toBe(1);
  });
});

describe("deliveries to Zapier subscriptions", () => {
  it("a subscription gets a delivery for its event only; after unsubscribe its pending delivery ends unsent and new events skip it", async () => {
    const created = await subscribed("conversation.created");
    const received = await subscribed("message.received");
    await createConversationViaApi();
    const sent = await fanOut(await latestEventId("conversation.created"));
    const pending = await env.DB.prepare("SELECT id, target_id FROM deliveries WHERE target_id IN (?, ?)")
      .bind(created.id, received.id)
      .all<{ id: string; target_id: string }>();
    expect(pending.results.map((r) => r.target_id)).toEqual([created.id]);
    const deliveryId = pending.results[0]!.id;
    expect(sent).toContain(deliveryId);

    expect((await api(`/hooks/${created.id}`, { method: "DELETE" })).status).toBe(204);
    expect(await count("deliveries", "target_id = ?", created.id)).toBe(0);

    // The queue may still hold the message: the consumer acks it without any request.
    const calls: string[] = [];
    const fetchSpy = (async (input: RequestInfo | URL) => {
      calls.push(String(input));
      return new Response("ok");
    }) as typeof fetch;
    const batch = createMessageBatch<DeliveriesMessage>("ih-deliveries", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: { deliveryId } },
    ]);
    const ctx = createExecutionContext();
    await consumeDeliveries(batch, env, ctx, { fetch: fetchSpy, resolve: async () => ["93.184.215.14"] });
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["m1"]);
    expect(calls).toEqual([]);

    await createConversationViaApi();
    await fanOut(await latestEventId("conversation.created"));
    expect(await count("deliveries", "target_id = ?", created.id)).toBe(0);
  });

  it("a subscription that answers 410 at delivery is removed, and Zapier's later DELETE of its id gets 410", async () => {
    const hook = await subscribed("conversation.created");
    await createConversationViaApi();
    await fanOut(await latestEventId("conversation.created"));
    const delivery = await env.DB.prepare("SELECT id FROM deliveries WHERE target_id = ?").bind(hook.id).first<{ id: string }>();
    const deps = await deliveryDeps(env, {
      fetch: (async () => new Response("gone", { status: 410 })) as typeof fetch,
      resolve: async () => ["93.184.215.14"],
    });
    const decision = await handleDelivery(deps, delivery!.id);
    expect(decision.retry).toBeNull();
    expect(await count("webhook_endpoints", "id = ?", hook.id)).toBe(0);
    expect((await api(`/hooks/${hook.id}`, { method: "DELETE" })).status).toBe(410);
  });
});

describe("GET /v1/hooks/samples/:event (Zapier performList)", () => {
  it.each(webhookEventTypes.map((t) => [t]))("%s: an array of objects with an id, shaped like the delivery body", async (type) => {
    const res = await api(`/hooks/samples/${type}`);
    expect(res.status).toBe(200);
    const samples = (await res.json()) as Record<string, unknown>[];
    expect(Array.isArray(samples)).toBe(true);
    expect(samples.length).toBeGreaterThan(0);
    for (const s of samples) {
      expect(typeof s.id).toBe("string");
      expect(s).toMatchObject({ type, company_id: ACME.id });
      expect(Object.keys(s).sort()).toEqual(["company_id", "created_at", "data", "id", "performed_by", "type"]);
      expect(Object.keys(s.data as object).length).toBeGreaterThan(0);
    }
  });

  it("returns the company's real recent events when the key may read conversations, and never another company's", async () => {
    const conversation = await createConversationViaApi();
    const samples = (await (await api("/hooks/samples/conversation.created")).json()) as { id: string; data: { id: string } }[];
    expect(samples[0]!.data.id).toBe(conversation.id);
    expect(samples.length).toBeLessThanOrEqual(3);
    const globex = (await newKey(GLOBEX.id, ["conversations:read", "conversations:write", "hooks"])).secret;
    const theirs = (await (await api("/hooks/samples/conversation.created", { key: globex })).json()) as {
      id: string;
      company_id: string;
    }[];
    expect(theirs.map((s) => s.company_id)).toEqual([GLOBEX.id]);
    expect(theirs.map((s) => s.id)).not.toContain(samples[0]!.id);
  });

  it("a key without conversations:read gets the static sample, not real conversations", async () => {
    await createConversationViaApi();
    const hooksOnly = (await newKey(ACME.id, ["hooks"])).secret;
    const samples = (await (await api("/hooks/samples/conversation.created", { key: hooksOnly })).json()) as { id: string }[];
    expect(samples).toHaveLength(1);
    expect(samples[0]!.id).toMatch(/sample/);
  });

  it("an unknown event is a 404; no key is a 401; a key without hooks is a 403", async () => {
    expect((await api("/hooks/samples/conversation.deleted")).status).toBe(404);
    expect((await api("/hooks/samples/webhook.test")).status).toBe(404);
    expect((await api("/hooks/samples/conversation.created", { key: null })).status).toBe(401);
    const writer = (await newKey(ACME.id, ["conversations:write"])).secret;
    expect((await api("/hooks/samples/conversation.created", { key: writer })).status).toBe(403);
  });
});

describe("samples match real deliveries", () => {
  it("the static sample of every event type has the same data fields as a real event of that type", async () => {
    const hooksOnly = (await newKey(ACME.id, ["hooks"])).secret;
    const { id } = await createConversationViaApi();
    await api(`/conversations/${id}/messages`, { method: "POST", body: { body: "Thanks!", author: "agent" } });
    await api(`/conversations/${id}/escalate`, { method: "POST", body: {} });
    await api(`/conversations/${id}`, { method: "PATCH", body: { status: "closed" } });
    for (const type of webhookEventTypes) {
      const [real] = (await (await api(`/hooks/samples/${type}`)).json()) as { id: string; data: Record<string, unknown> }[];
      const [fake] = (await (await api(`/hooks/samples/${type}`, { key: hooksOnly })).json()) as {
        id: string;
        data: Record<string, unknown>;
      }[];
      expect(real!.id, type).not.toBe(fake!.id);
      expect(Object.keys(fake!.data).sort(), type).toEqual(Object.keys(real!.data).sort());
    }
  });
});

describe("OpenAPI", () => {
  it("documents the Zapier hooks from the route table", async () => {
    const doc = (await (await api("/openapi.json", { key: null })).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths["/v1/hooks"]!)).toContain("post");
    expect(Object.keys(doc.paths["/v1/hooks/{id}"]!).sort()).toEqual(["delete", "get"]);
    expect(Object.keys(doc.paths["/v1/hooks/samples/{event}"]!)).toEqual(["get"]);
  });
});

describe("the Zapier key reaches only its own subscriptions (issue 16)", { timeout: 60_000 }, () => {
  it("with the Zapier scopes a key subscribes and unsubscribes, but every /v1/webhooks route is a 403 and nothing changes", async () => {
    expect(ZAPIER_KEY_SCOPES.filter((s) => s.startsWith("webhooks") || s === "hooks")).toEqual(["hooks"]);
    const zapier = (await newKey(ACME.id, [...ZAPIER_KEY_SCOPES], "Zapier")).secret;
    const own = (await (
      await api("/webhooks", { method: "POST", body: { url: "https://receiver.example.com/in", events: ["conversation.created"] } })
    ).json()) as { id: string };
    const hook = await subscribed("conversation.created", zapier);
    const endpoints = async () =>
      (await env.DB.prepare("SELECT id, url, secret_enc, status FROM webhook_endpoints ORDER BY id").all()).results;
    const before = await endpoints();
    const attempts: [string, string, unknown?][] = [
      ["GET", "/webhooks"],
      ["POST", "/webhooks", { url: "https://evil.example/in", events: ["conversation.created"] }],
      ["GET", `/webhooks/${own.id}`],
      ["PATCH", `/webhooks/${own.id}`, { url: "https://evil.example/in" }],
      ["PATCH", `/webhooks/${hook.id}`, { url: "https://evil.example/in" }],
      ["POST", `/webhooks/${own.id}/rotate-secret`],
      ["POST", `/webhooks/${own.id}/test`],
      ["GET", `/webhooks/${own.id}/deliveries`],
      ["DELETE", `/webhooks/${own.id}`],
    ];
    for (const [method, path, body] of attempts) {
      expect((await api(path, { method, key: zapier, ...(body ? { body } : {}) })).status, `${method} ${path}`).toBe(403);
    }
    expect(await endpoints()).toEqual(before);
    expect((await api(`/hooks/${hook.id}`, { method: "DELETE", key: zapier })).status).toBe(204);
  });

  it("the migration moves an existing Zapier key from webhooks:read/webhooks:write to hooks and keeps its other scopes", async () => {
    const old = await newKey(ACME.id, ["conversations:read", "conversations:write", "webhooks:read", "webhooks:write"], "Zapier");
    await env.DB.prepare("UPDATE api_keys SET kind = 'zapier' WHERE id = ?").bind(old.id).run();
    const custom = await newKey(ACME.id, ["webhooks:read", "webhooks:write"], "Custom");
    expect((await subscribe(undefined, old.secret)).status).toBe(403);
    const migration = (env.TEST_MIGRATIONS as { name: string; queries: string[] }[]).find((m) => m.name.startsWith("0100_"))!;
    for (const query of migration.queries) await env.DB.prepare(query).run();
    const scopes = async (id: string) =>
      JSON.parse((await env.DB.prepare("SELECT scopes FROM api_keys WHERE id = ?").bind(id).first<{ scopes: string }>())!.scopes);
    expect(await scopes(old.id)).toEqual(["conversations:read", "conversations:write", "hooks"]);
    expect(await scopes(custom.id)).toEqual(["webhooks:read", "webhooks:write"]);
    expect((await subscribe(undefined, old.secret)).status).toBe(201);
    expect((await api("/webhooks", { key: old.secret })).status).toBe(403);
  });

  it("hook URLs are masked wherever they are shown: /v1/hooks, /v1/webhooks, the API & Webhooks tab, the endpoint page and the audit log", async () => {
    const secretUrl = "https://hooks.zapier.com/hooks/standard/987654/secretpathxyz";
    const masked = "https://hooks.zapier.com/…hxyz";
    const res = await subscribe({ target_url: secretUrl, event: "conversation.created" });
    const hook = (await res.json()) as Hook;
    expect(hook.target_url).toBe(masked);
    expect(((await (await api(`/hooks/${hook.id}`)).json()) as Hook).target_url).toBe(masked);
    const listed = (await (await api("/webhooks")).json()) as { data: { id: string; url: string }[] };
    expect(listed.data.find((e) => e.id === hook.id)!.url).toBe(masked);
    expect(((await (await api(`/webhooks/${hook.id}`)).json()) as { url: string }).url).toBe(masked);
    const admin = await signIn(ACME.adminEmail);
    for (const page of ["/integrations/developers", `/integrations/developers/webhooks/${hook.id}`]) {
      const html = await (await admin.get(page)).text();
      expect(html, page).toContain(masked);
      expect(html, page).not.toContain("secretpathxyz");
    }
    const edit = await admin.post(`/integrations/developers/webhooks/${hook.id}/edit`, {
      url: masked,
      description: "renamed",
      events: "conversation.created",
    });
    expect(edit.status).toBe(302);
    const repoint = await admin.post(`/integrations/developers/webhooks/${hook.id}/edit`, {
      url: "https://evil.example/in",
      events: "conversation.created",
    });
    expect(repoint.status).toBe(400);
    const row = await env.DB.prepare("SELECT url, description FROM webhook_endpoints WHERE id = ?").bind(hook.id).first();
    expect(row).toEqual({ url: secretUrl, description: "renamed" });
    const audit = await env.DB.prepare("SELECT details FROM audit_log WHERE target = ?").bind(hook.id).all<{ details: string }>();
    expect(JSON.stringify(audit.results)).not.toContain("secretpathxyz");
  });
});
