import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { signIn } from "../helpers/browser-client";
import { ACME, GLOBEX } from "../helpers/seed";
import { api, newKey } from "./api-client";

const PAGE = "/integrations/developers";
const KEY_IN_HTML = /sk_live_[A-Za-z0-9_-]{40,}/g;

async function createViaUi(
  client: Awaited<ReturnType<typeof signIn>>,
  name: string,
  scopes = ["conversations:read", "conversations:write"],
) {
  const res = await client.post(PAGE, { intent: "create-key", name, scopes });
  expect(res.status).toBe(302);
  const location = res.headers.get("Location")!;
  expect(location).toMatch(/^\/integrations\/developers\?revealed=[A-Za-z0-9_-]+$/);
  return location;
}

describe("API keys on the API & Webhooks tab", () => {
  it("shows the masked default key, the endpoint URL, the docs link and the warning, in the product's words", async () => {
    const client = await signIn(ACME.adminEmail);
    const res = await client.get(PAGE);
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toContain("no-store");
    const html = await res.text();
    expect(html).toContain("sk_live_…1234");
    expect(html).toContain("Default key");
    expect(html).toContain("http://localhost/v1");
    expect(html).toContain('href="/docs/api"');
    expect(html).toContain("View API Documentation →");
    expect(html).toContain("Keep keys secret. Never put one in client-side code.");
    expect(html).toContain("A key is shown in full once, when you create it");
    // the screen talks about the product, not about the spec it was built from
    expect(html).not.toContain("Show” button");
    expect(html.match(KEY_IN_HTML)).toBeNull();
  });

  it("a created key is shown exactly once: a reload does not show it, and it works against the API", async () => {
    const client = await signIn(ACME.adminEmail);
    const location = await createViaUi(client, "Reporting job");
    const first = await (await client.get(location)).text();
    const shown = first.match(KEY_IN_HTML);
    expect(shown).not.toBeNull();
    const secret = shown![0];
    expect(first).toContain("it will not be shown again");
    expect((await api("/me", { key: secret })).status).toBe(200);
    const reload = await (await client.get(location)).text();
    expect(reload).not.toContain(secret);
    expect(reload.match(KEY_IN_HTML)).toBeNull();
    expect(reload).toContain("already been shown");
    const page = await (await client.get(PAGE)).text();
    expect(page).toContain(`sk_live_…${secret.slice(-4)}`);
    expect(page).toContain("Reporting job");
    const dump = JSON.stringify([
      (await env.DB.prepare("SELECT * FROM api_keys").all()).results,
      (await env.DB.prepare("SELECT * FROM audit_log").all()).results,
    ]);
    expect(dump).not.toContain(secret);
    const audit = await env.DB.prepare(
      "SELECT actor, details FROM audit_log WHERE action = 'api_key.created' ORDER BY at DESC LIMIT 1",
    ).first<{ actor: string; details: string }>();
    expect(JSON.parse(audit!.actor)).toMatchObject({ type: "user", id: "usr_john" });
    expect(JSON.parse(audit!.details)).toMatchObject({ name: "Reporting job", scopes: ["conversations:read", "conversations:write"] });
  });

  it("another user cannot consume someone else's reveal link", async () => {
    const john = await signIn(ACME.adminEmail);
    const location = await createViaUi(john, "Not yours");
    const globex = await signIn(GLOBEX.adminEmail);
    const html = await (await globex.get(location)).text();
    expect(html.match(KEY_IN_HTML)).toBeNull();
  });

  it("a bad create form is a 400 with field errors, keeping the name, and writes nothing", async () => {
    const client = await signIn(ACME.adminEmail);
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM api_keys").first<{ n: number }>();
    const res = await client.post(PAGE, { intent: "create-key", name: "Keeps this name" });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("Choose at least one scope");
    expect(html).toContain('value="Keeps this name"');
    const noName = await client.post(PAGE, { intent: "create-key", name: " ", scopes: ["conversations:read"] });
    expect(noName.status).toBe(400);
    expect(await noName.text()).toContain("Give the key a name");
    const badScope = await client.post(PAGE, { intent: "create-key", name: "x", scopes: ["admin:all"] });
    expect(badScope.status).toBe(400);
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM api_keys").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
    expect((await client.post(PAGE, { intent: "delete-everything" })).status).toBe(400);
  });

  it("regenerate shows the new key once and keeps the old one working for the chosen overlap", async () => {
    const client = await signIn(ACME.adminEmail);
    const old = await newKey(ACME.id, ["conversations:read"], "Nightly sync");
    const modal = await client.get(`${PAGE}/keys/${old.id}/regenerate`);
    expect(modal.status).toBe(200);
    const modalHtml = await modal.text();
    expect(modalHtml).toContain("Regenerate API key");
    expect(modalHtml).toContain("In 24 hours");
    const res = await client.post(PAGE, { intent: "regenerate-key", keyId: old.id, overlap: "1h" });
    expect(res.status).toBe(302);
    const html = await (await client.get(res.headers.get("Location")!)).text();
    const fresh = html.match(KEY_IN_HTML)![0];
    expect(fresh).not.toBe(old.secret);
    expect((await api("/me", { key: fresh })).status).toBe(200);
    expect((await api("/me", { key: old.secret })).status).toBe(200);
    const row = await env.DB.prepare("SELECT expires_at, replaced_by FROM api_keys WHERE id = ?")
      .bind(old.id)
      .first<{ expires_at: number; replaced_by: string }>();
    expect(row!.expires_at - Date.now()).toBeGreaterThan(3500_000);
    expect(row!.expires_at - Date.now()).toBeLessThanOrEqual(3600_000);
    const page = await (await client.get(PAGE)).text();
    expect(page).toContain("Stops working");
    // the two keys with the same name are told apart, and the old one offers no second Regenerate
    expect(page).toContain("Old key");
    expect(page).toMatch(new RegExp(`Replaced by(?:<!-- -->)? (?:<!-- -->)?the key ending in <code>${fresh.slice(-4)}</code>`));
    expect(page).not.toContain(`keys/${old.id}/regenerate`);
    expect(page).toContain(`keys/${old.id}/revoke`);
    expect((await client.get(`${PAGE}/keys/${old.id}/regenerate`)).status).toBe(404);
    expect((await client.post(PAGE, { intent: "regenerate-key", keyId: old.id, overlap: "1h" })).status).toBe(404);
  });

  it("revoke is confirmed in a modal route and then the key stops working", async () => {
    const client = await signIn(ACME.adminEmail);
    const key = await newKey(ACME.id, ["conversations:read"], "Old integration");
    const modal = await client.get(`${PAGE}/keys/${key.id}/revoke`);
    expect(modal.status).toBe(200);
    const html = await modal.text();
    expect(html).toContain("Revoke API key?");
    expect(html).toContain(`sk_live_…${key.secret.slice(-4)}`);
    const res = await client.post(PAGE, { intent: "revoke-key", keyId: key.id });
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe(PAGE);
    expect((await api("/me", { key: key.secret })).status).toBe(401);
    const after = await (await client.get(PAGE)).text();
    expect(after).not.toContain("Old integration");
    // the confirmation is in the next page's HTML (works without JavaScript), inside the live region
    expect(after).toMatch(/role="status"[^>]*>(?:(?!<\/div>).)*API key revoked\./s);
    // and only once
    expect(await (await client.get(PAGE)).text()).not.toContain("API key revoked.");
    expect((await client.get(`${PAGE}/keys/${key.id}/revoke`)).status).toBe(404);
  });

  it("an agent gets 403 from the developers action and nothing changes", async () => {
    const key = await newKey(ACME.id, ["conversations:read"], "Agent target");
    const agent = await signIn(ACME.agentEmail);
    expect((await agent.post(PAGE, { intent: "revoke-key", keyId: key.id })).status).toBe(403);
    expect((await agent.post(PAGE, { intent: "create-key", name: "sneaky", scopes: ["conversations:read"] })).status).toBe(403);
    expect((await api("/me", { key: key.secret })).status).toBe(200);
  });

  it("a Globex admin cannot see, regenerate or revoke Acme's key (404) and it keeps working", async () => {
    const key = await newKey(ACME.id, ["conversations:read"], "Acme only");
    const globex = await signIn(GLOBEX.adminEmail);
    expect((await globex.get(`${PAGE}/keys/${key.id}/revoke`)).status).toBe(404);
    expect((await globex.get(`${PAGE}/keys/${key.id}/regenerate`)).status).toBe(404);
    expect((await globex.post(PAGE, { intent: "revoke-key", keyId: key.id })).status).toBe(404);
    expect((await globex.post(PAGE, { intent: "regenerate-key", keyId: key.id, overlap: "now" })).status).toBe(404);
    expect((await api("/me", { key: key.secret })).status).toBe(200);
    expect(await (await globex.get(PAGE)).text()).not.toContain("Acme only");
  });
});
