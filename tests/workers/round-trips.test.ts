import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import worker from "../../workers/app";
import { ORIGIN, signIn } from "../helpers/browser-client";
import { ACME } from "../helpers/seed";
import { newKey, validConversation } from "./api-client";
import { makeDelivery, makeEndpoint } from "./webhook-fixtures";

// Issue 15 item 1 (ADR 0045): every page, modal and /v1 call costs ONE D1 round trip, the session's
// user or the API key check included. Counted by the bench's own D1 counter (X-Bench-D1-Round-Trips),
// which counts each db.batch and each executed statement once.
const benchEnv = { ...env, BENCH_ROUTES: "true" };

async function roundTrips(path: string, init: RequestInit) {
  const ctx = createExecutionContext();
  const res = await worker.fetch!(new Request(`${ORIGIN}${path}`, init) as Request<unknown, IncomingRequestCfProperties>, benchEnv, ctx);
  await res.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return { status: res.status, n: Number(res.headers.get("X-Bench-D1-Round-Trips")) };
}

let cookie = "";
let endpointId = "";
let deliveryId = "";
const keyId = "key_seed_test";

async function insertConnection(provider: string, config: Record<string, unknown> = {}) {
  const now = Date.now();
  await env.DB.prepare(
    "INSERT INTO connections (id, company_id, provider, status, account_label, connected_by, connected_by_email, connected_at, config, last_success_at, updated_at) VALUES (?, ?, ?, 'connected', 'Acme', 'usr_john', 'john@acme.com', ?, ?, ?, ?)",
  )
    .bind(`conn_rt_${provider}`, ACME.id, provider, now, JSON.stringify(config), now, now)
    .run();
}

beforeAll(async () => {
  const client = await signIn(ACME.adminEmail);
  cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  for (const p of ["hubspot", "email-forwarding", "zapier"]) await insertConnection(p);
  endpointId = (await makeEndpoint()).endpoint.id;
  deliveryId = (await makeDelivery(endpointId)).deliveryId;
});

afterAll(async () => {
  await env.DB.prepare("DELETE FROM connections WHERE id LIKE 'conn_rt_%'").run();
});

const PAGES = () => [
  "/integrations",
  "/integrations/available",
  "/integrations/available/hubspot",
  "/integrations/available/salesforce/connect",
  "/integrations/hubspot/connect",
  "/integrations/salesforce/connect",
  "/integrations/hubspot/connected",
  "/integrations/hubspot/configure",
  "/integrations/hubspot/disconnect",
  "/integrations/email-forwarding/configure",
  "/integrations/zapier/configure",
  "/integrations/zapier/connect",
  "/integrations/developers",
  "/integrations/developers/audit",
  "/integrations/developers/audit.csv",
  `/integrations/developers/keys/${keyId}/regenerate`,
  `/integrations/developers/keys/${keyId}/revoke`,
  "/integrations/developers/webhooks/new",
  `/integrations/developers/webhooks/${endpointId}`,
  `/integrations/developers/webhooks/${endpointId}?test=${deliveryId}`,
  `/integrations/developers/webhooks/${endpointId}/edit`,
  `/integrations/developers/webhooks/${endpointId}/delete`,
  `/integrations/developers/webhooks/${endpointId}/verify`,
  `/integrations/developers/webhooks/${endpointId}/replay`,
];

describe("one D1 round trip per page", () => {
  it("every /integrations tab, modal and the webhook detail page renders with exactly one D1 round trip, the admin check included", async () => {
    const counts: Record<string, string> = {};
    for (const path of PAGES()) {
      const { status, n } = await roundTrips(path, { headers: { Cookie: cookie } });
      counts[path] = `${status} ${n}`;
    }
    expect(counts).toEqual(Object.fromEntries(PAGES().map((p) => [p, "200 1"])));
  }, 60_000);
});

let auth: Record<string, string> = {};

type Call = { method: string; path: string; body?: unknown; status: number };

const API = (): Call[] => [
  { method: "GET", path: "/v1/me", status: 200 },
  { method: "GET", path: "/v1/conversations", status: 200 },
  { method: "GET", path: "/v1/conversations/conv_missing", status: 404 },
  { method: "GET", path: "/v1/events", status: 200 },
  { method: "GET", path: "/v1/webhooks", status: 200 },
  { method: "GET", path: `/v1/webhooks/${endpointId}`, status: 200 },
  { method: "GET", path: `/v1/webhooks/${endpointId}/deliveries`, status: 200 },
  { method: "GET", path: `/v1/webhooks/${endpointId}/replays/rpl_missing`, status: 404 },
  { method: "GET", path: "/v1/hooks/samples/conversation.created", status: 200 },
  { method: "GET", path: "/v1/hooks/hook_missing", status: 404 },
  { method: "GET", path: "/v1/contacts/nobody%40example.com/orders", status: 404 },
];

describe("one D1 round trip per /v1 call", () => {
  beforeAll(async () => {
    // every scope (orders:read included), so each route gets past its scope check
    auth = { Authorization: `Bearer ${(await newKey(ACME.id)).secret}`, "Content-Type": "application/json" };
  });

  it("every GET /v1 route answers with one D1 round trip, the API key check included", async () => {
    await roundTrips("/v1/me", { headers: auth }); // this isolate's first sight of the key (ADR 0045)
    const counts: Record<string, string> = {};
    for (const call of API()) {
      const { status, n } = await roundTrips(call.path, {
        method: call.method,
        headers: auth,
        body: call.body ? JSON.stringify(call.body) : undefined,
      });
      counts[`${call.method} ${call.path}`] = `${status} ${n}`;
    }
    expect(counts).toEqual(Object.fromEntries(API().map((c) => [`${c.method} ${c.path}`, `${c.status} 1`])));
  }, 60_000);
});

describe("the key check on a write", () => {
  it("rides in the write's own batch: a write that is one statement batch costs one round trip, a refused one too", async () => {
    await roundTrips("/v1/me", { headers: auth });
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await roundTrips(path, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) });
      return `${r.status} ${r.n}`;
    };
    expect(await call("POST", "/v1/conversations", validConversation)).toBe("201 1");
    expect(await call("DELETE", `/v1/webhooks/${endpointId}_missing`)).toBe("404 1");
  }, 60_000);
});

describe("D1 round trips of every /v1 write", () => {
  beforeAll(async () => {
    auth = { Authorization: `Bearer ${(await newKey(ACME.id)).secret}`, "Content-Type": "application/json" };
  });

  it("each write route costs at most its counted round trips, the key check included", async () => {
    await roundTrips("/v1/me", { headers: auth });
    const send = async (method: string, path: string, body?: unknown) => {
      const ctx = createExecutionContext();
      const res = await worker.fetch!(
        new Request(`${ORIGIN}${path}`, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) }) as Request<
          unknown,
          IncomingRequestCfProperties
        >,
        benchEnv,
        ctx,
      );
      const text = await res.text();
      await waitOnExecutionContext(ctx);
      return {
        status: res.status,
        n: Number(res.headers.get("X-Bench-D1-Round-Trips")),
        json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      };
    };
    const counts: Record<string, string> = {};
    const note = (label: string, r: { status: number; n: number }) => (counts[label] = `${r.status} ${r.n}`);
    const conv = await send("POST", "/v1/conversations", validConversation);
    note("POST /v1/conversations", conv);
    const cid = conv.json.id as string;
    note("PATCH /v1/conversations/:id", await send("PATCH", `/v1/conversations/${cid}`, { status: "closed" }));
    note("PATCH /v1/conversations/:id (reopen)", await send("PATCH", `/v1/conversations/${cid}`, { status: "open" }));
    note("POST /v1/conversations/:id/messages", await send("POST", `/v1/conversations/${cid}/messages`, { body: "Hi", author: "agent" }));
    note("POST /v1/conversations/:id/escalate", await send("POST", `/v1/conversations/${cid}/escalate`, { reason: "help" }));
    const hook = await send("POST", "/v1/webhooks", { url: "https://example.com/rt", events: ["conversation.created"] });
    note("POST /v1/webhooks", hook);
    const wid = hook.json.id as string;
    note("PATCH /v1/webhooks/:id", await send("PATCH", `/v1/webhooks/${wid}`, { description: "round trips" }));
    note("POST /v1/webhooks/:id/rotate-secret", await send("POST", `/v1/webhooks/${wid}/rotate-secret`));
    note("POST /v1/deliveries/:id/resend", await send("POST", `/v1/deliveries/${deliveryId}/resend`));
    note("DELETE /v1/webhooks/:id", await send("DELETE", `/v1/webhooks/${wid}`));
    const sub = await send("POST", "/v1/hooks", {
      target_url: "https://hooks.zapier.com/hooks/standard/1/rt",
      event: "conversation.created",
    });
    note("POST /v1/hooks", sub);
    note("DELETE /v1/hooks/:id", await send("DELETE", `/v1/hooks/${sub.json.id as string}`));
    expect(counts).toEqual(WRITES);
  }, 60_000);
});

// Issue 15: the key check rides in the first batch (ADR 0045), and each write carries its own
// conditions in that one batch (ADR 0140); refused writes: tests/workers/one-round-trip-writes.test.ts.
const WRITES: Record<string, string> = {
  "POST /v1/conversations": "201 1",
  "PATCH /v1/conversations/:id": "200 1",
  "PATCH /v1/conversations/:id (reopen)": "200 1",
  "POST /v1/conversations/:id/messages": "201 1",
  "POST /v1/conversations/:id/escalate": "200 1",
  "POST /v1/webhooks": "201 1",
  "PATCH /v1/webhooks/:id": "200 1",
  "POST /v1/webhooks/:id/rotate-secret": "200 1",
  "POST /v1/deliveries/:id/resend": "202 1",
  "DELETE /v1/webhooks/:id": "204 1",
  "POST /v1/hooks": "201 1",
  "DELETE /v1/hooks/:id": "204 1",
};
