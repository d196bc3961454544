import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import {
  disableEmailForwarding,
  enableEmailForwarding,
  getEmailForwarding,
  saveEmailForwardingSettings,
  sendTestEmail,
} from "~/lib/integrations/email-forwarding/forwarding.server";
import { clearConversations, db, JOHN, recordingQueue, rows } from "./email-helpers";

const base = () => ({ db: db(), companyId: "co_acme", env });

beforeEach(async () => {
  await clearConversations();
  await env.DB.batch([env.DB.prepare("DELETE FROM connections"), env.DB.prepare("DELETE FROM audit_log")]);
});

describe("the configure screen's lib functions", () => {
  it("before connecting, the company address is shown and forwarding is off", async () => {
    const view = await getEmailForwarding(base());
    expect(view).toMatchObject({
      address: "support@acme.chat.buzzi.ai",
      connected: false,
      enabled: false,
      lastReceived: null,
      sizeLimitBytes: 10 * 1024 * 1024,
    });
  });

  it("the address follows INBOUND_EMAIL_DOMAIN", async () => {
    const view = await getEmailForwarding({ ...base(), env: { ...env, INBOUND_EMAIL_DOMAIN: "in.example.net" } });
    expect(view.address).toBe("support@acme.in.example.net");
  });

  it("enabling creates the email-forwarding connection labelled with the address, with an audit row", async () => {
    await enableEmailForwarding({ ...base(), actor: JOHN });
    const connection = await env.DB.prepare("SELECT * FROM connections WHERE company_id = 'co_acme'").first<Record<string, string>>();
    expect(connection).toMatchObject({
      provider: "email-forwarding",
      status: "connected",
      account_label: "support@acme.chat.buzzi.ai",
      connected_by: "usr_john",
    });
    expect(JSON.parse(String(connection!.config))).toEqual({ enabled: true, allowedSenderDomains: [], autoAcknowledge: false });
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE company_id = 'co_acme'").all<{ action: string }>();
    expect(audit.results.map((a) => a.action)).toEqual(["email_forwarding.enabled"]);
    expect((await getEmailForwarding(base())).enabled).toBe(true);
  });

  it("a connection made by the catalog's Connect (empty config) counts as enabled with default settings", async () => {
    await env.DB.prepare(
      "INSERT INTO connections (id, company_id, provider, status, connected_by, connected_by_email, connected_at, config, updated_at) VALUES ('conn_x', 'co_acme', 'email-forwarding', 'connected', 'usr_john', 'john@acme.com', 0, '{}', 0)",
    ).run();
    expect(await getEmailForwarding(base())).toMatchObject({
      connected: true,
      enabled: true,
      settings: { enabled: true, allowedSenderDomains: [], autoAcknowledge: false },
    });
  });

  it("saving valid settings normalises the domains and keeps them", async () => {
    const saved = await saveEmailForwardingSettings({
      ...base(),
      actor: JOHN,
      input: { enabled: "on", autoAcknowledge: "on", allowedSenderDomains: "Acme.com\n@partner.example, acme.com" },
    });
    expect(saved).toEqual({
      ok: true,
      settings: { enabled: true, autoAcknowledge: true, allowedSenderDomains: ["acme.com", "partner.example"] },
    });
    expect((await getEmailForwarding(base())).settings).toEqual(saved.ok && saved.settings);
  });

  it("an invalid domain is a field error naming it, and nothing is saved", async () => {
    await enableEmailForwarding({ ...base(), actor: JOHN });
    const saved = await saveEmailForwardingSettings({
      ...base(),
      actor: JOHN,
      input: { enabled: "on", allowedSenderDomains: "acme.com not_a_domain http://x.com" },
    });
    expect(saved.ok).toBe(false);
    expect(!saved.ok && saved.fieldErrors.allowedSenderDomains).toEqual([
      "“not_a_domain” is not a domain name (for example: example.com)",
      "“http://x.com” is not a domain name (for example: example.com)",
    ]);
    expect((await getEmailForwarding(base())).settings.allowedSenderDomains).toEqual([]);
  });

  it("an unticked checkbox disables; disabling keeps the other settings", async () => {
    await saveEmailForwardingSettings({
      ...base(),
      actor: JOHN,
      input: { enabled: "on", autoAcknowledge: "on", allowedSenderDomains: "acme.com" },
    });
    await disableEmailForwarding({ ...base(), actor: JOHN });
    expect(await getEmailForwarding(base())).toMatchObject({
      enabled: false,
      settings: { enabled: false, autoAcknowledge: true, allowedSenderDomains: ["acme.com"] },
    });
    await saveEmailForwardingSettings({ ...base(), actor: JOHN, input: { enabled: "on", allowedSenderDomains: "" } });
    expect((await getEmailForwarding(base())).settings).toEqual({ enabled: true, autoAcknowledge: false, allowedSenderDomains: [] });
  });

  it("disabling a company that never connected changes nothing", async () => {
    expect(await disableEmailForwarding({ ...base(), actor: JOHN })).toBeNull();
    expect(await env.DB.prepare("SELECT count(*) AS n FROM connections").first<{ n: number }>()).toEqual({ n: 0 });
  });

  it("Send test email goes through the inbound handler: a real conversation appears and becomes the last email received", async () => {
    await saveEmailForwardingSettings({ ...base(), actor: JOHN, input: { enabled: "on", autoAcknowledge: "on" } });
    const { queue, sent } = recordingQueue();
    const result = await sendTestEmail({ ...base(), actor: JOHN, queue });
    expect(result).toMatchObject({
      status: "created",
      address: "support@acme.chat.buzzi.ai",
      acknowledged: false,
      acknowledgementPreview: true,
    });
    const [conversation] = await rows.conversations();
    expect(conversation).toMatchObject({
      channel: "email",
      contact_email: "john@acme.com",
      contact_name: "John Carter",
      subject: "Test email from Email Forwarding",
    });
    expect(sent).toHaveLength(2);
    const view = await getEmailForwarding(base());
    expect(view.lastReceived).toMatchObject({
      from: "john@acme.com",
      subject: "Test email from Email Forwarding",
      conversationId: conversation!.id,
    });
    expect(view.lastReceived!.at).toBeInstanceOf(Date);
  });

  it("Send test email reports the same refusal a real email would get", async () => {
    await saveEmailForwardingSettings({ ...base(), actor: JOHN, input: { enabled: "on", allowedSenderDomains: "partner.example" } });
    const result = await sendTestEmail({ ...base(), actor: JOHN, queue: recordingQueue().queue });
    expect(result).toMatchObject({ status: "rejected", reason: "Sender domain acme.com is not allowed for this mailbox" });
    expect(await rows.conversations()).toEqual([]);
    expect((await getEmailForwarding(base())).lastRefusal?.reason).toBe(
      "Refused an email: Sender domain acme.com is not allowed for this mailbox",
    );
  });

  it("Send test email with forwarding off is refused", async () => {
    const result = await sendTestEmail({ ...base(), actor: JOHN, queue: recordingQueue().queue });
    expect(result).toMatchObject({ status: "rejected", reason: "Email forwarding is not enabled for this address" });
  });

  it("one company's settings never show up for another", async () => {
    await saveEmailForwardingSettings({ ...base(), actor: JOHN, input: { enabled: "on", allowedSenderDomains: "acme.com" } });
    const globex = await getEmailForwarding({ db: db(), companyId: "co_globex", env });
    expect(globex).toMatchObject({ address: "support@globex.chat.buzzi.ai", connected: false, settings: { allowedSenderDomains: [] } });
  });
});
