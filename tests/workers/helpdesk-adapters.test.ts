import { env, SELF } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDb } from "~/lib/db/client";
import type { Env } from "~/lib/env";
import { freshdeskAdapter } from "~/lib/integrations/freshdesk";
import { loadCredential } from "~/lib/integrations/pipeline.server";
import { zendeskAdapter } from "~/lib/integrations/zendesk";
import { zendeskSignature } from "~/lib/integrations/zendesk/signature";
import { signIn } from "../helpers/browser-client";
import { ACME } from "../helpers/seed";
import { api } from "./api-client";
import {
  connectionRow,
  deliveryRows,
  escalate,
  type Installed,
  installCrmFakes,
  newConversation,
  pump,
  resetTables,
  retry,
} from "./crm-helpers";

let installed: Installed;
beforeEach(async () => {
  await resetTables();
  installed = installCrmFakes();
});
afterEach(() => {
  installed.restore();
  vi.unstubAllGlobals();
});

const ZENDESK_FIELDS = { subdomain: "acme", email: "sam@acme.com", api_token: "sandbox_zendesk_token" };
const FRESHDESK_FIELDS = { domain: "acme.freshdesk.com", api_key: "sandbox_freshdesk_key" };
const kvKeys = async () => (await env.KV.list({ prefix: "conn_tokens:" })).keys.length;
const zendesk = () =>
  installed.fakes.zendesk.snapshot() as {
    tickets: Record<string, any>[];
    webhooks: Record<string, any>[];
    deliveries: { status: number | string }[];
  };
const freshdesk = () => installed.fakes.freshdesk.snapshot() as { tickets: Record<string, any>[] };
const connectionOf = (provider: string) =>
  createDb(env.DB).query.connections.findFirst({ where: (c, { and, eq }) => and(eq(c.companyId, "co_acme"), eq(c.provider, provider)) });
const conversation = async (id: string) => (await (await api(`/conversations/${id}`)).json()) as { status: string };

async function connectZendesk(fields: Record<string, string> = ZENDESK_FIELDS) {
  const john = await signIn(ACME.adminEmail);
  return john.post("/integrations/zendesk/connect", { intent: "api_key", ...fields });
}

describe("Zendesk adapter", () => {
  it("a wrong API token at connect is a field error and saves nothing", async () => {
    const keysBefore = await kvKeys();
    const res = await connectZendesk({ ...ZENDESK_FIELDS, api_token: "not_a_sandbox_token" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Zendesk did not accept this email and API token.");
    expect(await connectionRow("zendesk")).toBeNull();
    expect(await kvKeys()).toBe(keysBefore);
    expect(zendesk().webhooks).toHaveLength(0);
  });

  it("connecting checks the token with users/me and subscribes a status webhook; the secret is stored encrypted, never on the row", async () => {
    const res = await connectZendesk();
    expect(res.status).toBe(302);
    const row = await connectionRow("zendesk");
    expect(row).toMatchObject({ status: "connected", account_id: "36100001" });
    expect(row!.last_success_at).toBeNull();
    expect(JSON.parse(row!.context)).toMatchObject({ subdomain: "acme", webhook_id: expect.any(String) });
    expect(zendesk().webhooks).toEqual([
      expect.objectContaining({
        endpoint: "http://localhost/integrations/zendesk/events?company=acme",
        subscriptions: ["zen:event-type:ticket.status_changed"],
      }),
    ]);
    expect(JSON.stringify(row)).not.toContain("sandbox_zendesk_token");
    expect(JSON.stringify(row)).not.toContain("sandbox_whsec");
    const zdCalls = installed.fakes.zendesk.calls();
    expect(zdCalls[0]).toMatchObject({ method: "GET", path: "/api/v2/users/me.json", status: 200 });
  });

  it("the status webhook lives as long as the connection: a reconnect replaces it, a disconnect deletes it at Zendesk", async () => {
    expect((await connectZendesk()).status).toBe(302);
    const first = zendesk().webhooks.map((w) => w.id);
    expect(first).toHaveLength(1);
    expect((await connectZendesk()).status).toBe(302);
    const second = zendesk().webhooks.map((w) => w.id);
    expect(second).toHaveLength(1);
    expect(second[0]).not.toBe(first[0]);
    expect(JSON.parse((await connectionRow("zendesk"))!.context).webhook_id).toBe(second[0]);
    expect(installed.fakes.zendesk.calls()).toContainEqual(
      expect.objectContaining({ method: "DELETE", path: `/api/v2/webhooks/${first[0]}` }),
    );

    const john = await signIn(ACME.adminEmail);
    expect((await john.post("/integrations/zendesk/disconnect", { intent: "disconnect" })).status).toBe(302);
    expect(await connectionRow("zendesk")).toBeNull();
    expect(zendesk().webhooks).toEqual([]);
    const audit = await env.DB.prepare(
      "SELECT details FROM audit_log WHERE action = 'integration.disconnected' ORDER BY at DESC LIMIT 1",
    ).first<{
      details: string;
    }>();
    expect(JSON.parse(audit!.details)).toMatchObject({ provider: "zendesk", provider_cleanup: "done" });
  });

  it("an escalation makes one ticket (same event twice): requester, subject, tags, transcript as an internal note, our id as external_id, link on the activity", async () => {
    await connectZendesk();
    const id = await newConversation({ email: "pat@example.com", name: "Pat Lee", subject: "Order #42" });
    await escalate(id);
    const first = await pump(installed);
    for (const d of first) await env.DB.prepare("UPDATE deliveries SET status = 'pending' WHERE id = ?").bind(d.deliveryId).run();
    await retry(
      installed,
      first.map((d) => d.deliveryId),
    );
    expect(zendesk().tickets).toHaveLength(1);
    const ticket = zendesk().tickets[0]!;
    expect(ticket).toMatchObject({
      subject: "Order #42",
      external_id: id,
      requester: { name: "Pat Lee", email: "pat@example.com" },
      tags: ["integrations-hub", "chat-escalation"],
    });
    expect(ticket.comments).toEqual([{ body: expect.stringContaining("Pat Lee: Where is my order?"), public: false }]);
    expect(ticket.comments[0].body).toContain("Escalation reason: Customer asked for a human");
    const [row] = await deliveryRows("zendesk");
    expect(row).toMatchObject({ status: "succeeded", event_type: "escalation.triggered" });
    const ref = await env.DB.prepare(
      "SELECT remote_id, remote_url FROM external_refs WHERE provider = 'zendesk' AND kind = 'ticket'",
    ).first<Record<string, string>>();
    expect(ref).toEqual({ remote_id: String(ticket.id), remote_url: `https://zendesk.fake.test/acme/agent/tickets/${ticket.id}` });
  });

  it("a ticket solved in Zendesk closes the conversation through the signed webhook, as the integration", async () => {
    await connectZendesk();
    const id = await newConversation();
    await escalate(id);
    await pump(installed);
    const ticket = zendesk().tickets[0]!;
    const auth = `Basic ${btoa("sam@acme.com/token:sandbox_zendesk_token")}`;
    await installed.fakes.zendesk.handle(
      new Request(`https://zendesk.fake.test/acme/api/v2/tickets/${ticket.id}.json`, {
        method: "PUT",
        headers: { Authorization: auth, "Content-Type": "application/json" },
        body: JSON.stringify({ ticket: { status: "solved" } }),
      }),
      `/api/v2/tickets/${ticket.id}.json`,
    );
    expect(zendesk().deliveries).toEqual([expect.objectContaining({ status: 200 })]);
    expect((await conversation(id)).status).toBe("closed");
    const closed = await env.DB.prepare("SELECT performed_by FROM events WHERE type = 'conversation.closed'").first<{
      performed_by: string;
    }>();
    expect(JSON.parse(closed!.performed_by)).toEqual({ type: "system", id: "zendesk", name: "Zendesk" });
    // Loop safety: nothing goes back to Zendesk for its own change.
    await pump(installed);
    expect((await deliveryRows("zendesk")).map((r) => r.event_type)).toEqual(["escalation.triggered"]);
  });

  it("an unsigned, mis-signed or stale request to /integrations/zendesk/events is refused and changes nothing", async () => {
    await connectZendesk();
    const id = await newConversation();
    await escalate(id);
    await pump(installed);
    const ticket = zendesk().tickets[0]!;
    const body = JSON.stringify({
      type: "zen:event-type:ticket.status_changed",
      detail: { id: String(ticket.id), status: "SOLVED", external_id: id },
    });
    const post = (headers: Record<string, string>, company = "acme") =>
      SELF.fetch(`http://localhost/integrations/zendesk/events?company=${company}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...headers },
        body,
      });
    expect((await post({})).status).toBe(401);
    const ts = new Date().toISOString();
    expect(
      (
        await post({
          "X-Zendesk-Webhook-Signature": await zendeskSignature("guessed", ts, body),
          "X-Zendesk-Webhook-Signature-Timestamp": ts,
        })
      ).status,
    ).toBe(401);
    const old = new Date(Date.now() - 3600_000).toISOString();
    const creds = await loadCredential(
      { db: createDb(env.DB), kv: env.KV, env: env as Env, fetch, now: () => new Date() },
      zendeskAdapter,
      (await connectionOf("zendesk"))!,
    );
    const secret = creds.fields!.webhook_secret!;
    expect(
      (
        await post({
          "X-Zendesk-Webhook-Signature": await zendeskSignature(secret, old, body),
          "X-Zendesk-Webhook-Signature-Timestamp": old,
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await post(
          { "X-Zendesk-Webhook-Signature": await zendeskSignature(secret, ts, body), "X-Zendesk-Webhook-Signature-Timestamp": ts },
          "globex",
        )
      ).status,
    ).toBe(401);
    expect((await SELF.fetch("http://localhost/integrations/zendesk/events")).status).toBe(405);
    expect((await conversation(id)).status).toBe("escalated");
    const good = await post({
      "X-Zendesk-Webhook-Signature": await zendeskSignature(secret, ts, body),
      "X-Zendesk-Webhook-Signature-Timestamp": ts,
    });
    expect(good.status).toBe(200);
    expect((await conversation(id)).status).toBe("closed");
  });

  it("401 from Zendesk → needs_reauth; 429 honours Retry-After", async () => {
    await connectZendesk();
    installed.fakes.zendesk.inject({ method: "GET", path: "/api/v2/tickets.json", status: 429, retryAfter: 7 });
    await escalate(await newConversation());
    const [d] = await pump(installed);
    expect(d!.retry).toBe(7);
    installed.fakes.zendesk.credentials.revoked.add(ZENDESK_FIELDS.api_token);
    await retry(installed, [d!.deliveryId]);
    expect(await connectionRow("zendesk")).toMatchObject({ status: "needs_reauth" });
  });
});

describe("Freshdesk adapter", () => {
  const connectFreshdesk = async (fields: Record<string, string> = FRESHDESK_FIELDS) =>
    (await signIn(ACME.adminEmail)).post("/integrations/freshdesk/connect", { intent: "api_key", ...fields });

  it("a wrong API key at connect is a field error and saves nothing", async () => {
    const keysBefore = await kvKeys();
    const res = await connectFreshdesk({ ...FRESHDESK_FIELDS, api_key: "wrong_key_12345" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Freshdesk did not accept this API key.");
    expect(await connectionRow("freshdesk")).toBeNull();
    expect(await kvKeys()).toBe(keysBefore);
  });

  it("an escalation makes one ticket with a private transcript note; a resolved ticket closes the conversation on the next poll, as the integration", async () => {
    expect((await connectFreshdesk()).status).toBe(302);
    const id = await newConversation({ email: "fd@example.com", name: "Fay Desk" });
    await escalate(id);
    const first = await pump(installed);
    for (const d of first) await env.DB.prepare("UPDATE deliveries SET status = 'pending' WHERE id = ?").bind(d.deliveryId).run();
    await retry(
      installed,
      first.map((d) => d.deliveryId),
    );
    expect(freshdesk().tickets).toHaveLength(1);
    const ticket = freshdesk().tickets[0]!;
    expect(ticket).toMatchObject({ subject: "Order #42", status: 2, source: 7, tags: ["integrations-hub", "chat-escalation", id] });
    expect(ticket.notes).toEqual([
      expect.objectContaining({ private: true, body: expect.stringContaining("Fay Desk: Where is my order?") }),
    ]);

    const auth = `Basic ${btoa("sandbox_freshdesk_key:X")}`;
    await installed.fakes.freshdesk.handle(
      new Request(`https://freshdesk.fake.test/x/api/v2/tickets/${ticket.id}`, {
        method: "PUT",
        headers: { Authorization: auth, "Content-Type": "application/json" },
        body: JSON.stringify({ status: 4 }),
      }),
      `/api/v2/tickets/${ticket.id}`,
    );
    const row = (await connectionOf("freshdesk"))!;
    const credential = await loadCredential(
      { db: createDb(env.DB), kv: env.KV, env: env as Env, fetch, now: () => new Date() },
      freshdeskAdapter,
      row,
    );
    const result = await freshdeskAdapter.cron!({
      db: createDb(env.DB),
      kv: env.KV,
      env: env as Env,
      fetch: installed.fetch,
      now: new Date(),
      connections: async () => [{ row, credential, context: {}, settings: {} }],
    });
    expect(result).toEqual({ closed: 1, failed: 0 });
    expect((await conversation(id)).status).toBe("closed");
    const closed = await env.DB.prepare("SELECT performed_by FROM events WHERE type = 'conversation.closed'").first<{
      performed_by: string;
    }>();
    expect(JSON.parse(closed!.performed_by)).toMatchObject({ type: "system", id: "freshdesk" });
  });
});
