import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../workers/app";
import { ORIGIN } from "../helpers/browser-client";
import { ACME, GLOBEX } from "../helpers/seed";
import { count, newKey, validConversation } from "./api-client";
import { makeDelivery, makeEndpoint } from "./webhook-fixtures";

// Issue 15 item 1 (ADR 0140): every /v1 write is ONE db.batch, its conditions inside its
// statements; the answer is decided from what they returned, and a refused write leaves nothing
// behind: no row, no audit row, no event row, no queue message.

const benchEnv = { ...env, BENCH_ROUTES: "true" };
let auth: Record<string, string> = {};
const queued: unknown[] = [];

/** A queue binding that records every message (the events and deliveries queues). */
function recording<Q extends Queue>(queue: Q): Q {
  return new Proxy(queue, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as (...args: unknown[]) => unknown;
      if (prop === "send") return (body: unknown, o?: unknown) => (queued.push(body), value.call(target, body, o));
      if (prop === "sendBatch")
        return (msgs: { body: unknown }[], o?: unknown) => (queued.push(...msgs.map((m) => m.body)), value.call(target, msgs, o));
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function send(method: string, path: string, body?: unknown) {
  const ctx = createExecutionContext();
  const e = { ...benchEnv, EVENTS: recording(env.EVENTS), DELIVERIES: recording(env.DELIVERIES) };
  const res = await worker.fetch!(
    new Request(`${ORIGIN}${path}`, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) }) as Request<
      unknown,
      IncomingRequestCfProperties
    >,
    e,
    ctx,
  );
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return {
    status: res.status,
    trips: Number(res.headers.get("X-Bench-D1-Round-Trips")),
    json: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
  };
}

/** Rows a write could leave behind, all companies. */
async function footprint() {
  const tables = ["audit_log", "events", "messages", "conversations", "webhook_endpoints", "inbound_receipts", "deliveries"];
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = await count(t);
  out.queued = queued.length;
  return out;
}

async function payloadOf(eventId: string) {
  const row = await env.DB.prepare("SELECT payload FROM events WHERE id = ?").bind(eventId).first<{ payload: string }>();
  return JSON.parse(row!.payload) as Record<string, unknown>;
}

const eventIds = (from: number) =>
  queued
    .slice(from)
    .filter((m): m is { kind: "event"; eventId: string } => (m as { kind?: string }).kind === "event")
    .map((m) => m.eventId);

beforeAll(async () => {
  auth = { Authorization: `Bearer ${(await newKey(ACME.id)).secret}`, "Content-Type": "application/json" };
  await send("GET", "/v1/me"); // the isolate knows the key: its check rides in each write's batch (ADR 0045)
});

describe("event payloads built by SQLite in the write's batch", () => {
  it("are exactly the representation the API answers with: updated, closed, message.sent and escalation.triggered", async () => {
    const created = await send("POST", "/v1/conversations", { ...validConversation, metadata: { ga_client_id: "GA1.2.3" } });
    const id = created.json.id as string;

    let from = queued.length;
    const consent = await send("PATCH", `/v1/conversations/${id}`, { contact: { marketing_consent: true } });
    expect(consent.status).toBe(200);
    expect(consent.json.contact).toMatchObject({ marketing_consent: true });
    const [consentEvent] = eventIds(from);
    expect(await payloadOf(consentEvent!)).toEqual(consent.json);

    from = queued.length;
    const closed = await send("PATCH", `/v1/conversations/${id}`, { status: "closed" });
    expect(closed.status).toBe(200);
    expect(closed.json.closed_at).toBe(closed.json.updated_at);
    const ids = eventIds(from);
    expect(ids).toHaveLength(2);
    for (const e of ids) expect(await payloadOf(e)).toEqual(closed.json);
    const types = await env.DB.prepare(`SELECT type FROM events WHERE id IN (?, ?) ORDER BY seq`).bind(ids[0], ids[1]).all();
    expect(types.results.map((r) => r.type)).toEqual(["conversation.updated", "conversation.closed"]);

    from = queued.length;
    const reopened = await send("PATCH", `/v1/conversations/${id}`, { status: "open" });
    expect(reopened.json.closed_at).toBeNull();
    expect(eventIds(from)).toHaveLength(1);
    expect(await payloadOf(eventIds(from)[0]!)).toEqual(reopened.json);

    from = queued.length;
    const message = await send("POST", `/v1/conversations/${id}/messages`, { body: "On its way", author: "agent", author_name: "Sarah" });
    expect(message.status).toBe(201);
    const conversation = (await send("GET", `/v1/conversations/${id}`)).json;
    const { messages: _m, ...representation } = conversation;
    expect(representation.updated_at).toBe(message.json.created_at);
    expect(await payloadOf(eventIds(from)[0]!)).toEqual({ ...message.json, conversation: representation });

    from = queued.length;
    const escalated = await send("POST", `/v1/conversations/${id}/escalate`, { reason: "angry" });
    expect(escalated.status).toBe(200);
    expect(escalated.json.status).toBe("escalated");
    expect(await payloadOf(eventIds(from)[0]!)).toEqual({ ...escalated.json, reason: "angry" });
  });
});

describe("a refused write: the same answer as before, one round trip, nothing written or queued", () => {
  it("an unknown id, or another company's, is a 404 on every write route", async () => {
    const theirs = await makeEndpoint({ companyId: GLOBEX.id, url: "https://globex.example.com/in" });
    const theirDelivery = (await makeDelivery(theirs.endpoint.id, { companyId: GLOBEX.id })).deliveryId;
    const theirConversation = "conv_globex_rt";
    await env.DB.prepare(
      "INSERT INTO conversations (id, company_id, channel, status, contact_email, created_at, updated_at, metadata) VALUES (?, ?, 'api', 'open', 'x@globex.com', 1, 1, '{}')",
    )
      .bind(theirConversation, GLOBEX.id)
      .run();
    const calls: [string, string, unknown?][] = [];
    for (const conv of ["conv_missing", theirConversation]) {
      calls.push(
        ["PATCH", `/v1/conversations/${conv}`, { status: "closed" }],
        ["POST", `/v1/conversations/${conv}/messages`, { body: "Hi", author: "agent" }],
        ["POST", `/v1/conversations/${conv}/messages`, { body: "Hi", author: "contact" }],
        ["POST", `/v1/conversations/${conv}/escalate`, { reason: "x" }],
      );
    }
    for (const endpoint of ["we_missing", theirs.endpoint.id]) {
      calls.push(
        ["PATCH", `/v1/webhooks/${endpoint}`, { description: "mine now" }],
        ["PATCH", `/v1/webhooks/${endpoint}`, { url: "https://example.com/steal" }],
        ["PATCH", `/v1/webhooks/${endpoint}`, { status: "active" }],
        ["POST", `/v1/webhooks/${endpoint}/rotate-secret`],
        ["DELETE", `/v1/webhooks/${endpoint}`],
        ["DELETE", `/v1/hooks/${endpoint}`],
      );
    }
    calls.push(["POST", "/v1/deliveries/dlv_missing/resend"], ["POST", `/v1/deliveries/${theirDelivery}/resend`]);

    const before = await footprint();
    const answers: Record<string, string> = {};
    for (const [method, path, body] of calls) {
      const r = await send(method, path, body);
      answers[`${method} ${path} ${JSON.stringify(body ?? null)}`] = `${r.status} ${r.trips}`;
    }
    expect(answers).toEqual(Object.fromEntries(Object.keys(answers).map((k) => [k, "404 1"])));
    expect(await footprint()).toEqual(before);
    const row = await env.DB.prepare("SELECT status FROM conversations WHERE id = ?").bind(theirConversation).first();
    expect(row!.status).toBe("open");
  });

  it("escalating a closed conversation is a 409; a PATCH that changes nothing is a 200; neither writes", async () => {
    const id = (await send("POST", "/v1/conversations", validConversation)).json.id as string;
    await send("PATCH", `/v1/conversations/${id}`, { status: "closed" });
    const before = await footprint();
    const refused = await send("POST", `/v1/conversations/${id}/escalate`, {});
    expect(refused).toMatchObject({ status: 409, trips: 1 });
    expect(refused.json.detail).toBe("A closed conversation cannot be escalated; reopen it first.");
    const same = await send("PATCH", `/v1/conversations/${id}`, { status: "closed" });
    expect(same).toMatchObject({ status: 200, trips: 1 });
    expect(same.json.status).toBe("closed");
    expect(await footprint()).toEqual(before);
  });

  it("a rotation while two earlier secrets are live is the same 400; nothing changes", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/rotate" });
    expect((await send("POST", `/v1/webhooks/${endpoint.id}/rotate-secret`)).status).toBe(200);
    expect((await send("POST", `/v1/webhooks/${endpoint.id}/rotate-secret`)).status).toBe(200);
    const secretBefore = await env.DB.prepare("SELECT secret_enc FROM webhook_endpoints WHERE id = ?").bind(endpoint.id).first();
    const before = await footprint();
    const third = await send("POST", `/v1/webhooks/${endpoint.id}/rotate-secret`);
    expect(third.status).toBe(400);
    expect(third.trips).toBe(1);
    const [message] = (third.json.errors as Record<string, string[]>)._!;
    expect(message).toMatch(
      /^Two earlier secrets are still honoured \(until \d{4}-\d\d-\d\d \d\d:\d\d UTC at the earliest\)\. Rotate again after that\.$/,
    );
    expect(await footprint()).toEqual(before);
    expect(await env.DB.prepare("SELECT secret_enc FROM webhook_endpoints WHERE id = ?").bind(endpoint.id).first()).toEqual(secretBefore);
  });

  it("at the 20-endpoint cap, /v1/webhooks and /v1/hooks answer the same 400 and write nothing; racing creates never pass it", async () => {
    await env.DB.prepare("DELETE FROM webhook_endpoints WHERE company_id = ?").bind(ACME.id).run();
    for (let i = 0; i < 17; i++) await makeEndpoint({ url: `https://hooks.example.com/cap-${i}` });
    const audits = () => count("audit_log", "action = 'webhook_endpoint.created' AND company_id = ?", ACME.id);
    const auditsBefore = await audits();
    // 3 free places, 6 creates at once: D1 runs their batches one at a time
    const racing = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        send("POST", "/v1/webhooks", { url: `https://hooks.example.com/race-${i}`, events: ["conversation.created"] }),
      ),
    );
    expect(racing.map((r) => r.status).sort()).toEqual([201, 201, 201, 400, 400, 400]);
    expect(await count("webhook_endpoints", "company_id = ?", ACME.id)).toBe(20);
    expect((await audits()) - auditsBefore).toBe(3);

    const before = await footprint();
    const full = "A company can have at most 20 webhook endpoints. Delete one first.";
    const webhook = await send("POST", "/v1/webhooks", { url: "https://hooks.example.com/21st", events: ["conversation.created"] });
    expect(webhook).toMatchObject({ status: 400, trips: 1 });
    expect(webhook.json).toMatchObject({ detail: "The request has invalid fields.", errors: { _: [full] } });
    const hook = await send("POST", "/v1/hooks", {
      target_url: "https://hooks.zapier.com/hooks/standard/1/full",
      event: "conversation.created",
    });
    expect(hook).toMatchObject({ status: 400, trips: 1 });
    expect(hook.json).toMatchObject({ detail: "The request has invalid fields.", errors: { _: [full] } });
    expect(await footprint()).toEqual(before);
    await env.DB.prepare("DELETE FROM webhook_endpoints WHERE company_id = ?").bind(ACME.id).run();
  });
});

describe("concurrent writes decide inside the batch", () => {
  it("three concurrent closes: one wins, one conversation.closed; two concurrent rotations both succeed, one after the other", async () => {
    const id = (await send("POST", "/v1/conversations", validConversation)).json.id as string;
    const closes = await Promise.all([0, 1, 2].map(() => send("PATCH", `/v1/conversations/${id}`, { status: "closed" })));
    expect(closes.map((r) => `${r.status} ${r.json.status}`)).toEqual(["200 closed", "200 closed", "200 closed"]);
    expect(await count("events", "type = 'conversation.closed' AND json_extract(payload, '$.id') = ?", id)).toBe(1);

    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/race-rotate" });
    const rotations = await Promise.all([0, 1].map(() => send("POST", `/v1/webhooks/${endpoint.id}/rotate-secret`)));
    expect(rotations.map((r) => r.status)).toEqual([200, 200]);
    expect(rotations[0]!.json.secret).not.toBe(rotations[1]!.json.secret);
    const row = await env.DB.prepare("SELECT previous_secret_enc, older_secret_enc FROM webhook_endpoints WHERE id = ?")
      .bind(endpoint.id)
      .first();
    expect(row!.previous_secret_enc).not.toBeNull();
    expect(row!.older_secret_enc).not.toBeNull();
    expect(await count("audit_log", "action = 'webhook_endpoint.secret_rotated' AND target = ?", endpoint.id)).toBe(2);
  });
});
