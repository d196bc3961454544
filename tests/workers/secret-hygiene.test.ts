import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createDb } from "~/lib/db/client";
import { dispatchEvent } from "~/lib/events/consumer.server";
import { consumeDeliveries } from "~/lib/webhooks/consumer.server";
import { type BrowserClient, signIn } from "../helpers/browser-client";
import { ACME } from "../helpers/seed";
import { api } from "./api-client";
import { installFakeProviders } from "./fake-provider";
import { type AcmeFixtures, adminPageUrls } from "./hardening/fixtures";
import { adminRoutes, captureQueues, dumpD1, dumpKV, fakeBatch, fill, patternOf } from "./hardening/inventory";

/**
 * After a full scenario (API keys created and regenerated in the UI, webhook endpoints created
 * and rotated through /v1 and the UI, deliveries sent, OAuth connections made through a fake
 * provider), no secret appears anywhere but its one-time reveal: not in D1 (any table, any
 * column), KV, console output, queue messages, outbound webhook requests, or any admin page.
 */
const FULL_KEY = /sk_live_[A-Za-z0-9_-]{32,}/g;
const WHSEC = /whsec_[A-Za-z0-9+/=]{20,}/g;
const PROVIDER_TOKEN = /(at-secret|rt-secret|xoxb-fake)-\d+/g;

const issued = { keys: new Set<string>(), whsec: new Set<string>() };
const logs: string[] = [];
let queues: ReturnType<typeof captureQueues>;
const outbound: { url: string; headers: string; body: string }[] = [];
let john: BrowserClient;
const pages: Record<string, string> = {};

function findSecrets(text: string): string[] {
  return [...(text.match(FULL_KEY) ?? []), ...(text.match(WHSEC) ?? []), ...(text.match(PROVIDER_TOKEN) ?? [])];
}

async function revealFrom(res: Response, client: BrowserClient, pattern: RegExp): Promise<string> {
  expect(res.status).toBe(302);
  const page = await (await client.get(res.headers.get("Location")!)).text();
  const found = page.match(pattern);
  expect(found, "the one-time reveal shows the secret").not.toBeNull();
  return found![0];
}

async function oauthConnect(provider: string) {
  const start = await john.post(`/integrations/${provider}/connect`, { intent: "oauth" });
  expect(start.status).toBe(302);
  const state = new URL(start.headers.get("Location")!).searchParams.get("state");
  const cb = await john.get(`/integrations/${provider}/callback?code=code-${provider}&state=${state}`);
  expect(cb.status).toBe(302);
  await john.get(cb.headers.get("Location")!);
}

beforeAll(async () => {
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation(
      (...args: unknown[]) =>
        void logs.push(
          args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : typeof a === "string" ? a : JSON.stringify(a))).join(" "),
        ),
    );
  }
  queues = captureQueues();
  installFakeProviders();
  john = await signIn(ACME.adminEmail);

  // API keys: create, then regenerate, each revealed once.
  const created = await revealFrom(
    await john.post("/integrations/developers", {
      intent: "create-key",
      name: "Hygiene",
      scopes: ["conversations:read", "conversations:write", "webhooks:read", "webhooks:write"],
    }),
    john,
    FULL_KEY,
  );
  issued.keys.add(created);
  const keyId = (await env.DB.prepare("SELECT id FROM api_keys WHERE name = 'Hygiene'").first<{ id: string }>())!.id;
  issued.keys.add(
    await revealFrom(await john.post("/integrations/developers", { intent: "regenerate-key", keyId, overlap: "1h" }), john, FULL_KEY),
  );

  // Webhook endpoints: through /v1 (create + rotate) and through the UI (create + rotate).
  const res = await api("/webhooks", {
    method: "POST",
    key: created,
    body: { url: "https://hooks.example.com/a", events: ["conversation.created", "message.received"] },
  });
  expect(res.status).toBe(201);
  const viaApi = (await res.json()) as { id: string; secret: string };
  issued.whsec.add(viaApi.secret);
  const rotated = (await (await api(`/webhooks/${viaApi.id}/rotate-secret`, { method: "POST", key: created, body: {} })).json()) as {
    secret?: string;
  };
  if (rotated.secret) issued.whsec.add(rotated.secret);
  const uiCreate = await john.post("/integrations/developers/webhooks/new", {
    url: "https://hooks.example.com/b",
    description: "UI",
    events: ["conversation.created"],
  });
  issued.whsec.add(await revealFrom(uiCreate, john, WHSEC));
  const uiId = (await env.DB.prepare("SELECT id FROM webhook_endpoints WHERE url = 'https://hooks.example.com/b'").first<{ id: string }>())!
    .id;
  issued.whsec.add(await revealFrom(await john.post(`/integrations/developers/webhooks/${uiId}`, { intent: "rotate" }), john, WHSEC));

  // OAuth connections through the fake provider.
  await oauthConnect("salesforce");
  await oauthConnect("slack");

  // Events and their deliveries, signed with the (rotated) secrets.
  expect(
    (
      await api("/conversations", {
        method: "POST",
        key: created,
        body: { contact: { email: "pat@example.com" }, message: { body: "hello" } },
      })
    ).status,
  ).toBe(201);
  const db = createDb(env.DB);
  for (const m of [...queues.events.sent] as { eventId: string }[])
    await dispatchEvent({ db, deliveriesQueue: queues.deliveries as never, now: new Date(), subscribers: [] }, m.eventId);
  const fetchSpy = async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    outbound.push({ url: req.url, headers: JSON.stringify([...req.headers]), body: await req.text() });
    return new Response("ok", { status: 200 });
  };
  const batch = fakeBatch("ih-deliveries", [...queues.deliveries.sent] as { deliveryId: string }[]);
  await consumeDeliveries(batch as never, env, {} as ExecutionContext, {
    fetch: fetchSpy as typeof fetch,
    resolve: async () => ["93.184.216.34"],
  });
  expect(outbound.length).toBeGreaterThanOrEqual(3);

  // Every admin page, after all reveals were consumed.
  const fx: AcmeFixtures = { pageParams: { id: uiId, keyId, provider: "salesforce" }, v1Ids: {}, apiKeySecret: "" };
  for (const url of adminPageUrls(adminRoutes.map(patternOf), fx, fill)) pages[url] = await (await john.get(url)).text();
  pages["/integrations/developers (second visit)"] = await (await john.get("/integrations/developers")).text();
}, 60_000);

afterAll(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe("secret hygiene after a full scenario", () => {
  it("the scenario really issued secrets of every kind", () => {
    expect(issued.keys.size).toBe(2);
    expect(issued.whsec.size).toBeGreaterThanOrEqual(3);
  });

  it("D1 holds no secret in any table or column", async () => {
    const dump = JSON.stringify(await dumpD1());
    expect(findSecrets(dump)).toEqual([]);
    for (const s of [...issued.keys, ...issued.whsec]) expect(dump).not.toContain(s.slice(-24));
  });

  it("KV holds no secret in plaintext once the reveals were shown", async () => {
    const kv = JSON.stringify(await dumpKV());
    expect(findSecrets(kv)).toEqual([]);
    for (const s of [...issued.keys, ...issued.whsec]) expect(kv).not.toContain(s.slice(-24));
  });

  it("console output carries no secret", () => {
    const all = logs.join("\n");
    expect(findSecrets(all)).toEqual([]);
  });

  it("queue messages carry ids only (and a delivery's run and attempt numbers)", () => {
    const all = [...queues.events.sent, ...queues.deliveries.sent];
    expect(all.length).toBeGreaterThan(0);
    const shapes = ["eventId,kind", "id,kind,provider", "deliveryId", "attempt,deliveryId,run"];
    for (const m of all) expect(Object.keys(m as object).sort()).toSatisfy((k: string[]) => shapes.includes(k.join()));
    expect(findSecrets(JSON.stringify(all))).toEqual([]);
  });

  it("outbound webhook requests carry signatures, never the signing secret", () => {
    const all = JSON.stringify(outbound);
    expect(all).toContain("webhook-signature");
    expect(findSecrets(all)).toEqual([]);
  });

  it("no admin page shows a secret after its one-time reveal", () => {
    expect(Object.keys(pages).length).toBeGreaterThan(5);
    for (const [url, html] of Object.entries(pages)) expect(findSecrets(html), url).toEqual([]);
  });
});
