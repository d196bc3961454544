import { env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { auditLog, connections, conversations } from "~/lib/db/schema";
import { enableEmailForwarding, saveEmailForwardingSettings } from "~/lib/integrations/email-forwarding/forwarding.server";
import { signIn } from "../helpers/browser-client";
import { ACME, GLOBEX } from "../helpers/seed";
import { ACME_ADDRESS, db, JOHN } from "./email-helpers";

const CONFIGURE = "/integrations/email-forwarding/configure";

async function acmeRow() {
  return db()
    .select()
    .from(connections)
    .where(and(eq(connections.companyId, ACME.id), eq(connections.provider, "email-forwarding")))
    .get();
}

/** HTML-escaped the way React renders text and attribute values. */
function escaped(text: string) {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

describe("Email Forwarding configure screen", () => {
  beforeEach(async () => {
    // The database lives for the whole file: start each test from the default settings.
    await enableEmailForwarding({ db: db(), companyId: ACME.id, env, actor: JOHN });
    await saveEmailForwardingSettings({
      db: db(),
      companyId: ACME.id,
      env,
      actor: JOHN,
      input: { enabled: "on", allowedSenderDomains: "" },
    });
  });

  // First in the file: no email has been received yet.
  it("shows the address, who connected it, no email yet, and the Gmail, Outlook and Workspace guides", async () => {
    const admin = await signIn(ACME.adminEmail);
    const res = await admin.get(CONFIGURE);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`value="${ACME_ADDRESS}"`);
    expect(html).toContain("john@acme.com");
    expect(html).toContain("No email received yet");
    for (const name of ["Gmail", "Outlook and Microsoft 365", "Google Workspace (admin routing)"])
      expect(html).toContain(`<summary class="cursor-pointer text-sm font-medium text-slate-900">${name}</summary>`);
    expect(html).toContain(`enter ${ACME_ADDRESS}`);
  });

  it("the Connected card shows the forwarding address", async () => {
    const admin = await signIn(ACME.adminEmail);
    const html = await (await admin.get("/integrations")).text();
    expect(html).toContain(ACME_ADDRESS);
    expect(html).toContain(`href="${CONFIGURE}"`);
  });

  it("saving valid settings updates the connection's config and redirects, with an audit row", async () => {
    const admin = await signIn(ACME.adminEmail);
    const res = await admin.post(CONFIGURE, {
      intent: "save",
      enabled: "on",
      allowedSenderDomains: "Example.com, @partner.org",
      autoAcknowledge: "on",
    });
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/integrations");
    const row = await acmeRow();
    expect(row?.config).toEqual({ enabled: true, allowedSenderDomains: ["example.com", "partner.org"], autoAcknowledge: true });
    const audit = await db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.companyId, ACME.id), eq(auditLog.action, "email_forwarding.settings_updated")))
      .all();
    expect(audit.some((a) => a.actor.id === JOHN.id && JSON.stringify(a.details).includes("partner.org"))).toBe(true);
    const page = await (await admin.get(CONFIGURE)).text();
    expect(page).toContain('value="example.com, partner.org"');
  });

  it("unticking Accept forwarded email turns forwarding off", async () => {
    const admin = await signIn(ACME.adminEmail);
    expect((await admin.post(CONFIGURE, { intent: "save", allowedSenderDomains: "" })).status).toBe(302);
    expect((await acmeRow())?.config).toEqual({ enabled: false, allowedSenderDomains: [], autoAcknowledge: false });
  });

  it("a bad domain answers 400 with the field error and the typed value, and saves nothing", async () => {
    const admin = await signIn(ACME.adminEmail);
    const before = await acmeRow();
    const typed = "example.com, not a domain!, x";
    const res = await admin.post(CONFIGURE, { intent: "save", enabled: "on", allowedSenderDomains: typed });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain(escaped("“not” is not a domain name"));
    expect(html).toContain(`value="${escaped(typed)}"`);
    const after = await acmeRow();
    expect(after?.config).toEqual(before?.config);
    expect(after?.updatedAt.getTime()).toBe(before?.updatedAt.getTime());
  });

  it("an unknown intent answers 400 and changes nothing", async () => {
    const admin = await signIn(ACME.adminEmail);
    const before = await acmeRow();
    const res = await admin.post(CONFIGURE, { intent: "explode", enabled: "" });
    expect(res.status).toBe(400);
    expect((await acmeRow())?.config).toEqual(before?.config);
  });

  it("Send test email creates an email conversation and the page shows the result", async () => {
    const admin = await signIn(ACME.adminEmail);
    const res = await admin.post(CONFIGURE, { intent: "test" });
    expect(res.status).toBe(302);
    const location = res.headers.get("Location")!;
    expect(location).toMatch(/^\/integrations\/email-forwarding\/configure\?test=created&conversation=conv_/);
    const conversationId = new URL(location, "http://x").searchParams.get("conversation")!;
    const conversation = await db()
      .select()
      .from(conversations)
      .where(and(eq(conversations.id, conversationId), eq(conversations.companyId, ACME.id)))
      .get();
    expect(conversation?.channel).toBe("email");
    const html = await (await admin.get(location)).text();
    expect(html).toContain("Test email received: conversation created");
    expect(html).not.toContain("No email received yet");
  });

  it("a refused test email shows the refusal reason from the connection", async () => {
    const admin = await signIn(ACME.adminEmail);
    const emailConversations = () =>
      db()
        .select()
        .from(conversations)
        .where(and(eq(conversations.companyId, ACME.id), eq(conversations.channel, "email")))
        .all();
    const before = (await emailConversations()).length;
    await admin.post(CONFIGURE, { intent: "save", enabled: "on", allowedSenderDomains: "partner.org" });
    const res = await admin.post(CONFIGURE, { intent: "test" });
    expect(res.headers.get("Location")).toBe(`${CONFIGURE}?test=rejected`);
    const reason = (await acmeRow())?.lastError;
    expect(reason).toBeTruthy();
    const html = await (await admin.get(`${CONFIGURE}?test=rejected`)).text();
    expect(html).toContain(escaped(`Test email refused: ${reason}`));
    expect(await emailConversations()).toHaveLength(before);
  });

  it("another company's admin gets 404 when only Acme has it connected", async () => {
    const globex = await signIn(GLOBEX.adminEmail);
    expect((await globex.get(CONFIGURE)).status).toBe(404);
    expect((await globex.post(CONFIGURE, { intent: "test" })).status).toBe(404);
    expect((await globex.post(CONFIGURE, { intent: "save", enabled: "on", allowedSenderDomains: "" })).status).toBe(404);
  });

  it("an agent gets 403 and cannot change settings", async () => {
    const agent = await signIn(ACME.agentEmail);
    expect((await agent.get(CONFIGURE)).status).toBe(403);
    const before = await acmeRow();
    expect((await agent.post(CONFIGURE, { intent: "save", allowedSenderDomains: "" })).status).toBe(403);
    expect((await acmeRow())?.config).toEqual(before?.config);
  });
});
