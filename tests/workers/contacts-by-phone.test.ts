import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, count } from "./api-client";

const phoneConversation = { contact: { phone: "+14155550123", name: "Ana" }, message: { body: "Hola" } };

describe("a contact identified by phone", () => {
  it("POST /v1/conversations accepts a phone-only contact and the API and event payloads carry contact.phone", async () => {
    const res = await api("/conversations", { method: "POST", body: phoneConversation });
    expect(res.status).toBe(201);
    const body = (await res.json()) as any;
    expect(body.contact).toEqual({ email: null, phone: "+14155550123", name: "Ana", marketing_consent: false });
    const row = await env.DB.prepare("SELECT contact_email, contact_phone FROM conversations WHERE id = ?").bind(body.id).first();
    expect(row).toEqual({ contact_email: null, contact_phone: "+14155550123" });
    const created = await env.DB.prepare(
      "SELECT payload, performed_by FROM events WHERE type = 'conversation.created' AND json_extract(payload, '$.id') = ?",
    )
      .bind(body.id)
      .first<{ payload: string; performed_by: string }>();
    expect(JSON.parse(created!.payload).contact).toEqual({ email: null, phone: "+14155550123", name: "Ana", marketing_consent: false });
    const fetched = (await (await api(`/conversations/${body.id}`)).json()) as any;
    expect(fetched.contact.phone).toBe("+14155550123");
  });

  it("both an email and a phone are kept", async () => {
    const res = await api("/conversations", {
      method: "POST",
      body: { contact: { email: "both@example.com", phone: "+447700900123" }, message: { body: "hi" } },
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as any).contact).toEqual({
      email: "both@example.com",
      phone: "+447700900123",
      name: null,
      marketing_consent: false,
    });
  });

  it.each([
    ["a number without +", "14155550123"],
    ["spaces and dashes", "+1 415-555-0123"],
    ["a leading zero country code", "+04155550123"],
    ["more than 15 digits", "+1234567890123456"],
    ["too short", "+12345"],
  ])("%s is a 400 on contact.phone and nothing is written", async (_name, phone) => {
    const before = await count("conversations");
    const res = await api("/conversations", { method: "POST", body: { contact: { phone }, message: { body: "hi" } } });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: Record<string, string[]> };
    expect(problem.errors["contact.phone"]).toEqual(["Enter a phone number in E.164 format, e.g. +14155550100"]);
    expect(await count("conversations")).toBe(before);
  });

  it("a contact with neither an email nor a phone is a 400 and nothing is written", async () => {
    const before = await count("conversations");
    const res = await api("/conversations", { method: "POST", body: { contact: { name: "Nobody" }, message: { body: "hi" } } });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: Record<string, string[]> };
    expect(problem.errors["contact.email"]).toEqual(["Give the contact an email or a phone number"]);
    expect(await count("conversations")).toBe(before);
  });

  it("the database refuses a conversation row with neither an email nor a phone", async () => {
    const insert = env.DB.prepare(
      "INSERT INTO conversations (id, company_id, channel, status, contact_email, contact_phone, created_at, updated_at) VALUES ('conv_nobody', 'co_x', 'api', 'open', NULL, NULL, 0, 0)",
    );
    await expect(insert.run()).rejects.toThrow(/CHECK constraint failed/);
  });

  it("the OpenAPI document describes contact.phone on the request and the response", async () => {
    const doc = (await (await api("/openapi.json", { key: null })).json()) as any;
    const schemas = doc.components.schemas;
    expect(schemas.ContactInput.properties.phone).toMatchObject({ type: "string", pattern: "^\\+[1-9][0-9]{6,14}$" });
    expect(schemas.Contact.properties.phone).toBeDefined();
    expect(JSON.stringify(doc.components.schemas.Conversation)).toContain("Contact");
  });
});

describe("migration 0040 (contacts by phone)", () => {
  it("keeps every existing conversation row and the indexes when it rebuilds the table", async () => {
    // Replay history on a scratch copy: the migrations before 0040, old-shaped rows, then the rest.
    const all = env.TEST_MIGRATIONS;
    const split = all.findIndex((m) => m.name.startsWith("0040_"));
    expect(split).toBeGreaterThan(0);
    const tables = (
      await env.DB.prepare(
        "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%' ORDER BY type DESC",
      ).all<{ name: string; type: "table" | "view" }>()
    ).results;
    // views first (a view's triggers go with it), then the tables
    await env.DB.batch(tables.map((t) => env.DB.prepare(`DROP ${t.type === "view" ? "VIEW" : "TABLE"} "${t.name}"`)));
    const run = async (list: typeof all) => {
      for (const m of list) for (const q of m.queries) await env.DB.prepare(q).run();
    };
    await run(all.slice(0, split));
    await env.DB.prepare(
      "INSERT INTO conversations (id, company_id, channel, status, contact_email, contact_name, subject, created_at, updated_at, closed_at, escalated_at) VALUES ('conv_old1', 'co_a', 'email', 'closed', 'old@example.com', 'Old', 'Subj', 1, 2, 3, NULL), ('conv_old2', 'co_a', 'api', 'open', 'two@example.com', NULL, NULL, 4, 5, NULL, 6)",
    ).run();
    await run(all.slice(split));
    const rows = (await env.DB.prepare("SELECT * FROM conversations ORDER BY id").all()).results;
    expect(rows).toEqual([
      {
        id: "conv_old1",
        company_id: "co_a",
        channel: "email",
        status: "closed",
        contact_email: "old@example.com",
        contact_phone: null,
        contact_name: "Old",
        subject: "Subj",
        created_at: 1,
        updated_at: 2,
        closed_at: 3,
        escalated_at: null,
        // added by later migrations (0070 metadata, 0080 marketing consent), with their defaults
        metadata: "{}",
        contact_marketing_consent: 0,
      },
      {
        id: "conv_old2",
        company_id: "co_a",
        channel: "api",
        status: "open",
        contact_email: "two@example.com",
        contact_phone: null,
        contact_name: null,
        subject: null,
        created_at: 4,
        updated_at: 5,
        closed_at: null,
        escalated_at: 6,
        metadata: "{}",
        contact_marketing_consent: 0,
      },
    ]);
    const indexes = (
      await env.DB.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'conversations' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      ).all<{ name: string }>()
    ).results.map((r) => r.name);
    expect(indexes).toEqual(expect.arrayContaining(["conversations_company_idx", "conversations_company_phone_idx"]));
  });
});
