import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
// @ts-ignore: plain JS script
import { start } from "../../scripts/sandbox.mjs";

type Sandbox = { env: Record<string, string>; url: string; close: () => Promise<void> };
type Call = { at: string; provider: string; method: string; path: string; query: Record<string, string>; body: unknown; status: number };
let sandbox: Sandbox;

const bearer = (token = "sandbox_test_token") => ({ Authorization: `Bearer ${token}`, "Content-Type": "application/json" });
const basic = (user: string, password: string) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
  "Content-Type": "application/json",
});
const hubspot = (p: string) => `${sandbox.env.HUBSPOT_API_BASE}${p}`;
const salesforce = (p: string) => `${sandbox.env.SALESFORCE_BASE}/services/data/v60.0${p}`;
const pipedrive = (p: string) => `${sandbox.env.PIPEDRIVE_API_BASE}${p}`;
const zendesk = (p: string) => `${sandbox.env.ZENDESK_BASE!.replace("{subdomain}", "acme")}${p}`;
const freshdesk = (p: string) => `${sandbox.env.FRESHDESK_BASE!.replace("{domain}", "acme.freshdesk.com")}${p}`;

async function call(url: string, init: RequestInit & { json?: unknown } = {}) {
  const res = await fetch(url, { ...init, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}
const calls = async (): Promise<Call[]> => (await call(`${sandbox.url}/__sandbox/calls`)).body.calls;
const state = async (provider: string) => (await call(`${sandbox.url}/__sandbox/state/${provider}`)).body;
const fail = (rule: Record<string, unknown>) => call(`${sandbox.url}/__sandbox/fail`, { method: "POST", json: rule });

const search = (email: string) => ({
  after: "0",
  filterGroups: [{ filters: [{ propertyName: "email", operator: "EQ", value: email }] }],
  limit: 1,
  properties: ["email"],
  sorts: [],
});

beforeAll(async () => {
  sandbox = await start({ port: 0 });
});
afterAll(async () => sandbox?.close());
beforeEach(async () => {
  await call(`${sandbox.url}/__sandbox/reset`, { method: "POST" });
});

describe("the sandbox's CRM and help-desk fakes", () => {
  it("gives the API-key providers base-URL templates that point at itself", () => {
    expect(sandbox.env.ZENDESK_BASE).toBe(`${sandbox.url}/zendesk/{subdomain}`);
    expect(sandbox.env.FRESHDESK_BASE).toBe(`${sandbox.url}/freshdesk/{domain}`);
  });

  it("refuses a missing, foreign or revoked credential with each provider's own 401", async () => {
    expect(await call(hubspot("/crm/v3/objects/contacts/search"), { method: "POST", json: search("a@b.co") })).toMatchObject({
      status: 401,
      body: { status: "error", category: "INVALID_AUTHENTICATION" },
    });
    expect(
      await call(salesforce("/sobjects/Contact"), { method: "POST", headers: bearer("00Dreal!token"), json: { LastName: "X" } }),
    ).toMatchObject({ status: 401, body: [{ errorCode: "INVALID_SESSION_ID" }] });
    expect(await call(pipedrive("/v1/persons?api_token=real-looking-key"))).toMatchObject({
      status: 401,
      body: { success: false, error: "unauthorized access" },
    });
    expect(await call(zendesk("/api/v2/tickets.json"), { headers: basic("sam@acme.com/token", "not-a-sandbox-token") })).toMatchObject({
      status: 401,
      body: { error: "Couldn't authenticate you" },
    });
    expect(await call(freshdesk("/api/v2/agents/me"), { headers: basic("wrong-key", "X") })).toMatchObject({
      status: 401,
      body: { code: "invalid_credentials" },
    });
    expect((await call(freshdesk("/api/v2/agents/me"), { headers: basic("sandbox_fd_key", "X") })).status).toBe(200);
    await call(`${sandbox.url}/__sandbox/revoke`, { method: "POST", json: { token: "sandbox_fd_key" } });
    expect((await call(freshdesk("/api/v2/agents/me"), { headers: basic("sandbox_fd_key", "X") })).status).toBe(401);
  });

  it("records every call as { at, provider, method, path, query, body } with secrets left out", async () => {
    await call(pipedrive("/v1/persons/search?term=maria@example.com&fields=email&exact_match=true&api_token=sandbox_secret_key"));
    await call(zendesk("/api/v2/webhooks"), {
      method: "POST",
      headers: basic("sam@acme.com/token", "sandbox_zd"),
      json: {
        webhook: {
          name: "x",
          endpoint: "http://127.0.0.1:9/hook",
          http_method: "POST",
          request_format: "json",
          status: "active",
          subscriptions: [],
          authentication: { type: "bearer_token", data: { token: "hide-me" } },
        },
      },
    });
    const log = await calls();
    expect(log[0]).toMatchObject({
      provider: "pipedrive",
      method: "GET",
      path: "/v1/persons/search",
      query: { term: "maria@example.com", api_token: "[redacted]" },
      body: null,
    });
    expect(log[0]!.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(JSON.stringify(log)).not.toContain("sandbox_secret_key");
    expect(JSON.stringify(log)).not.toContain("hide-me");
    expect(JSON.stringify(log)).not.toContain("sandbox_zd");
  });

  it("HubSpot: create, search by email, 409 'Contact already exists. Existing ID: N' for a repeated email, notes associated to the contact and updated in place", async () => {
    const created = await call(hubspot("/crm/v3/objects/contacts"), {
      method: "POST",
      headers: bearer(),
      json: { properties: { email: "new@example.com", firstname: "New" }, associations: [] },
    });
    expect(created).toMatchObject({ status: 201, body: { id: expect.any(String), properties: { email: "new@example.com" } } });
    expect(
      await call(hubspot("/crm/v3/objects/contacts/search"), { method: "POST", headers: bearer(), json: search("NEW@example.com") }),
    ).toMatchObject({ body: { total: 1, results: [{ id: created.body.id }] } });
    const again = await call(hubspot("/crm/v3/objects/contacts"), {
      method: "POST",
      headers: bearer(),
      json: { properties: { email: "new@example.com" }, associations: [] },
    });
    expect(again).toMatchObject({
      status: 409,
      body: { category: "CONFLICT", message: `Contact already exists. Existing ID: ${created.body.id}` },
    });
    const noteBody = {
      properties: { hs_timestamp: new Date().toISOString(), hs_note_body: "first" },
      associations: [{ to: { id: created.body.id }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: 202 }] }],
    };
    const note = await call(hubspot("/crm/v3/objects/notes"), { method: "POST", headers: bearer(), json: noteBody });
    expect(note.status).toBe(201);
    expect(
      (
        await call(hubspot(`/crm/v3/objects/notes/${note.body.id}`), {
          method: "PATCH",
          headers: bearer(),
          json: { properties: { hs_note_body: "second" } },
        })
      ).status,
    ).toBe(200);
    const s = await state("hubspot");
    expect(s.notes).toEqual([
      expect.objectContaining({
        id: note.body.id,
        properties: expect.objectContaining({ hs_note_body: "second" }),
        associations: [{ toObjectId: created.body.id, types: noteBody.associations[0]!.types }],
      }),
    ]);
  });

  it("HubSpot: bodies are checked against the CRM OpenAPI shapes", async () => {
    const post = (p: string, json: unknown) => call(hubspot(p), { method: "POST", headers: bearer(), json });
    expect(await post("/crm/v3/objects/contacts", { properties: { email: "x@example.com" } })).toMatchObject({
      status: 400,
      body: { category: "VALIDATION_ERROR" },
    });
    expect(
      (await post("/crm/v3/objects/contacts", { properties: { email: "x@example.com", favourite_colour: "red" }, associations: [] })).body
        .message,
    ).toContain("PROPERTY_DOESNT_EXIST");
    expect((await post("/crm/v3/objects/contacts/search", { filterGroups: [] })).status).toBe(400);
    expect((await post("/crm/v3/objects/notes", { properties: { hs_note_body: "no timestamp" }, associations: [] })).status).toBe(400);
    expect(
      (await post("/crm/v3/objects/notes", { properties: { hs_timestamp: "1", hs_note_body: "x".repeat(65537) }, associations: [] }))
        .status,
    ).toBe(400);
    expect(
      (
        await post("/crm/v3/objects/notes", {
          properties: { hs_timestamp: "1" },
          associations: [{ to: { id: "999999" }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: 202 }] }],
        })
      ).status,
    ).toBe(400);
  });

  it("failure injection: status with Retry-After, slowness, and a duplicate raced in by another writer", async () => {
    await fail({ provider: "hubspot", method: "POST", path: "/crm/v3/objects/contacts", status: 429, retryAfter: 7 });
    const limited = await call(hubspot("/crm/v3/objects/contacts"), {
      method: "POST",
      headers: bearer(),
      json: { properties: { email: "r@example.com" }, associations: [] },
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(limited.body).toMatchObject({ errorType: "RATE_LIMIT" });
    await fail({ provider: "pipedrive", path: "/v1/users/me", delayMs: 300 });
    const t0 = Date.now();
    expect((await call(pipedrive("/v1/users/me"), { headers: bearer() })).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    await fail({ provider: "hubspot", method: "POST", path: "/crm/v3/objects/contacts", duplicate: true });
    const raced = await call(hubspot("/crm/v3/objects/contacts"), {
      method: "POST",
      headers: bearer(),
      json: { properties: { email: "race@example.com" }, associations: [] },
    });
    expect(raced).toMatchObject({ status: 409, body: { message: expect.stringMatching(/^Contact already exists\. Existing ID: \d+$/) } });
    expect(
      (await state("hubspot")).contacts.filter((c: { properties: { email: string } }) => c.properties.email === "race@example.com"),
    ).toHaveLength(1);
  });

  it("Salesforce: SOQL lookup by email, Contact/Lead required fields, DUPLICATES_DETECTED with the match, Task on WhoId updated by PATCH", async () => {
    const q = (soql: string) => call(salesforce(`/query?q=${encodeURIComponent(soql)}`), { headers: bearer() });
    expect(await q("SELECT Id FROM Contact WHERE Email = 'maria@example.com' LIMIT 1")).toMatchObject({
      status: 200,
      body: { totalSize: 1, records: [{ Id: "0035g00000SANDBOX1", attributes: { type: "Contact" } }] },
    });
    expect(await q("SELECT Id FROM Contact WHERE")).toMatchObject({ status: 400, body: [{ errorCode: "MALFORMED_QUERY" }] });
    expect(
      await call(salesforce("/sobjects/Lead"), { method: "POST", headers: bearer(), json: { LastName: "Doe", Email: "doe@example.com" } }),
    ).toMatchObject({ status: 400, body: [{ errorCode: "REQUIRED_FIELD_MISSING", fields: ["Company"] }] });
    const dup = await call(salesforce("/sobjects/Contact"), {
      method: "POST",
      headers: bearer(),
      json: { LastName: "Garcia", Email: "maria@example.com" },
    });
    expect(dup.status).toBe(400);
    expect(dup.body[0]).toMatchObject({
      errorCode: "DUPLICATES_DETECTED",
      duplicateResult: { matchResults: [{ matchRecords: [{ record: { Id: "0035g00000SANDBOX1" } }] }] },
    });
    const task = await call(salesforce("/sobjects/Task"), {
      method: "POST",
      headers: bearer(),
      json: { WhoId: "0035g00000SANDBOX1", Subject: "Chat", Description: "one", Status: "Completed" },
    });
    expect(task).toMatchObject({ status: 201, body: { success: true, id: expect.stringMatching(/^00T/) } });
    expect(
      (await call(salesforce(`/sobjects/Task/${task.body.id}`), { method: "PATCH", headers: bearer(), json: { Description: "two" } }))
        .status,
    ).toBe(204);
    expect((await call(salesforce(`/sobjects/Task/${task.body.id}`), { headers: bearer() })).body).toMatchObject({
      Description: "two",
      WhoId: "0035g00000SANDBOX1",
    });
    expect(
      await call(salesforce("/sobjects/Task"), { method: "POST", headers: bearer(), json: { WhoId: "003nope", Subject: "x" } }),
    ).toMatchObject({ status: 400, body: [{ errorCode: "FIELD_INTEGRITY_EXCEPTION" }] });
    expect(
      await call(salesforce("/sobjects/Task"), {
        method: "POST",
        headers: bearer(),
        json: { Subject: "x", Description: "d".repeat(32001) },
      }),
    ).toMatchObject({ status: 400, body: [{ errorCode: "STRING_TOO_LONG" }] });
  });

  it("Pipedrive: persons search by exact email, person create needs a name, notes need a person and update by PUT", async () => {
    expect(
      await call(pipedrive("/v1/persons/search?term=maria@example.com&fields=email&exact_match=true"), { headers: bearer() }),
    ).toMatchObject({ body: { success: true, data: { items: [{ item: { id: 201 } }] } } });
    expect(await call(pipedrive("/v1/persons"), { method: "POST", headers: bearer(), json: { email: ["x@example.com"] } })).toMatchObject({
      status: 400,
      body: { success: false, error: "Name must be given." },
    });
    const person = await call(pipedrive("/v1/persons"), {
      method: "POST",
      headers: bearer(),
      json: { name: "X", email: [{ value: "x@example.com", primary: true, label: "work" }] },
    });
    expect(person).toMatchObject({ status: 201, body: { success: true, data: { id: expect.any(Number) } } });
    expect((await call(pipedrive("/v1/notes"), { method: "POST", headers: bearer(), json: { content: "orphan" } })).body.error).toContain(
      "must be associated",
    );
    const note = await call(pipedrive("/v1/notes"), {
      method: "POST",
      headers: bearer(),
      json: { content: "one", person_id: person.body.data.id },
    });
    expect(note.status).toBe(201);
    expect(
      await call(pipedrive(`/v1/notes/${note.body.data.id}`), { method: "PUT", headers: bearer(), json: { content: "two" } }),
    ).toMatchObject({ status: 200, body: { data: { content: "two" } } });
  });

  it("Zendesk: users/me, a ticket with requester, tags, private comment and external_id, Idempotency-Key replays, lookup by external_id", async () => {
    const auth = basic("sam@acme.com/token", "sandbox_zd_token");
    expect(await call(zendesk("/api/v2/users/me.json"))).toMatchObject({ status: 200, body: { user: { id: null } } });
    expect(await call(zendesk("/api/v2/users/me.json"), { headers: auth })).toMatchObject({
      status: 200,
      body: { user: { id: 36100001 } },
    });
    const ticket = {
      ticket: {
        subject: "Help",
        comment: { body: "transcript", public: false },
        requester: { name: "Jo", email: "jo@example.com" },
        tags: ["chat"],
        external_id: "conv_1",
      },
    };
    const first = await call(zendesk("/api/v2/tickets.json"), {
      method: "POST",
      headers: { ...auth, "Idempotency-Key": "evt_1" },
      json: ticket,
    });
    expect(first).toMatchObject({ status: 201, body: { ticket: { id: expect.any(Number), external_id: "conv_1", status: "new" } } });
    const replay = await call(zendesk("/api/v2/tickets.json"), {
      method: "POST",
      headers: { ...auth, "Idempotency-Key": "evt_1" },
      json: ticket,
    });
    expect(replay.body.ticket.id).toBe(first.body.ticket.id);
    expect(replay.headers.get("x-idempotency-lookup")).toBe("hit");
    expect(
      await call(zendesk("/api/v2/tickets.json"), {
        method: "POST",
        headers: { ...auth, "Idempotency-Key": "evt_1" },
        json: { ticket: { ...ticket.ticket, subject: "Other" } },
      }),
    ).toMatchObject({ status: 400, body: { error: "IdempotentRequestError" } });
    expect(await call(zendesk("/api/v2/tickets.json?external_id=conv_1"), { headers: auth })).toMatchObject({
      body: { count: 1, tickets: [{ id: first.body.ticket.id }] },
    });
    expect(
      await call(zendesk("/api/v2/tickets.json"), {
        method: "POST",
        headers: auth,
        json: { ticket: { subject: "x", requester: { email: "new@example.com" }, comment: { body: "b" } } },
      }),
    ).toMatchObject({ status: 422, body: { error: "RecordInvalid" } });
    expect(
      await call(zendesk("/api/v2/tickets.json"), { method: "POST", headers: auth, json: { ticket: { subject: "x" } } }),
    ).toMatchObject({ status: 422, body: { details: { description: [{ error: "BlankValue" }] } } });
    expect((await state("zendesk")).tickets[0]).toMatchObject({
      comments: [{ body: "transcript", public: false }],
      requester: { email: "jo@example.com", name: "Jo" },
      tags: ["chat"],
    });
  });

  it("Zendesk: a status change is POSTed to a subscribed webhook, signed base64 HMAC-SHA256 over timestamp + body with its signing secret", async () => {
    const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    const hookServer: Server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, "127.0.0.1", r));
    const port = (hookServer.address() as { port: number }).port;
    try {
      const auth = basic("sam@acme.com/token", "sandbox_zd_token");
      const hook = await call(zendesk("/api/v2/webhooks"), {
        method: "POST",
        headers: auth,
        json: {
          webhook: {
            name: "Integrations Hub",
            endpoint: `http://127.0.0.1:${port}/hook`,
            http_method: "POST",
            request_format: "json",
            status: "active",
            subscriptions: ["zen:event-type:ticket.status_changed"],
          },
        },
      });
      expect(hook.status).toBe(201);
      const secret = (await call(zendesk(`/api/v2/webhooks/${hook.body.webhook.id}/signing_secret`), { headers: auth })).body.signing_secret
        .secret as string;
      const t = await call(zendesk("/api/v2/tickets.json"), {
        method: "POST",
        headers: auth,
        json: { ticket: { subject: "s", comment: { body: "b" }, external_id: "conv_9" } },
      });
      await call(zendesk(`/api/v2/tickets/${t.body.ticket.id}.json`), {
        method: "PUT",
        headers: auth,
        json: { ticket: { status: "solved" } },
      });
      expect(received).toHaveLength(1);
      const { headers, body } = received[0]!;
      const expected = createHmac("sha256", secret)
        .update(String(headers["x-zendesk-webhook-signature-timestamp"]) + body)
        .digest("base64");
      expect(headers["x-zendesk-webhook-signature"]).toBe(expected);
      expect(JSON.parse(body)).toMatchObject({
        type: "zen:event-type:ticket.status_changed",
        detail: { id: String(t.body.ticket.id), status: "SOLVED", external_id: "conv_9" },
      });
    } finally {
      await new Promise((r) => hookServer.close(r));
    }
  });

  it("Freshdesk: agents/me, ticket fields validated, private notes, updated_since lists a resolved ticket", async () => {
    const auth = basic("sandbox_fd_key", "X");
    expect(
      await call(freshdesk("/api/v2/tickets"), {
        method: "POST",
        headers: auth,
        json: { subject: "s", description: "d", status: 2, priority: 1 },
      }),
    ).toMatchObject({
      status: 400,
      body: { description: "Validation failed", errors: [{ field: "requester_id", code: "missing_field" }] },
    });
    expect(
      (
        await call(freshdesk("/api/v2/tickets"), {
          method: "POST",
          headers: auth,
          json: { email: "a@example.com", subject: "s", description: "d", status: 2, priority: 1, external_id: "x" },
        })
      ).body.errors,
    ).toEqual([{ field: "external_id", message: "Unexpected/invalid field in request", code: "invalid_field" }]);
    const since = new Date(Date.now() - 1000).toISOString();
    const t = await call(freshdesk("/api/v2/tickets"), {
      method: "POST",
      headers: auth,
      json: { name: "A", email: "a@example.com", subject: "s", description: "d", status: 2, priority: 1, source: 7, tags: ["chat"] },
    });
    expect(t.status).toBe(201);
    expect(
      (
        await call(freshdesk(`/api/v2/tickets/${t.body.id}/notes`), {
          method: "POST",
          headers: auth,
          json: { body: "transcript", private: true },
        })
      ).status,
    ).toBe(201);
    await call(freshdesk(`/api/v2/tickets/${t.body.id}`), { method: "PUT", headers: auth, json: { status: 4 } });
    expect(await call(freshdesk(`/api/v2/tickets?updated_since=${encodeURIComponent(since)}`), { headers: auth })).toMatchObject({
      body: [{ id: t.body.id, status: 4 }],
    });
  });
});
