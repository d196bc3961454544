import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type BrowserClient, signIn } from "../helpers/browser-client";
import { ACME, GLOBEX } from "../helpers/seed";
import { api, count } from "./api-client";

const CONNECT = "/integrations/zapier/connect";

/** Connects Zapier as the admin and returns the key from the one-time reveal. */
async function connect(admin: BrowserClient): Promise<string> {
  const res = await admin.post(CONNECT, { intent: "create-key" });
  expect(res.status).toBe(302);
  const location = res.headers.get("Location")!;
  expect(location).toMatch(/^\/integrations\/zapier\/connect\?revealed=/);
  const page = await (await admin.get(location)).text();
  const key = page.match(/sk_live_[A-Za-z0-9_-]{40,}/)?.[0];
  expect(key).toBeDefined();
  return key!;
}

function subscribe(key: string, event = "conversation.created", target = "https://hooks.zapier.com/hooks/standard/1/xyz") {
  return api("/hooks", { method: "POST", body: { target_url: target, event }, key });
}

/** The number the Zapier card shows ("No active Zaps yet" is 0). */
async function activeZaps(admin: BrowserClient): Promise<number> {
  const res = await admin.get("/integrations");
  expect(res.status).toBe(200);
  const html = await res.text();
  if (html.includes(">No active Zaps yet<")) return 0;
  const match = html.match(/>(\d+) active Zaps?</);
  expect(match).not.toBeNull();
  return Number(match![1]);
}

describe("Zapier card", () => {
  it("an empty Configure says no Zap has subscribed yet", async () => {
    const admin = await signIn(GLOBEX.adminEmail);
    await connect(admin);
    expect(await (await admin.get("/integrations/zapier/configure")).text()).toContain("No Zaps have subscribed yet");
    expect(await activeZaps(admin)).toBe(0);
  });

  it("Connect shows the steps and creates nothing until the admin asks for the key", async () => {
    const admin = await signIn(ACME.adminEmail);
    const res = await admin.get(CONNECT);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Integrations Hub");
    expect(html).toContain("Create Zapier API key");
    expect(await count("connections", "company_id = ? AND provider = 'zapier'", ACME.id)).toBe(0);
    expect(await count("api_keys", "company_id = ? AND kind = 'zapier'", ACME.id)).toBe(0);
  });

  it("creating the key connects Zapier and shows the key exactly once; the key has the Zapier scopes and passes /v1/me", async () => {
    const admin = await signIn(ACME.adminEmail);
    const res = await admin.post(CONNECT, { intent: "create-key" });
    const location = res.headers.get("Location")!;
    const first = await admin.get(location);
    expect(first.headers.get("Cache-Control")).toBe("no-store");
    const key = (await first.text()).match(/sk_live_[A-Za-z0-9_-]{40,}/)![0];
    const second = await (await admin.get(location)).text();
    expect(second).not.toContain(key);
    expect(second).toContain("cannot be shown again");

    const row = await env.DB.prepare("SELECT scopes, name FROM api_keys WHERE company_id = ? AND kind = 'zapier'")
      .bind(ACME.id)
      .first<{ scopes: string; name: string }>();
    expect(JSON.parse(row!.scopes)).toEqual(["conversations:read", "conversations:write", "hooks"]);
    const connection = await env.DB.prepare("SELECT status, account_label FROM connections WHERE company_id = ? AND provider = 'zapier'")
      .bind(ACME.id)
      .first<{ status: string; account_label: string }>();
    expect(connection).toMatchObject({ status: "connected", account_label: `API key sk_live_…${key.slice(-4)}` });
    expect((await api("/me", { key })).status).toBe(200);
    const audit = await env.DB.prepare("SELECT details FROM audit_log WHERE company_id = ?").bind(ACME.id).all<{ details: string }>();
    expect(JSON.stringify(audit.results)).not.toContain(key);
  });

  it("the Connected card's count follows subscribe and unsubscribe", async () => {
    const admin = await signIn(ACME.adminEmail);
    const key = await connect(admin);
    const before = await count("webhook_endpoints", "company_id = ? AND source = 'rest_hook' AND status = 'active'", ACME.id);
    expect(await activeZaps(admin)).toBe(before);
    const a = (await (await subscribe(key)).json()) as { id: string };
    expect(await activeZaps(admin)).toBe(before + 1);
    await subscribe(key, "message.received");
    expect(await activeZaps(admin)).toBe(before + 2);
    expect((await api(`/hooks/${a.id}`, { method: "DELETE", key })).status).toBe(204);
    expect(await activeZaps(admin)).toBe(before + 1);
  });

  it("the card's health line counts the Zaps' deliveries, not the integration pipeline's (none for Zapier)", async () => {
    const admin = await signIn(GLOBEX.adminEmail);
    const key = await connect(admin);
    const healthLine = async () => {
      const html = await (await admin.get("/integrations")).text();
      const card = html.slice(html.indexOf('id="card-zapier"'));
      return card.slice(0, card.indexOf("</article>")).replaceAll("<!-- -->", "").replaceAll("\u00a0", " ");
    };
    expect(await healthLine()).toContain("No successful call yet");
    const hook = (await (await subscribe(key)).json()) as { id: string };
    const now = Date.now();
    const insertDelivery = env.DB.prepare(
      "INSERT INTO deliveries (id, company_id, event_id, target_kind, target_id, status, attempts, created_at, updated_at) VALUES (?, ?, ?, 'webhook', ?, ?, 1, ?, ?)",
    );
    const insertAttempt = env.DB.prepare(
      "INSERT INTO delivery_attempts (id, company_id, delivery_id, n, at, duration_ms, status_code, error) VALUES (?, ?, ?, 1, ?, 10, ?, ?)",
    );
    await env.DB.batch([
      insertDelivery.bind("dlv_zap_ok", GLOBEX.id, "evt_zapier_card_1", hook.id, "succeeded", now - 60_000, now - 60_000),
      insertAttempt.bind("att_zap_ok", GLOBEX.id, "dlv_zap_ok", now - 60_000, 200, null),
      insertDelivery.bind("dlv_zap_bad", GLOBEX.id, "evt_zapier_card_2", hook.id, "pending", now - 30_000, now - 30_000),
      insertAttempt.bind("att_zap_bad", GLOBEX.id, "dlv_zap_bad", now - 30_000, 500, null),
    ]);
    const line = await healthLine();
    expect(line).toContain("Last success");
    expect(line).toContain("2 actions and 1 error in 24 h");
  });

  it("Configure lists each subscription's event and target host (never the full URL) and Remove works as a plain form", async () => {
    const admin = await signIn(ACME.adminEmail);
    const key = await connect(admin);
    const hook = (await (await subscribe(key, "escalation.triggered", "https://hooks.zapier.com/hooks/standard/42/secretpath")).json()) as {
      id: string;
    };
    const page = await (await admin.get("/integrations/zapier/configure")).text();
    expect(page).toContain("escalation.triggered");
    expect(page).toContain("hooks.zapier.com");
    expect(page).not.toContain("secretpath");
    expect(page).toContain("No deliveries yet");

    const removed = await admin.post("/integrations/zapier/configure", { intent: "remove", id: hook.id });
    expect(removed.status).toBe(302);
    expect(removed.headers.get("Location")).toBe("/integrations/zapier/configure");
    expect(await count("webhook_endpoints", "id = ?", hook.id)).toBe(0);
    expect((await api(`/hooks/${hook.id}`, { method: "DELETE", key })).status).toBe(410);
    expect(await (await admin.get("/integrations/zapier/configure")).text()).not.toContain(hook.id);
  });

  it("Remove refuses another company's subscription and a user endpoint (404), and an unknown intent (400)", async () => {
    const globexAdmin = await signIn(GLOBEX.adminEmail);
    const globexKey = await connect(globexAdmin);
    const theirs = (await (await subscribe(globexKey)).json()) as { id: string };
    const admin = await signIn(ACME.adminEmail);
    await connect(admin);
    expect((await admin.post("/integrations/zapier/configure", { intent: "remove", id: theirs.id })).status).toBe(404);
    const userEndpoint = (await (
      await api("/webhooks", { method: "POST", body: { url: "https://example.com/in", events: ["conversation.created"] } })
    ).json()) as { id: string };
    expect((await admin.post("/integrations/zapier/configure", { intent: "remove", id: userEndpoint.id })).status).toBe(404);
    expect((await admin.post("/integrations/zapier/configure", { intent: "explode", id: theirs.id })).status).toBe(400);
    expect(await count("webhook_endpoints", "id IN (?, ?)", theirs.id, userEndpoint.id)).toBe(2);
  });

  it("Disconnect says what it does, revokes the Zapier key and deletes every Zapier subscription (user endpoints stay)", async () => {
    const admin = await signIn(ACME.adminEmail);
    const key = await connect(admin);
    const hook = (await (await subscribe(key)).json()) as { id: string };
    await subscribe(key, "message.sent");
    const userEndpoint = (await (
      await api("/webhooks", { method: "POST", body: { url: "https://example.com/in", events: ["conversation.created"] } })
    ).json()) as { id: string };

    const confirm = await (await admin.get("/integrations/zapier/disconnect")).text();
    expect(confirm).toContain("Revoke the Zapier API key");
    expect(confirm).toContain("Delete all Zapier subscriptions");

    const res = await admin.post("/integrations/zapier/disconnect", { intent: "disconnect" });
    expect(res.status).toBe(302);
    expect(await count("connections", "company_id = ? AND provider = 'zapier'", ACME.id)).toBe(0);
    expect(await count("webhook_endpoints", "company_id = ? AND source = 'rest_hook'", ACME.id)).toBe(0);
    expect(await count("webhook_endpoints", "id = ?", userEndpoint.id)).toBe(1);
    expect((await api("/me", { key })).status).toBe(401);
    expect((await api(`/hooks/${hook.id}`)).status).toBe(410);
    expect(await count("api_keys", "id = 'key_seed_test' AND revoked_at IS NULL")).toBe(1);
  });

  it("an agent cannot connect, configure or remove", async () => {
    const before = await count("api_keys", "company_id = ? AND kind = 'zapier'", ACME.id);
    const agent = await signIn(ACME.agentEmail);
    expect((await agent.get(CONNECT)).status).toBe(403);
    expect((await agent.post(CONNECT, { intent: "create-key" })).status).toBe(403);
    expect((await agent.post("/integrations/zapier/configure", { intent: "remove", id: "we_x" })).status).toBe(403);
    expect(await count("api_keys", "company_id = ? AND kind = 'zapier'", ACME.id)).toBe(before);
  });
});
