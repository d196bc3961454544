import { and, count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { auditLog, deliveries, deliveryAttempts, webhookEndpoints } from "~/lib/db/schema";
import { type BrowserClient, signIn } from "../helpers/browser-client";
import { ACME, GLOBEX } from "../helpers/seed";
import { db, deliveryRow, makeDelivery, makeEndpoint } from "./webhook-fixtures";

const BASE = "/integrations/developers/webhooks";
const receiverCalls: { url: string; headers: Headers; body: string }[] = [];

beforeAll(() => {
  // Outbound webhook requests must stay on this machine: *.example.com receivers are answered here.
  const real = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    // The production URL guard resolves names over DNS-over-HTTPS first: example.com names get a public address.
    if (url.startsWith("https://cloudflare-dns.com/dns-query?") && /name=[a-z0-9.-]*example\.com&/.test(url)) {
      const a = url.endsWith("type=A") ? [{ type: 1, data: "93.184.216.34" }] : [];
      return Response.json({ Status: 0, Answer: a });
    }
    if (/^https:\/\/[a-z0-9.-]*example\.com\//.test(url)) {
      receiverCalls.push({ url, headers: new Headers(init?.headers), body: String(init?.body ?? "") });
      return url.includes("/down") ? new Response("nope", { status: 503 }) : new Response('{"received":true}', { status: 200 });
    }
    return real(input, init);
  });
});

async function endpointCount(companyId: string = ACME.id) {
  return (await db().select({ n: count() }).from(webhookEndpoints).where(eq(webhookEndpoints.companyId, companyId)).get())!.n;
}

const EVENTS = ["conversation.created", "message.received"];

async function createViaForm(client: BrowserClient, url = "https://hooks.example.com/crm") {
  const res = await client.post(`${BASE}/new`, { url, description: "CRM", events: EVENTS });
  expect(res.status).toBe(302);
  const location = res.headers.get("Location")!;
  const id = location.match(/webhooks\/(we_[a-z0-9]+)\?created=1$/)![1]!;
  return { id, location };
}

describe("the Webhooks section", () => {
  it("shows the intro, the Add button and the six available events with a meaning and a sample payload each", async () => {
    const client = await signIn(ACME.adminEmail);
    const html = await (await client.get("/integrations/developers")).text();
    expect(html).toContain("Receive real-time updates when events occur.");
    expect(html).toContain("+ Add Webhook Endpoint");
    for (const type of [
      "conversation.created",
      "conversation.updated",
      "conversation.closed",
      "message.received",
      "message.sent",
      "escalation.triggered",
    ]) {
      expect(html).toContain(`<code class="font-mono">${type}</code>`);
      expect(html).toContain(`&quot;type&quot;: &quot;${type}&quot;`);
    }
  });

  it("an agent cannot reach the webhook pages", async () => {
    const agent = await signIn(ACME.agentEmail);
    expect((await agent.get(`${BASE}/new`)).status).toBe(403);
    expect((await agent.post(`${BASE}/new`, { url: "https://hooks.example.com/x", events: EVENTS })).status).toBe(403);
  });
});

describe("creating an endpoint", () => {
  it("creates it, reveals its secret exactly once, stores the secret encrypted and audits without it", async () => {
    const client = await signIn(ACME.adminEmail);
    expect((await client.get(`${BASE}/new`)).status).toBe(200);
    const { id, location } = await createViaForm(client);
    const first = await (await client.get(location)).text();
    const secret = first.match(/whsec_[A-Za-z0-9+/=]+/)?.[0];
    expect(secret).toBeDefined();
    expect(first).toContain("shown once");
    const again = await (await client.get(location)).text();
    expect(again).not.toContain("whsec_");
    const list = await (await client.get("/integrations/developers")).text();
    expect(list).toContain("https://hooks.example.com/crm");
    expect(list).toContain("conversation.created, message.received");
    expect(list).not.toContain("whsec_");
    const row = await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get();
    expect(row).toMatchObject({ companyId: ACME.id, status: "active", events: EVENTS, createdBy: "usr_john" });
    expect(row!.secretEnc).toMatch(/^v1\./);
    expect(row!.secretEnc).not.toContain(secret!.slice(6, 20));
    const audit = await db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.target, id), eq(auditLog.action, "webhook_endpoint.created")))
      .all();
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain("whsec_");
  });

  const forbidden = [
    ["a private IPv4 literal", "https://10.0.0.1/hook"],
    ["a loopback address (outside development)", "https://127.0.0.1/hook"],
    ["a decimal IPv4 trick", "https://2130706433/hook"],
    ["an IPv4-mapped IPv6 address", "https://[::ffff:192.168.0.1]/hook"],
    ["a ULA IPv6 address", "https://[fd00::1]/hook"],
    ["a CGNAT address", "https://100.64.1.1/hook"],
    ["cloud metadata", "https://169.254.169.254/latest"],
    ["link-local IPv6", "https://[fe80::1]/hook"],
    ["localhost", "https://localhost/hook"],
    ["a .local name", "https://printer.local/hook"],
    ["a .internal name", "https://metadata.google.internal/hook"],
    ["userinfo", "https://user:pw@hooks.example.com/hook"],
    ["a non-http scheme", "ftp://hooks.example.com/hook"],
    ["a URL over 2,048 characters", `https://hooks.example.com/${"a".repeat(2100)}`],
  ] as const;

  it.each(forbidden)("refuses %s with a 400, a field error and the typed value kept, saving nothing", async (_, url) => {
    const client = await signIn(ACME.adminEmail);
    const before = await endpointCount();
    const res = await client.post(`${BASE}/new`, { url, description: "keep me", events: EVENTS });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toMatch(/class="field-error"/);
    expect(html).toContain('value="keep me"');
    if (url.length < 200) expect(html).toContain(`value="${url.replace(/&/g, "&amp;")}"`);
    expect(await endpointCount()).toBe(before);
  });

  it("refuses no events and an unknown event with a 400", async () => {
    const client = await signIn(ACME.adminEmail);
    const before = await endpointCount();
    const none = await client.post(`${BASE}/new`, { url: "https://hooks.example.com/a" });
    expect(none.status).toBe(400);
    expect(await none.text()).toContain("Choose at least one event.");
    const unknown = await client.post(`${BASE}/new`, {
      url: "https://hooks.example.com/a",
      events: ["conversation.created", "invoice.paid"],
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("Choose events from the list.");
    expect(await endpointCount()).toBe(before);
  });

  it("refuses a 21st endpoint with a 400", async () => {
    const client = await signIn(ACME.adminEmail);
    while ((await endpointCount()) < 20) await makeEndpoint();
    const res = await client.post(`${BASE}/new`, { url: "https://hooks.example.com/21", events: EVENTS });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("at most 20 webhook endpoints");
    expect(await endpointCount()).toBe(20);
    await db().delete(webhookEndpoints).where(eq(webhookEndpoints.companyId, ACME.id));
  });
});

describe("managing an endpoint", () => {
  it("edits the URL, description and events, and refuses a bad edit with a 400", async () => {
    const client = await signIn(ACME.adminEmail);
    const { id } = await createViaForm(client);
    expect(await (await client.get(`${BASE}/${id}/edit`)).text()).toContain('value="https://hooks.example.com/crm"');
    const bad = await client.post(`${BASE}/${id}/edit`, { url: "https://192.168.1.1/x", description: "d", events: EVENTS });
    expect(bad.status).toBe(400);
    const ok = await client.post(`${BASE}/${id}/edit`, {
      url: "https://hooks.example.com/v2",
      description: "New",
      events: ["message.sent"],
    });
    expect(ok.status).toBe(302);
    const row = await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get();
    expect(row).toMatchObject({ url: "https://hooks.example.com/v2", description: "New", events: ["message.sent"] });
    expect(await (await client.get(ok.headers.get("Location")!)).text()).toContain("Changes to https://hooks.example.com/v2 saved.");
  });

  it("one bad submit reports every field's error at once (URL and events), with the rule that applies here", async () => {
    const client = await signIn(ACME.adminEmail);
    const { id } = await createViaForm(client);
    const form = await (await client.get(`${BASE}/${id}/edit`)).text();
    // the rule is stated beside the field, for this (production-like) environment
    expect(form).toContain("Must start with https:// and use the default port.");
    const res = await client.post(`${BASE}/${id}/edit`, { url: "ftp://hooks.example.com/x", description: "d" });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("The URL must start with https://.");
    expect(html).toContain("Choose at least one event.");
    expect(html).toContain('value="ftp://hooks.example.com/x"');
    expect(html.match(/class="field-error"/g)?.length).toBe(2);
  });

  it("deletes after a confirmation page", async () => {
    const client = await signIn(ACME.adminEmail);
    const { id } = await createViaForm(client);
    expect(await (await client.get(`${BASE}/${id}/delete`)).text()).toContain("Delete webhook endpoint?");
    const res = await client.post(`${BASE}/${id}/delete`);
    expect(res.status).toBe(302);
    expect(await (await client.get(res.headers.get("Location")!)).text()).toContain(
      "Webhook endpoint https://hooks.example.com/crm deleted.",
    );
    expect(await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get()).toBeUndefined();
    expect((await client.get(`${BASE}/${id}`)).status).toBe(404);
  });

  it("Test sends a signed webhook.test at once and shows status, latency and the response after the redirect", async () => {
    const client = await signIn(ACME.adminEmail);
    const { id } = await createViaForm(client);
    const calls = receiverCalls.length;
    const res = await client.post(`${BASE}/${id}`, { intent: "test" });
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toMatch(new RegExp(`^${BASE}/${id}\\?test=dlv_`));
    expect(receiverCalls.length).toBe(calls + 1);
    const sent = receiverCalls[calls]!;
    expect(JSON.parse(sent.body).type).toBe("webhook.test");
    expect(sent.headers.get("webhook-signature")).toMatch(/^v1,/);
    const html = (await (await client.get(res.headers.get("Location")!)).text()).replaceAll("<!-- -->", "");
    expect(html).toContain("Test event delivered");
    expect(html).toMatch(/status 200 · \d+ ms/);
    expect(html).toContain("{&quot;received&quot;:true}");
    const deliveryId = res.headers.get("Location")!.split("test=")[1]!;
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "succeeded", attempts: 1, lastStatusCode: 200 });
    expect(await db().select().from(deliveryAttempts).where(eq(deliveryAttempts.deliveryId, deliveryId)).all()).toHaveLength(1);
  });

  it("a failing Test is recorded and shown as failed", async () => {
    const client = await signIn(ACME.adminEmail);
    const { id } = await createViaForm(client, "https://hooks.example.com/down");
    const res = await client.post(`${BASE}/${id}`, { intent: "test" });
    const html = (await (await client.get(res.headers.get("Location")!)).text()).replaceAll("<!-- -->", "");
    expect(html).toContain("Test event failed");
    expect(html).toContain("status 503");
  });

  it("rotating the secret reveals the new one once and shows how long the old one keeps signing", async () => {
    const client = await signIn(ACME.adminEmail);
    const { id, location } = await createViaForm(client);
    const original = (await (await client.get(location)).text()).match(/whsec_[A-Za-z0-9+/=]+/)![0];
    const res = await client.post(`${BASE}/${id}`, { intent: "rotate" });
    expect(res.status).toBe(302);
    const html = await (await client.get(res.headers.get("Location")!)).text();
    const rotated = html.match(/whsec_[A-Za-z0-9+/=]+/)![0];
    expect(rotated).not.toBe(original);
    expect(html).toContain("The previous secret keeps signing until");
    const row = await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get();
    expect(row!.previousSecretExpiresAt!.getTime() - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    const audit = await db().select().from(auditLog).where(eq(auditLog.target, id)).all();
    expect(audit.map((a) => a.action)).toContain("webhook_endpoint.secret_rotated");
    expect(JSON.stringify(audit)).not.toContain("whsec_");
  });

  it("re-enables a disabled endpoint", async () => {
    const client = await signIn(ACME.adminEmail);
    const { id } = await createViaForm(client);
    await db()
      .update(webhookEndpoints)
      .set({ status: "disabled", disabledReason: "The endpoint answered 410 Gone.", failingSince: new Date() })
      .where(eq(webhookEndpoints.id, id));
    const page = await (await client.get(`${BASE}/${id}`)).text();
    expect(page).toContain("Re-enable");
    expect(page).toContain("The endpoint answered 410 Gone.");
    expect((await client.post(`${BASE}/${id}`, { intent: "reenable" })).status).toBe(302);
    expect(await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get()).toMatchObject({
      status: "active",
      disabledReason: null,
      failingSince: null,
    });
  });

  it("lists deliveries with their attempts, resends one and replays failed ones", async () => {
    const client = await signIn(ACME.adminEmail);
    const { id } = await createViaForm(client);
    const a = await makeDelivery(id);
    const b = await makeDelivery(id);
    await db().update(deliveries).set({ status: "failed", attempts: 8, lastStatusCode: 500 }).where(eq(deliveries.targetId, id));
    const html = await (await client.get(`${BASE}/${id}`)).text();
    expect(html).toContain("Deliveries");
    expect(html.match(/Resend<\/button>/g)?.length).toBe(2);
    const resend = await client.post(`${BASE}/${id}`, { intent: "resend", deliveryId: a.deliveryId });
    expect(resend.status).toBe(302);
    expect(await deliveryRow(a.deliveryId)).toMatchObject({ attempts: 0 });
    // issue 20 item 6: the row's count agrees with the attempts its expander lists after a resend
    const now = Date.now();
    await db()
      .insert(deliveryAttempts)
      .values(
        [1, 2].map((n) => ({
          id: `att_resent_${n}`,
          companyId: "co_acme",
          deliveryId: a.deliveryId,
          n,
          at: new Date(now - 60_000 + n),
          durationMs: 10,
          statusCode: 500,
          error: null,
        })),
      )
      .run();
    expect((await (await client.get(`${BASE}/${id}`)).text()).replaceAll("<!-- -->", "")).toMatch(/Attempts: [2-9] \([01] since resent\)/);
    const replay = await client.post(`${BASE}/${id}`, { intent: "replay", since: "24h" });
    expect(replay.headers.get("Location")).toBe(`${BASE}/${id}?replayed=1`);
    expect((await deliveryRow(b.deliveryId))!.attempts).toBe(0);
    expect((await client.post(`${BASE}/${id}`, { intent: "replay", since: "forever" })).status).toBe(400);
  });

  it("an unknown intent is a 400", async () => {
    const client = await signIn(ACME.adminEmail);
    const { id } = await createViaForm(client);
    expect((await client.post(`${BASE}/${id}`, { intent: "explode" })).status).toBe(400);
  });
});

describe("another company's endpoint", () => {
  it("is a 404 on every page and every action, and nothing changes", async () => {
    const acme = await signIn(ACME.adminEmail);
    const { id } = await createViaForm(acme);
    const { deliveryId } = await makeDelivery(id);
    const globex = await signIn(GLOBEX.adminEmail);
    for (const path of [`${BASE}/${id}`, `${BASE}/${id}/edit`, `${BASE}/${id}/delete`]) expect((await globex.get(path)).status).toBe(404);
    for (const intent of ["test", "rotate", "reenable", "replay", "resend"]) {
      expect((await globex.post(`${BASE}/${id}`, { intent, since: "24h", deliveryId })).status).toBe(404);
    }
    expect((await globex.post(`${BASE}/${id}/edit`, { url: "https://evil.example.com/x", events: EVENTS })).status).toBe(404);
    expect((await globex.post(`${BASE}/${id}/delete`)).status).toBe(404);
    const row = await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get();
    expect(row).toMatchObject({ url: "https://hooks.example.com/crm", previousSecretEnc: null });
    expect(await (await globex.get("/integrations/developers")).text()).not.toContain("hooks.example.com/crm");
    expect((await globex.get(`${BASE}/we_doesnotexist`)).status).toBe(404);
  });
});
