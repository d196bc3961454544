import { env, SELF } from "cloudflare:test";
import { createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BrowserClient, signIn } from "../helpers/browser-client";
import { ACME } from "../helpers/seed";
import { api, count } from "./api-client";
import {
  connectFields,
  connectWhatsApp,
  drainDeliveries,
  type InstalledWhatsApp,
  inboundText,
  installWhatsApp,
  postSigned,
  resetTables,
  runWhatsAppQueue,
  SANDBOX_BUSINESS_ACCOUNT_ID,
  SANDBOX_PHONE_NUMBER_ID,
  statusUpdate,
  WA_HOST,
  WEBHOOK,
} from "./whatsapp-helpers";

let wa: InstalledWhatsApp;
let john: BrowserClient;

const connection = () =>
  env.DB.prepare("SELECT * FROM connections WHERE company_id = ? AND provider = 'whatsapp-business'")
    .bind(ACME.id)
    .first<Record<string, any>>();
const waConversations = () =>
  env.DB.prepare("SELECT * FROM conversations WHERE channel = 'whatsapp' ORDER BY id")
    .all<Record<string, any>>()
    .then((r) => r.results);
const waMessages = () =>
  env.DB.prepare("SELECT * FROM messages WHERE source = 'whatsapp' ORDER BY id")
    .all<Record<string, any>>()
    .then((r) => r.results);

beforeEach(async () => {
  wa = installWhatsApp();
  john = await signIn(ACME.adminEmail);
});

afterEach(async () => {
  wa.restore();
  await resetTables();
});

describe("connecting WhatsApp Business", () => {
  it("checks the number, token, app secret and business account with the Cloud API, then saves the connection with the number's name and a verify token", async () => {
    const res = await connectWhatsApp(john);
    expect(res.status).toBe(302);
    const row = await connection();
    expect(row).toMatchObject({
      status: "connected",
      account_id: SANDBOX_PHONE_NUMBER_ID,
      account_label: "Acme Support (Sandbox) · +1 555-010-0000",
    });
    const context = JSON.parse(row!.context);
    expect(context.verify_token).toMatch(/^whv_/);
    expect(context).not.toHaveProperty("access_token");
    expect(JSON.stringify(row)).not.toContain(connectFields.app_secret);
    expect(wa.fake.calls().map((c) => [c.method, c.path, c.status])).toEqual([
      ["GET", `/v26.0/${SANDBOX_PHONE_NUMBER_ID}`, 200],
      ["GET", `/v26.0/${SANDBOX_BUSINESS_ACCOUNT_ID}/phone_numbers`, 200],
    ]);
    // Each call carried an appsecret_proof keyed with the app secret (the fake refuses a wrong one).
    const sent = wa.fetch as unknown as { mock: { calls: [RequestInfo | URL, RequestInit?][] } };
    const urls = sent.mock.calls.map(([input]) => new URL(input instanceof Request ? input.url : String(input)));
    const proofs = urls.filter((u) => u.hostname === WA_HOST).map((u) => u.searchParams.get("appsecret_proof"));
    const expected = createHmac("sha256", connectFields.app_secret).update(connectFields.access_token).digest("hex");
    expect(proofs).toEqual([expected, expected]);
  });

  it("the success screen shows the callback URL and the verify token to paste into Meta's dashboard", async () => {
    const res = await connectWhatsApp(john);
    expect(res.headers.get("Location")).toBe("/integrations/whatsapp-business/connected");
    const token = JSON.parse((await connection())!.context).verify_token;
    const html = await (await john.get("/integrations/whatsapp-business/connected")).text();
    expect(html).toContain("Set up in Meta for Developers");
    expect(html).toContain("/integrations/whatsapp-business/webhook");
    expect(html).toContain(token);
    expect(html).not.toContain(connectFields.app_secret);
    expect(html).not.toContain(connectFields.access_token);
  });

  it("an app secret that is not the token's app's is a field error and nothing is saved", async () => {
    const res = await connectWhatsApp(john, { ...connectFields, app_secret: "not_the_app_secret_0000" });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("This is not the app secret of the app this access token belongs to.");
    expect(html).not.toContain("not_the_app_secret_0000");
    expect(await connection()).toBeNull();
  });

  it("a Cloud API that is rate limiting or down is a form error asking to try again, and nothing is saved", async () => {
    wa.fake.inject({ status: 429, retryAfter: 60 });
    const res = await connectWhatsApp(john);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("The WhatsApp Cloud API did not answer (or asked us to slow down).");
    expect(await connection()).toBeNull();
  });

  it("a business account that does not hold the phone number is a field error and nothing is saved", async () => {
    const res = await connectWhatsApp(john, { ...connectFields, business_account_id: "555555555555" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("This token cannot read that WhatsApp Business Account");
    expect(await connection()).toBeNull();
  });

  it("a token the Cloud API refuses is a field error and nothing is saved", async () => {
    const res = await connectWhatsApp(john, { ...connectFields, access_token: "wrong_token_123" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Meta did not accept this access token");
    expect(await connection()).toBeNull();
  });

  it("an unknown phone number id is a field error and nothing is saved", async () => {
    const res = await connectWhatsApp(john, { ...connectFields, phone_number_id: "123456789" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("cannot use that phone number ID");
    expect(await connection()).toBeNull();
  });
});

describe("Meta's verification handshake (GET)", () => {
  it("echoes hub.challenge for the connection's verify token", async () => {
    await connectWhatsApp(john);
    const token = JSON.parse((await connection())!.context).verify_token;
    const res = await SELF.fetch(`${WEBHOOK}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=1158201444`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("1158201444");
  });

  it("a wrong verify token is a 403", async () => {
    await connectWhatsApp(john);
    const res = await SELF.fetch(`${WEBHOOK}?hub.mode=subscribe&hub.verify_token=whv_not_the_right_token_at_all&hub.challenge=1158201444`);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain("1158201444");
  });
});

describe("inbound messages (POST)", () => {
  beforeEach(async () => {
    expect((await connectWhatsApp(john)).status).toBe(302);
  });

  it("a signed text message becomes a conversation with the phone and profile name, visible in /v1", async () => {
    const res = await postSigned(inboundText({ text: "Where is my order #1042?", from: "14155550123", name: "Ana Lopez" }));
    expect(res.status).toBe(200);
    expect(await waConversations()).toEqual([]); // acknowledged first, the work is queued
    expect(await runWhatsAppQueue(wa)).toBe(1);
    const [conversation] = await waConversations();
    expect(conversation).toMatchObject({
      company_id: ACME.id,
      channel: "whatsapp",
      status: "open",
      contact_phone: "+14155550123",
      contact_email: null,
      contact_name: "Ana Lopez",
    });
    const listed = (await (await api("/conversations")).json()) as any;
    expect(listed.data[0]).toMatchObject({
      id: conversation!.id,
      channel: "whatsapp",
      contact: { phone: "+14155550123", email: null, name: "Ana Lopez" },
    });
    const one = (await (await api(`/conversations/${conversation!.id}`)).json()) as any;
    expect(one.messages).toMatchObject([{ direction: "inbound", author: "contact", body: "Where is my order #1042?", source: "whatsapp" }]);
    // …and in the connection's activity on Configure.
    const configure = await (await john.get("/integrations/whatsapp-business/configure")).text();
    expect(configure).toContain(`Ana Lopez (+14155550123) wrote on WhatsApp in conversation ${conversation!.id}`);
    expect(configure).toContain("Where is my order #1042?");
  });

  it("a second message from the same phone joins the open conversation; after it is closed a new one starts", async () => {
    await postSigned(inboundText({ text: "first" }));
    await postSigned(inboundText({ text: "second" }));
    await runWhatsAppQueue(wa);
    expect(await waConversations()).toHaveLength(1);
    expect((await waMessages()).map((m) => m.body)).toEqual(["first", "second"]);
    const id = (await waConversations())[0]!.id;
    expect((await api(`/conversations/${id}`, { method: "PATCH", body: { status: "closed" } })).status).toBe(200);
    await postSigned(inboundText({ text: "third" }));
    await runWhatsAppQueue(wa);
    expect(await waConversations()).toHaveLength(2);
  });

  it("Meta's retry of the same message id is stored once", async () => {
    const payload = inboundText({ id: "wamid.RETRIED0001" });
    expect((await postSigned(payload)).status).toBe(200);
    expect((await postSigned(payload)).status).toBe(200);
    await runWhatsAppQueue(wa);
    expect((await postSigned(payload)).status).toBe(200);
    await runWhatsAppQueue(wa);
    expect(await waMessages()).toHaveLength(1);
    expect(await count("inbound_receipts", "source = 'whatsapp_message' AND external_id = 'wamid.RETRIED0001'")).toBe(1);
    expect(await count("events", "type = 'message.received'")).toBe(1);
  });

  it("a media message is kept as attachment metadata with its caption", async () => {
    const payload = inboundText();
    const m = payload.entry[0]!.changes[0]!.value.messages[0] as Record<string, unknown>;
    delete m.text;
    m.type = "document";
    m.document = { id: "media-123", mime_type: "application/pdf", sha256: "abc", filename: "invoice.pdf", caption: "My invoice" };
    await postSigned(payload);
    await runWhatsAppQueue(wa);
    const [message] = await waMessages();
    expect(message!.body).toBe("My invoice");
    expect(JSON.parse(message!.attachments)).toEqual([
      { filename: "invoice.pdf", mimeType: "application/pdf", size: null, kind: "document", mediaId: "media-123", sha256: "abc" },
    ]);
  });

  it.each([
    ["a missing signature", null],
    ["a signature made with another secret", "wrong"],
    ["a malformed signature", "sha256=nothex"],
  ])("%s is a 401 and nothing is stored or queued", async (_name, variant) => {
    const before = {
      c: await count("conversations"),
      m: await count("messages"),
      r: await count("inbound_receipts"),
      e: await count("events"),
    };
    const payload = inboundText();
    const res =
      variant === null
        ? await postSigned(payload, { signature: null })
        : variant === "wrong"
          ? await postSigned(payload, { secret: "another_secret_value" })
          : await postSigned(payload, { signature: variant });
    expect(res.status).toBe(401);
    expect(wa.events.sent).toEqual([]);
    expect({
      c: await count("conversations"),
      m: await count("messages"),
      r: await count("inbound_receipts"),
      e: await count("events"),
    }).toEqual(before);
  });

  it("a body over the size cap is refused before it is read", async () => {
    const res = await postSigned({ object: "whatsapp_business_account", entry: [], pad: "x".repeat(600 * 1024) });
    expect(res.status).toBe(413);
    expect(wa.events.sent).toEqual([]);
  });

  it("a number no company connected is acknowledged and ignored", async () => {
    const res = await postSigned(inboundText({ phoneNumberId: "999999999" }));
    expect(res.status).toBe(200);
    expect(wa.events.sent).toEqual([]);
  });
});

describe("replies and statuses", () => {
  let conversationId: string;
  beforeEach(async () => {
    expect((await connectWhatsApp(john)).status).toBe(302);
    await postSigned(inboundText({ from: "14155550123" }));
    await runWhatsAppQueue(wa);
    conversationId = (await waConversations())[0]!.id;
    wa.events.sent.length = 0;
  });

  it("an agent's reply through /v1 is sent to the Cloud API as a text message and marked accepted", async () => {
    const res = await api(`/conversations/${conversationId}/messages`, {
      method: "POST",
      body: { body: "It ships today.", author: "agent", author_name: "Sarah" },
    });
    expect(res.status).toBe(201);
    const decisions = await drainDeliveries(wa);
    expect(decisions).toEqual([expect.objectContaining({ retry: null })]);
    const send = wa.fake.calls().find((c) => c.method === "POST")!;
    expect(send).toMatchObject({
      path: `/v26.0/${SANDBOX_PHONE_NUMBER_ID}/messages`,
      status: 200,
      body: {
        messaging_product: "whatsapp",
        recipient_type: "individual",
        to: "14155550123",
        type: "text",
        text: { body: "It ships today." },
      },
    });
    const message = (await (await api(`/conversations/${conversationId}`)).json()) as any;
    expect(message.messages[1].channel_delivery).toMatchObject({ status: "accepted", error: null });
    const delivery = await env.DB.prepare(
      "SELECT * FROM deliveries WHERE target_kind = 'integration' AND target_id = 'whatsapp-business'",
    ).first<Record<string, any>>();
    expect(delivery).toMatchObject({ status: "succeeded", attempts: 1 });
  });

  it("status updates are recorded on the outbound message, out of order included, and failed keeps its reason", async () => {
    await api(`/conversations/${conversationId}/messages`, { method: "POST", body: { body: "Hello", author: "ai" } });
    await drainDeliveries(wa);
    const wamid = wa.fake.state.sent[0]!.id;
    const status = async () =>
      env.DB.prepare("SELECT channel_status, channel_error FROM messages WHERE channel_message_id = ?")
        .bind(wamid)
        .first<Record<string, any>>();
    for (const s of ["sent", "read", "delivered"]) {
      expect((await postSigned(statusUpdate(wamid, s))).status).toBe(200);
      await runWhatsAppQueue(wa);
    }
    expect(await status()).toEqual({ channel_status: "read", channel_error: null });
    await postSigned(
      statusUpdate(wamid, "failed", {
        errors: [{ code: 131047, title: "Re-engagement message", error_data: { details: "More than 24 hours have passed" } }],
      }),
    );
    await runWhatsAppQueue(wa);
    expect(await status()).toEqual({
      channel_status: "failed",
      channel_error: "131047: Re-engagement message: More than 24 hours have passed",
    });
  });

  it("a 401 from the Cloud API marks the connection needs_reauth", async () => {
    wa.fake.inject({ status: 401, path: "/messages" });
    await api(`/conversations/${conversationId}/messages`, { method: "POST", body: { body: "Hello", author: "agent" } });
    await drainDeliveries(wa);
    expect((await connection())!.status).toBe("needs_reauth");
  });

  it("a 500 from the Cloud API is retried and the attempt is logged", async () => {
    wa.fake.inject({ status: 500, path: "/messages" });
    await api(`/conversations/${conversationId}/messages`, { method: "POST", body: { body: "Hello", author: "agent" } });
    const [decision] = await drainDeliveries(wa);
    expect(decision!.retry).toBeGreaterThan(0);
    expect(await count("delivery_attempts", "status_code = 500")).toBe(1);
  });
});

describe("the 24-hour customer-service window", () => {
  let conversationId: string;
  beforeEach(async () => {
    expect((await connectWhatsApp(john)).status).toBe(302);
    await postSigned(inboundText());
    await runWhatsAppQueue(wa);
    conversationId = (await waConversations())[0]!.id;
    // The customer last wrote 25 hours ago.
    await env.DB.prepare("UPDATE messages SET created_at = ? WHERE source = 'whatsapp'")
      .bind(Date.now() - 25 * 3600_000)
      .run();
    wa.events.sent.length = 0;
  });

  it("a free text after the window is a 422 with the reason and nothing is stored or sent", async () => {
    const before = await count("messages");
    const res = await api(`/conversations/${conversationId}/messages`, { method: "POST", body: { body: "Any news?", author: "agent" } });
    expect(res.status).toBe(422);
    const problem = (await res.json()) as any;
    expect(problem.detail).toMatch(/24-hour customer-service window/);
    expect(await count("messages")).toBe(before);
    expect(wa.events.sent).toEqual([]);
  });

  it("a contact's own message is still accepted", async () => {
    const res = await api(`/conversations/${conversationId}/messages`, { method: "POST", body: { body: "Me again", author: "contact" } });
    expect(res.status).toBe(201);
  });

  it("with an approved template configured, the template is sent instead", async () => {
    const saved = await john.post("/integrations/whatsapp-business/configure", {
      intent: "save",
      template_name: "order_update",
      template_language: "en_US",
    });
    expect(saved.status, await saved.clone().text()).toBe(302);
    const res = await api(`/conversations/${conversationId}/messages`, { method: "POST", body: { body: "Any news?", author: "agent" } });
    expect(res.status).toBe(201);
    await drainDeliveries(wa);
    const send = wa.fake.calls().find((c) => c.method === "POST")!;
    expect(send.body).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "14155550123",
      type: "template",
      template: { name: "order_update", language: { code: "en_US" } },
    });
  });

  it("a reply that reaches the deliverer after the window closed is refused with the reason in the activity, nothing sent", async () => {
    // Stored while the window was open, delivered after it closed.
    await env.DB.prepare("UPDATE messages SET created_at = ? WHERE source = 'whatsapp'").bind(Date.now()).run();
    expect(
      (await api(`/conversations/${conversationId}/messages`, { method: "POST", body: { body: "Late", author: "agent" } })).status,
    ).toBe(201);
    await env.DB.prepare("UPDATE messages SET created_at = ? WHERE source = 'whatsapp'")
      .bind(Date.now() - 25 * 3600_000)
      .run();
    await drainDeliveries(wa);
    expect(wa.fake.calls().filter((c) => c.method === "POST")).toEqual([]);
    const delivery = await env.DB.prepare("SELECT status, last_error FROM deliveries WHERE target_id = 'whatsapp-business'").first<
      Record<string, any>
    >();
    expect(delivery!.status).toBe("failed");
    expect(delivery!.last_error).toMatch(/24-hour customer-service window/);
  });
});

describe("the Configure screen", () => {
  it("shows the callback URL and the verify token to paste into Meta's dashboard, never the secrets", async () => {
    expect((await connectWhatsApp(john)).status).toBe(302);
    const token = JSON.parse((await connection())!.context).verify_token;
    const html = await (await john.get("/integrations/whatsapp-business/configure")).text();
    expect(html).toContain("/integrations/whatsapp-business/webhook");
    expect(html).toContain(token);
    expect(html).not.toContain(connectFields.app_secret);
    expect(html).not.toContain(connectFields.access_token);
  });
});
