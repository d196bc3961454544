import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Env } from "~/lib/env";
import { verifyMailchimp } from "~/lib/integrations/mailchimp";
import { clearDnsCache } from "~/lib/webhooks/url-guard";
import { signIn } from "../helpers/browser-client";
import { ACME } from "../helpers/seed";
import { api } from "./api-client";
import { AC_URL, installCommerceFakes } from "./commerce-helpers";
import { connect, connectionRow, deliveryRows, pump, resetTables, retry } from "./crm-helpers";

let installed: ReturnType<typeof installCommerceFakes>;
beforeEach(async () => {
  await resetTables();
  installed = installCommerceFakes();
});
afterEach(() => {
  installed.restore();
  vi.unstubAllGlobals();
});

const MC_TOKEN = "sandbox_mailchimp_token";
const AC_FIELDS = { account_url: AC_URL, api_key: "sandbox_ac_key_123" };
const mailchimp = () => installed.fakes.mailchimp.snapshot() as { members: Record<string, any>[] };
const activecampaign = () =>
  installed.fakes.activecampaign.snapshot() as { contacts: Record<string, any>[]; tags: Record<string, any>[]; contactTags: unknown[] };
const mdHex = async (s: string) =>
  [...new Uint8Array(await crypto.subtle.digest("MD5", new TextEncoder().encode(s)))].map((b) => b.toString(16).padStart(2, "0")).join("");

async function conversation(email: string, consent?: boolean) {
  const contact: Record<string, unknown> = { email, name: "Olivia Opt-In" };
  if (consent !== undefined) contact.marketing_consent = consent;
  const res = await api("/conversations", { method: "POST", body: { contact, message: { body: "Hi there" } } });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { id: string; contact: { marketing_consent: boolean } };
  return body;
}
const setConsent = (id: string, consent: boolean) =>
  api(`/conversations/${id}`, { method: "PATCH", body: { contact: { marketing_consent: consent } } });

const connectMailchimp = (config: Record<string, unknown> = { list_id: "a1b2c3d4e5", tags: "support-chat, vip" }) =>
  connect("mailchimp", {
    accessToken: MC_TOKEN,
    context: { dc: "us1", api_endpoint: "https://us1.api.mailchimp.com" },
    config,
    accountId: "9001",
  });
const connectAc = async (config: Record<string, unknown> = { list_id: "1", tags: "support-chat, VIP" }) => {
  const res = await (await signIn(ACME.adminEmail)).post("/integrations/activecampaign/connect", { intent: "api_key", ...AC_FIELDS });
  expect(res.status).toBe(302);
  await env.DB.prepare("UPDATE connections SET config = ? WHERE provider = 'activecampaign'").bind(JSON.stringify(config)).run();
};

describe("marketing consent on the API", () => {
  it("defaults to false, is set on create and through PATCH, and rides in the conversation events", async () => {
    const created = await conversation("plain@example.com");
    expect(created.contact.marketing_consent).toBe(false);
    const res = await setConsent(created.id, true);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { contact: { marketing_consent: boolean } }).contact.marketing_consent).toBe(true);
    const again = await setConsent(created.id, true);
    expect(again.status).toBe(200);
    const events = await env.DB.prepare("SELECT type, payload FROM events WHERE type LIKE 'conversation.%' ORDER BY id").all<{
      type: string;
      payload: string;
    }>();
    expect(events.results.map((e) => [e.type, JSON.parse(e.payload).contact.marketing_consent])).toEqual([
      ["conversation.created", false],
      ["conversation.updated", true],
    ]);
  });

  it("a non-boolean consent or an empty PATCH is a 400 with field errors, and nothing changes", async () => {
    const { id } = await conversation("bad@example.com");
    const wrong = await api(`/conversations/${id}`, { method: "PATCH", body: { contact: { marketing_consent: "yes" } } });
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(await wrong.json())).toContain("marketing_consent");
    expect((await api(`/conversations/${id}`, { method: "PATCH", body: {} })).status).toBe(400);
    const bad = await api("/conversations", {
      method: "POST",
      body: { contact: { email: "x@example.com", marketing_consent: 1 }, message: { body: "Hi" } },
    });
    expect(bad.status).toBe(400);
    const row = await env.DB.prepare("SELECT contact_marketing_consent FROM conversations WHERE id = ?")
      .bind(id)
      .first<{ contact_marketing_consent: number }>();
    expect(row!.contact_marketing_consent).toBe(0);
  });
});

describe("Mailchimp adapter", () => {
  it("a contact without marketing consent is never sent to Mailchimp", async () => {
    await connectMailchimp();
    const { id } = await conversation("no-consent@example.com");
    await api(`/conversations/${id}`, { method: "PATCH", body: { status: "closed" } });
    await pump(installed);
    expect(await deliveryRows("mailchimp")).toEqual([]);
    expect(installed.fakes.mailchimp.calls()).toEqual([]);
    expect(mailchimp().members).toEqual([]);
  });

  it("a contact with consent is added as pending with its tags; the same event twice makes one member, and later events send nothing more", async () => {
    await connectMailchimp();
    const { id } = await conversation("Olivia@Example.com", true);
    const first = await pump(installed);
    expect(first).toHaveLength(1);
    await env.DB.prepare("UPDATE deliveries SET status = 'pending' WHERE id = ?").bind(first[0]!.deliveryId).run();
    await retry(installed, [first[0]!.deliveryId]);
    const hash = await mdHex("olivia@example.com");
    expect(mailchimp().members).toEqual([
      expect.objectContaining({
        id: hash,
        email_address: "Olivia@Example.com",
        list_id: "a1b2c3d4e5",
        status: "pending",
        merge_fields: { FNAME: "Olivia", LNAME: "Opt-In" },
        tags: [{ name: "support-chat" }, { name: "vip" }],
      }),
    ]);
    const put = installed.fakes.mailchimp.calls().find((c) => c.method === "PUT")!;
    expect(put).toMatchObject({ path: `/3.0/lists/a1b2c3d4e5/members/${hash}`, status: 200, body: { status_if_new: "pending" } });
    expect((await deliveryRows("mailchimp"))[0]).toMatchObject({ status: "succeeded", event_type: "conversation.created" });
    expect((await connectionRow("mailchimp"))!.last_success_at).not.toBeNull();
    // Closing it later: the member is already there, so no delivery at all.
    await api(`/conversations/${id}`, { method: "PATCH", body: { status: "closed" } });
    expect(await pump(installed)).toEqual([]);
  });

  it("consent given later through PATCH adds the contact; consent withdrawn before the attempt sends nothing", async () => {
    await connectMailchimp();
    const later = await conversation("later@example.com");
    await pump(installed);
    await setConsent(later.id, true);
    const [d] = await pump(installed);
    expect(d!.retry).toBeNull();
    expect(mailchimp().members.map((m) => m.email_address)).toEqual(["later@example.com"]);

    const withdrawn = await conversation("withdrawn@example.com", true);
    await setConsent(withdrawn.id, false);
    await pump(installed);
    expect(mailchimp().members.map((m) => m.email_address)).toEqual(["later@example.com"]);
    const rows = await deliveryRows("mailchimp");
    expect(rows.at(-1)).toMatchObject({ status: "failed", last_error: "Not sent: the contact has not given marketing consent." });
  });

  it("nothing is sent before an audience is chosen", async () => {
    await connectMailchimp({ list_id: "", tags: "" });
    await conversation("early@example.com", true);
    expect(await pump(installed)).toEqual([]);
    expect(installed.fakes.mailchimp.calls()).toEqual([]);
  });

  it("429 is retried after Retry-After; 401 makes the connection need reconnecting", async () => {
    await connectMailchimp();
    installed.fakes.mailchimp.inject({ method: "PUT", status: 429, retryAfter: 9 });
    await conversation("busy@example.com", true);
    const [d] = await pump(installed);
    expect(d!.retry).toBe(9);
    installed.fakes.mailchimp.credentials.revoked.add(MC_TOKEN);
    await retry(installed, [d!.deliveryId]);
    expect(await connectionRow("mailchimp")).toMatchObject({ status: "needs_reauth" });
    expect(mailchimp().members).toEqual([]);
  });

  it("connecting reads the data center from the OAuth metadata; a refused token is an error and nothing else", async () => {
    const base = {
      company: { id: "co_acme", slug: "acme" },
      env: env as Env,
      fetch: installed.fetch,
      now: new Date(),
      signal: AbortSignal.timeout(5000),
    };
    expect(await verifyMailchimp({ ...base, token: "not_a_sandbox_token" })).toEqual({
      ok: false,
      fieldErrors: { "": ["Mailchimp did not accept the authorization. Please try again."] },
    });
    expect(await verifyMailchimp({ ...base, token: MC_TOKEN })).toEqual({
      ok: true,
      accountLabel: "Acme Corporation (Sandbox)",
      accountId: "9001",
      context: { dc: "us1", api_endpoint: "https://us1.api.mailchimp.com" },
    });
  });

  it("Configure lists the account's audiences and refuses one that is not there", async () => {
    await connectMailchimp({ list_id: "", tags: "support-chat" });
    const john = await signIn(ACME.adminEmail);
    const page = await john.get("/integrations/mailchimp/configure");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Acme Newsletter");
    expect(html).toContain("Product updates");
    const bad = await john.post("/integrations/mailchimp/configure", { intent: "save", list_id: "zzzzzzzzzz", tags: "a" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("That choice is not available any more.");
    const good = await john.post("/integrations/mailchimp/configure", { intent: "save", list_id: "f6g7h8i9j0", tags: "chat" });
    expect(good.status).toBe(302);
    expect(JSON.parse((await connectionRow("mailchimp"))!.config)).toEqual({ list_id: "f6g7h8i9j0", tags: "chat" });
    // The list is cached: one GET /3.0/lists for the page and the two saves; Refresh asks again.
    expect(installed.fakes.mailchimp.calls().filter((c) => c.path === "/3.0/lists")).toHaveLength(1);
    expect((await john.post("/integrations/mailchimp/configure", { intent: "refresh" })).status).toBe(302);
    await john.get("/integrations/mailchimp/configure");
    expect(installed.fakes.mailchimp.calls().filter((c) => c.path === "/3.0/lists")).toHaveLength(2);
  });
});

describe("ActiveCampaign adapter", () => {
  it("a wrong API key or a private API URL at connect is a field error and saves nothing", async () => {
    const john = await signIn(ACME.adminEmail);
    const wrong = await john.post("/integrations/activecampaign/connect", { intent: "api_key", ...AC_FIELDS, api_key: "wrong_key_12345" });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("ActiveCampaign did not accept this API key.");
    const local = await john.post("/integrations/activecampaign/connect", {
      intent: "api_key",
      ...AC_FIELDS,
      account_url: "https://127.0.0.1",
    });
    expect(local.status).toBe(400);
    expect(await local.text()).toContain("Private, loopback and internal network addresses are not allowed.");
    expect(await connectionRow("activecampaign")).toBeNull();
    expect(installed.fakes.activecampaign.calls().map((c) => c.path)).toEqual(["/api/3/users/me"]);
  });

  it("connecting checks the key with users/me and keeps the API URL in the context", async () => {
    await connectAc();
    const row = await connectionRow("activecampaign");
    expect(row).toMatchObject({ status: "connected", account_label: "acme.api-us1.test", account_id: "1" });
    expect(JSON.parse(row!.context)).toEqual({ base_url: AC_URL });
    expect(JSON.stringify(row)).not.toContain(AC_FIELDS.api_key);
  });

  it("a contact without marketing consent is never sent to ActiveCampaign", async () => {
    await connectAc();
    const { id } = await conversation("quiet@example.com", false);
    await api(`/conversations/${id}`, { method: "PATCH", body: { status: "closed" } });
    await pump(installed);
    expect(await deliveryRows("activecampaign")).toEqual([]);
    expect(installed.fakes.activecampaign.calls().map((c) => c.path)).toEqual(["/api/3/users/me"]);
    expect(activecampaign().contacts).toEqual([]);
  });

  it("a contact with consent is synced, subscribed and tagged; a failed attempt retried makes one contact, one tag each", async () => {
    await connectAc();
    installed.fakes.activecampaign.inject({ method: "POST", path: "/api/3/contactTags", status: 500 });
    await conversation("olivia@example.com", true);
    const [d] = await pump(installed);
    expect(d!.retry).not.toBeNull();
    await retry(installed, [d!.deliveryId]);
    const state = activecampaign();
    expect(state.contacts).toEqual([
      expect.objectContaining({
        email: "olivia@example.com",
        firstName: "Olivia",
        lastName: "Opt-In",
        lists: ["1"],
        tags: ["support-chat", "vip"],
      }),
    ]);
    // "VIP" matched the existing tag; "support-chat" was created once.
    expect(state.tags.map((t) => t.tag)).toEqual(["vip", "support-chat"]);
    expect(state.contactTags).toHaveLength(2);
    expect(installed.fakes.activecampaign.calls().filter((c) => c.path === "/api/3/contact/sync")).toHaveLength(2);
    expect((await deliveryRows("activecampaign"))[0]).toMatchObject({ status: "succeeded" });
  });

  it("429 is retried after Retry-After; 401 makes the connection need reconnecting", async () => {
    await connectAc();
    installed.fakes.activecampaign.inject({ path: "/api/3/contact/sync", status: 429, retryAfter: 7 });
    await conversation("busy@example.com", true);
    const [d] = await pump(installed);
    expect(d!.retry).toBe(7);
    installed.fakes.activecampaign.credentials.revoked.add(AC_FIELDS.api_key);
    await retry(installed, [d!.deliveryId]);
    expect(await connectionRow("activecampaign")).toMatchObject({ status: "needs_reauth" });
    expect(activecampaign().contacts).toEqual([]);
  });

  it("an API URL that now resolves to a private address is refused before any call", async () => {
    await connectAc();
    installed.restore();
    vi.unstubAllGlobals();
    installed = installCommerceFakes(() => "10.0.0.7");
    clearDnsCache();
    await conversation("dns@example.com", true);
    const [d] = await pump(installed);
    expect(d!.retry).toBeNull();
    const [row] = await deliveryRows("activecampaign");
    expect(row).toMatchObject({ status: "failed" });
    expect(row!.last_error).toContain("resolves to a non-public address");
    expect(installed.fakes.activecampaign.calls()).toEqual([]);
  });
});
