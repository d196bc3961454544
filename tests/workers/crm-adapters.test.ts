import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createConversation } from "~/lib/conversations/conversations.server";
import { createDb } from "~/lib/db/client";
import { deliveryDeps } from "~/lib/deps.server";
import type { Env } from "~/lib/env";
import { enqueueEvents } from "~/lib/events/emit.server";
import { performedBy } from "~/lib/events/performed-by";
import { verifyPipedrive } from "~/lib/integrations/pipedrive";
import { registryDeliverers } from "~/lib/integrations/pipeline.server";
import { verifySalesforce } from "~/lib/integrations/salesforce";
import { handleDelivery } from "~/lib/webhooks/consumer.server";
import {
  closeConversation,
  connect,
  connectionRow,
  deliveryRows,
  type Installed,
  installCrmFakes,
  newConversation,
  pump,
  reopenConversation,
  resetTables,
  retry,
  SALESFORCE_INSTANCE,
  say,
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

const HS_TOKEN = "sandbox_hubspot_token";
const SF_TOKEN = "sandbox_salesforce_token";
const PD_TOKEN = "sandbox_pipedrive_token";

const hubspot = () =>
  installed.fakes.hubspot.snapshot() as {
    contacts: { id: string; properties: Record<string, string> }[];
    notes: { id: string; properties: Record<string, string>; associations: { toObjectId: string }[] }[];
  };
const contactsWith = (email: string) => hubspot().contacts.filter((c) => c.properties.email === email);
const callsTo = (fake: keyof Installed["fakes"], method: string, path: string) =>
  installed.fakes[fake].calls().filter((c) => c.method === method && c.path === path);
const db = () => createDb(env.DB);

/** Puts a finished delivery back to pending, as a queue redelivery after a crash would find it. */
async function redeliver(ids: string[]) {
  for (const id of ids)
    await env.DB.prepare("UPDATE deliveries SET status = 'pending', next_attempt_at = NULL WHERE id = ?").bind(id).run();
  return retry(installed, ids);
}

describe("HubSpot adapter", () => {
  beforeEach(async () => {
    await connect("hubspot", { accessToken: HS_TOKEN, accountId: "4242" });
  });

  it("a new conversation creates one contact; the same event delivered twice and a second conversation of the same customer still make one", async () => {
    await newConversation({ email: "pat@example.com", name: "Pat Lee" });
    const first = await pump(installed);
    expect(first.map((d) => d.retry)).toEqual([null]);
    expect(contactsWith("pat@example.com")).toEqual([
      expect.objectContaining({ properties: expect.objectContaining({ firstname: "Pat", lastname: "Lee" }) }),
    ]);
    await redeliver(first.map((d) => d.deliveryId));
    await newConversation({ email: "PAT@example.com" });
    await pump(installed);
    expect(contactsWith("pat@example.com")).toHaveLength(1);
    expect(callsTo("hubspot", "POST", "/crm/v3/objects/contacts")).toHaveLength(1);
    const [row] = await deliveryRows("hubspot");
    expect(row).toMatchObject({ status: "succeeded" });
    expect((await connectionRow("hubspot"))!.last_success_at).not.toBeNull();
  });

  it("two conversations racing for the same new customer make one contact (the claim holds the second back)", async () => {
    await newConversation({ email: "race@example.com" });
    await newConversation({ email: "race@example.com" });
    const d = createDb(env.DB);
    const { dispatchEvent } = await import("~/lib/events/consumer.server");
    const { registrySubscriber } = await import("~/lib/integrations/pipeline.server");
    const ids: string[] = [];
    const queue = {
      send: async (b: { deliveryId: string }) => void ids.push(b.deliveryId),
      sendBatch: async (m: Iterable<{ body: { deliveryId: string } }>) => void [...m].forEach((x) => ids.push(x.body.deliveryId)),
    } as unknown as Queue;
    for (const msg of installed.events.sent.splice(0))
      await dispatchEvent({ db: d, deliveriesQueue: queue, now: new Date(), subscribers: [registrySubscriber(env as Env)] }, msg.eventId);
    const deps = await deliveryDeps(env as Env, { fetch: installed.fetch, random: () => 0.5, deliverers: registryDeliverers() });
    const decisions = await Promise.all(ids.map((id) => handleDelivery(deps, id)));
    const again = ids.filter((_, i) => decisions[i]!.retry !== null);
    if (again.length) await retry(installed, again);
    expect(contactsWith("race@example.com")).toHaveLength(1);
    expect((await deliveryRows("hubspot")).every((r) => r.status === "succeeded")).toBe(true);
  });

  it("closing logs the transcript as one note on the contact; closing again updates that note", async () => {
    const id = await newConversation({ email: "pat@example.com", name: "Pat Lee", message: "Where is my order?" });
    await say(id, "It ships tomorrow.", "agent");
    await closeConversation(id);
    await pump(installed);
    const [contact] = contactsWith("pat@example.com");
    expect(hubspot().notes).toHaveLength(1);
    const note = hubspot().notes[0]!;
    const body = note.properties.hs_note_body!;
    expect(note.associations).toEqual([expect.objectContaining({ toObjectId: contact!.id })]);
    expect(note.properties.hs_note_body).toMatch(/\[\d{4}-\d\d-\d\d \d\d:\d\d UTC\] Pat Lee: Where is my order\?/);
    expect(note.properties.hs_note_body).toContain(`http://localhost/conversations/${id}`);
    expect(body.indexOf("Where is my order?")).toBeLessThan(body.indexOf("It ships tomorrow."));

    await reopenConversation(id);
    await say(id, "Actually, can I change the address?", "contact");
    await closeConversation(id);
    await pump(installed);
    expect(hubspot().notes).toHaveLength(1);
    expect(hubspot().notes[0]!.properties.hs_note_body).toContain("Actually, can I change the address?");
    expect(callsTo("hubspot", "PATCH", `/crm/v3/objects/notes/${note.id}`)).toHaveLength(1);
  });

  it("a conversation reopened within the grace window logs nothing, and the close waits out the grace window", async () => {
    const id = await newConversation();
    await closeConversation(id);
    await reopenConversation(id);
    const decisions = await pump(installed);
    expect(hubspot().notes).toHaveLength(0);
    const closed = (await deliveryRows("hubspot")).find((r) => r.event_type === "conversation.closed")!;
    expect(decisions.find((d) => d.deliveryId === closed.id)!.queuedWithDelay).toBe(600);
    expect(decisions.find((d) => d.deliveryId !== closed.id)!.queuedWithDelay).toBe(0);
    expect(closed).toMatchObject({ status: "failed" });
    expect(closed.last_error).toContain("reopened");
  });

  it("no transcript when the customer never wrote, nor when transcripts are turned off", async () => {
    const created = await createConversation(
      { db: db(), companyId: "co_acme", performedBy: performedBy.ai(), now: new Date() },
      { channel: "api", contact: { email: "quiet@example.com" }, message: { body: "Hello from the bot", author: "ai" } },
    );
    await enqueueEvents(env.EVENTS, created.events);
    await closeConversation(created.conversation.id);
    await pump(installed);
    expect(hubspot().notes).toHaveLength(0);
    expect((await deliveryRows("hubspot")).find((r) => r.event_type === "conversation.closed")!.last_error).toContain("no message");

    await env.DB.prepare("UPDATE connections SET config = ? WHERE provider = 'hubspot'")
      .bind(JSON.stringify({ log_transcripts: false }))
      .run();
    const id = await newConversation({ email: "off@example.com" });
    await closeConversation(id);
    await pump(installed);
    expect(hubspot().notes).toHaveLength(0);
    expect((await deliveryRows("hubspot")).filter((r) => r.event_type === "conversation.closed")).toHaveLength(1);
  });

  it("401 from HubSpot puts the connection in needs_reauth and stops", async () => {
    installed.fakes.hubspot.credentials.revoked.add(HS_TOKEN);
    await newConversation();
    const [d] = await pump(installed);
    expect(d!.retry).toBeNull();
    expect(await connectionRow("hubspot")).toMatchObject({ status: "needs_reauth" });
    expect((await deliveryRows("hubspot"))[0]).toMatchObject({ status: "failed", last_status_code: 401 });
  });

  it("429 is retried no sooner than Retry-After, then succeeds", async () => {
    installed.fakes.hubspot.inject({ method: "POST", path: "/crm/v3/objects/contacts/search", status: 429, retryAfter: 8 });
    await newConversation();
    const [d] = await pump(installed);
    expect(d!.retry).toBe(8);
    expect((await deliveryRows("hubspot"))[0]).toMatchObject({ status: "pending", last_status_code: 429 });
    expect(await retry(installed, [d!.deliveryId])).toEqual([{ deliveryId: d!.deliveryId, retry: null }]);
    expect(contactsWith("pat@example.com")).toHaveLength(1);
  });

  it("a 409 'Contact already exists' links the existing contact instead of failing", async () => {
    installed.fakes.hubspot.inject({ method: "POST", path: "/crm/v3/objects/contacts", duplicate: true });
    await newConversation({ email: "dup@example.com" });
    const [d] = await pump(installed);
    expect(d!.retry).toBeNull();
    const [contact] = contactsWith("dup@example.com");
    expect(contactsWith("dup@example.com")).toHaveLength(1);
    const ref = await env.DB.prepare(
      "SELECT * FROM external_refs WHERE provider = 'hubspot' AND kind = 'contact' AND local_id = 'dup@example.com'",
    ).first<Record<string, any>>();
    expect(ref).toMatchObject({ remote_id: contact!.id });
    expect((await deliveryRows("hubspot"))[0]).toMatchObject({ status: "succeeded" });
  });
});

describe("Salesforce adapter", () => {
  beforeEach(async () => {
    await connect("salesforce", {
      accessToken: SF_TOKEN,
      context: { instance_url: SALESFORCE_INSTANCE },
      config: { record_type: "lead", log_transcripts: true },
    });
  });
  const records = () => (installed.fakes.salesforce.snapshot() as { records: Record<string, string>[] }).records;

  it("keeps the org's instance_url from the token response at connect, and refuses a token response without one", async () => {
    const base = {
      company: { id: "co_acme", slug: "acme" },
      env: env as Env,
      fetch,
      now: new Date(),
      signal: new AbortController().signal,
    };
    expect(
      await verifySalesforce({ ...base, token: SF_TOKEN, tokenResponse: { instance_url: "https://acme.my.salesforce.com/" } }),
    ).toEqual({
      ok: true,
      accountLabel: "john@acme.sandbox",
      accountId: "00DSANDBOX0000001",
      context: { instance_url: "https://acme.my.salesforce.com" },
    });
    expect(await verifySalesforce({ ...base, token: SF_TOKEN, tokenResponse: {} })).toMatchObject({ ok: false });
    expect(
      await verifySalesforce({ ...base, token: "revoked-or-foreign", tokenResponse: { instance_url: "https://acme.my.salesforce.com" } }),
    ).toMatchObject({ ok: false });
    expect(await verifyPipedrive({ ...base, token: PD_TOKEN, tokenResponse: { api_domain: "https://acme.pipedrive.com" } })).toEqual({
      ok: true,
      accountLabel: "Acme Corporation (Sandbox)",
      accountId: "4242",
      context: { api_domain: "https://acme.pipedrive.com" },
    });
  });

  it("creates one Lead per the saved record type (same event twice), links an existing Contact found by email, and logs one Task updated on re-close", async () => {
    const id = await newConversation({ email: "new.lead@example.com", name: "Nia Long" });
    const first = await pump(installed);
    await redeliver(first.map((d) => d.deliveryId));
    expect(records().filter((r) => r.Email === "new.lead@example.com")).toEqual([
      expect.objectContaining({ type: "Lead", LastName: "Long", FirstName: "Nia", Company: "example.com" }),
    ]);
    await closeConversation(id);
    await pump(installed);
    const tasks = () => records().filter((r) => r.type === "Task");
    expect(tasks()).toEqual([
      expect.objectContaining({
        WhoId: expect.stringMatching(/^00Q/),
        Status: "Completed",
        Description: expect.stringContaining("Nia Long: Where is my order?"),
      }),
    ]);
    await reopenConversation(id);
    await say(id, "One more thing", "contact");
    await closeConversation(id);
    await pump(installed);
    expect(tasks()).toHaveLength(1);
    expect(tasks()[0]!.Description).toContain("One more thing");

    await newConversation({ email: "maria@example.com" });
    await pump(installed);
    const ref = await env.DB.prepare(
      "SELECT remote_id, remote_url FROM external_refs WHERE provider = 'salesforce' AND local_id = 'maria@example.com'",
    ).first<Record<string, string>>();
    expect(ref).toEqual({
      remote_id: "0035g00000SANDBOX1",
      remote_url: `${SALESFORCE_INSTANCE}/lightning/r/Contact/0035g00000SANDBOX1/view`,
    });
  });

  it("DUPLICATES_DETECTED links the matched record instead of failing", async () => {
    await env.DB.prepare("UPDATE connections SET config = ? WHERE provider = 'salesforce'")
      .bind(JSON.stringify({ record_type: "contact", log_transcripts: true }))
      .run();
    installed.fakes.salesforce.inject({ method: "POST", path: "/sobjects/Contact", duplicate: true });
    await newConversation({ email: "twin@example.com" });
    await pump(installed);
    const twins = records().filter((r) => r.Email === "twin@example.com");
    expect(twins).toHaveLength(1);
    expect(twins[0]!.type).toBe("Contact");
    const ref = await env.DB.prepare(
      "SELECT remote_id FROM external_refs WHERE provider = 'salesforce' AND local_id = 'twin@example.com'",
    ).first<{ remote_id: string }>();
    expect(ref!.remote_id).toBe(twins[0]!.Id);
    expect((await deliveryRows("salesforce"))[0]).toMatchObject({ status: "succeeded" });
  });

  it("401 INVALID_SESSION_ID → needs_reauth; a 503 with Retry-After is retried", async () => {
    installed.fakes.salesforce.inject({ method: "GET", path: "/query", status: 503, retryAfter: 9 });
    await newConversation();
    const [d] = await pump(installed);
    expect(d!.retry).toBe(9);
    installed.fakes.salesforce.credentials.revoked.add(SF_TOKEN);
    await retry(installed, [d!.deliveryId]);
    expect(await connectionRow("salesforce")).toMatchObject({ status: "needs_reauth" });
  });
});

describe("Pipedrive adapter", () => {
  beforeEach(async () => {
    await connect("pipedrive", { accessToken: PD_TOKEN, context: { api_domain: "https://api.pipedrive.fake.test" } });
  });
  const state = () =>
    installed.fakes.pipedrive.snapshot() as {
      persons: { id: number; name: string; email: { value: string }[] }[];
      notes: { id: number; content: string; person_id: number }[];
    };

  it("one person per customer (same event twice), one note on the person, updated on re-close", async () => {
    const id = await newConversation({ email: "pd@example.com", name: "Dee Pipe" });
    const first = await pump(installed);
    await redeliver(first.map((d) => d.deliveryId));
    const people = state().persons.filter((p) => p.email.some((e) => e.value === "pd@example.com"));
    expect(people).toEqual([expect.objectContaining({ name: "Dee Pipe" })]);
    await closeConversation(id);
    await pump(installed);
    expect(state().notes).toEqual([
      expect.objectContaining({ person_id: people[0]!.id, content: expect.stringContaining("Dee Pipe: Where is my order?") }),
    ]);
    await reopenConversation(id);
    await say(id, "Thanks!", "contact");
    await closeConversation(id);
    await pump(installed);
    expect(state().notes).toHaveLength(1);
    expect(state().notes[0]!.content).toContain("Thanks!");
  });

  it("401 → needs_reauth; 429 honours Retry-After", async () => {
    installed.fakes.pipedrive.inject({ method: "GET", path: "/v1/persons/search", status: 429, retryAfter: 6 });
    await newConversation();
    const [d] = await pump(installed);
    expect(d!.retry).toBe(6);
    installed.fakes.pipedrive.credentials.revoked.add(PD_TOKEN);
    await retry(installed, [d!.deliveryId]);
    expect(await connectionRow("pipedrive")).toMatchObject({ status: "needs_reauth" });
  });
});
