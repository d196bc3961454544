import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { aad, decryptSecret, keyringFromEnv } from "~/lib/security/encryption";
import { hitLimit, LIMITS } from "~/lib/security/limits.server";
import { STALE_AGE_SECONDS } from "~/lib/webhooks/receiver-tools";
import type { SendDeps } from "~/lib/webhooks/verify-receiver.server";
import { verifyReceiver } from "~/lib/webhooks/verify-receiver.server";
import { signIn } from "../helpers/browser-client";
import { ACME, GLOBEX } from "../helpers/seed";
import { api, count, newKey } from "./api-client";
import { endpointDeps, makeEndpoint, type Sent, scriptedFetch, signatureMatches } from "./webhook-fixtures";

/**
 * Verify my receiver (issue 18 item 1): three deliveries — correctly signed, wrongly signed, and
 * correctly signed but stale — against receivers that really verify with WebCrypto, through the
 * injected fetch. Each receiver below is judged by what it does, not told what to answer.
 */
type Receiver = (req: Sent) => Promise<Response>;

async function secretOf(endpointId: string, companyId: string = ACME.id) {
  const row = await env.DB.prepare("SELECT secret_enc FROM webhook_endpoints WHERE id = ?")
    .bind(endpointId)
    .first<{ secret_enc: string }>();
  return decryptSecret(await keyringFromEnv(env), row!.secret_enc, aad(companyId, endpointId));
}

const fresh = (req: Sent, nowSeconds: number) => Math.abs(nowSeconds - Number(req.headers.get("webhook-timestamp"))) <= 300;

/** A receiver as the docs ask: signature and timestamp both checked. */
const rightReceiver =
  (secret: string, now: () => number): Receiver =>
  async (req) =>
    (await signatureMatches(secret, req.headers, req.body)) && fresh(req, now())
      ? new Response(null, { status: 204 })
      : new Response("no", { status: 401 });

/** Checks the timestamp but takes any signature. */
const acceptsBadSignatures =
  (now: () => number): Receiver =>
  async (req) =>
    fresh(req, now()) ? new Response("ok") : new Response("stale", { status: 400 });

/** Checks the signature but never the timestamp. */
const ignoresTimestamps =
  (secret: string): Receiver =>
  async (req) =>
    (await signatureMatches(secret, req.headers, req.body)) ? new Response("ok") : new Response("bad", { status: 401 });

function sendDeps(fetchFn: typeof fetch, now = new Date()): SendDeps & { resolved: string[] } {
  const resolved: string[] = [];
  return {
    env: { ...env, ENVIRONMENT: "production", WEBHOOK_ALLOW_PRIVATE: "false" } as never,
    fetch: fetchFn,
    resolve: async (host) => {
      resolved.push(host);
      return ["93.184.216.34"];
    },
    now: () => now,
    timeoutMs: 1000,
    resolved,
  };
}

async function run(receiver: (secret: string, nowSeconds: () => number) => Receiver, url = "https://hooks.example.com/verify") {
  const { endpoint } = await makeEndpoint({ url });
  const secret = await secretOf(endpoint.id);
  const now = new Date();
  const { fetch: f, sent } = scriptedFetch([receiver(secret, () => Math.floor(now.getTime() / 1000))]);
  const deps = sendDeps(f, now);
  const result = await verifyReceiver({ ...(await endpointDeps()), send: deps }, endpoint.id);
  return { result, sent, endpoint, secret, deps, now };
}

const byName = (sent: Sent[], check: string) => sent.find((s) => JSON.parse(s.body).data.check === check)!;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("verify my receiver", () => {
  it("a receiver that checks signatures and timestamps passes all three checks", async () => {
    const { result, sent, secret, now, deps } = await run(rightReceiver);
    expect(result).toMatchObject({ ok: true });
    if (!result.ok) return;
    expect(result.value.passed).toBe(true);
    expect(result.value.checks.map((c) => [c.name, c.passed, c.status])).toEqual([
      ["signed", true, 204],
      ["bad_signature", true, 401],
      ["stale_timestamp", true, 401],
    ]);
    // what was sent: one good signature, one wrong one, one good signature over a stale timestamp
    expect(sent).toHaveLength(3);
    const nowSeconds = Math.floor(now.getTime() / 1000);
    expect(await signatureMatches(secret, byName(sent, "signed").headers, byName(sent, "signed").body)).toBe(true);
    expect(await signatureMatches(secret, byName(sent, "bad_signature").headers, byName(sent, "bad_signature").body)).toBe(false);
    expect(byName(sent, "bad_signature").headers.get("webhook-signature")).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    const stale = byName(sent, "stale_timestamp");
    expect(await signatureMatches(secret, stale.headers, stale.body)).toBe(true);
    expect(Number(stale.headers.get("webhook-timestamp"))).toBe(nowSeconds - STALE_AGE_SECONDS);
    for (const s of sent) {
      expect(s.init.redirect).toBe("manual");
      expect(JSON.parse(s.body)).toMatchObject({ id: s.headers.get("webhook-id"), type: "webhook.test" });
    }
    // through the URL guard: the name was resolved before each send
    expect(deps.resolved).toEqual(["hooks.example.com", "hooks.example.com", "hooks.example.com"]);
  });

  it("a receiver that accepts a wrong signature fails that check, with what to change", async () => {
    const { result } = await run((_secret, now) => acceptsBadSignatures(now));
    if (!result.ok) throw new Error("expected a verdict");
    expect(result.value.passed).toBe(false);
    expect(result.value.checks.map((c) => [c.name, c.passed, c.status])).toEqual([
      ["signed", true, 200],
      ["bad_signature", false, 200],
      ["stale_timestamp", true, 400],
    ]);
    expect(result.value.checks[1]!.detail).toContain("Accepted a delivery with a wrong signature");
  });

  it("a receiver that ignores timestamps fails the stale check", async () => {
    const { result } = await run((secret) => ignoresTimestamps(secret));
    if (!result.ok) throw new Error("expected a verdict");
    expect(result.value.passed).toBe(false);
    expect(result.value.checks.map((c) => [c.name, c.passed, c.status])).toEqual([
      ["signed", true, 200],
      ["bad_signature", true, 401],
      ["stale_timestamp", false, 200],
    ]);
    expect(result.value.checks[2]!.detail).toContain("10 minutes old");
  });

  it("a receiver that refuses everything fails the signed check and is told how to verify", async () => {
    const { result } = await run(() => async () => new Response("no", { status: 403 }));
    if (!result.ok) throw new Error("expected a verdict");
    expect(result.value.checks.map((c) => c.passed)).toEqual([false, true, true]);
    expect(result.value.passed).toBe(false);
    expect(result.value.checks[0]!.detail).toContain("raw body bytes");
  });

  it("an unreachable receiver fails every check with status null and says why", async () => {
    const { result } = await run(() => async () => {
      throw new TypeError("connection refused");
    });
    if (!result.ok) throw new Error("expected a verdict");
    expect(result.value.passed).toBe(false);
    for (const c of result.value.checks) {
      expect(c).toMatchObject({ passed: false, status: null });
      expect(c.detail).toContain("connection refused");
    }
  });

  it("a name resolving to a private address is refused by the URL guard and nothing is sent", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://internal.example.com/hook" });
    const { fetch: f, sent } = scriptedFetch([new Response("ok")]);
    const deps = { ...sendDeps(f), resolve: async () => ["10.0.0.7"] };
    const result = await verifyReceiver({ ...(await endpointDeps()), send: deps }, endpoint.id);
    if (!result.ok) throw new Error("expected a verdict");
    expect(sent).toHaveLength(0);
    for (const c of result.value.checks) expect(c.detail).toContain("Refused by the URL guard");
  });

  it("writes no delivery, no attempt and no failure clock; it keeps the verdict and an audit row without secrets", async () => {
    const before = { deliveries: await count("deliveries"), attempts: await count("delivery_attempts"), events: await count("events") };
    const { endpoint, secret } = await run((_s, now) => acceptsBadSignatures(now));
    expect(await count("deliveries")).toBe(before.deliveries);
    expect(await count("delivery_attempts")).toBe(before.attempts);
    expect(await count("events")).toBe(before.events);
    const row = await env.DB.prepare("SELECT failing_since FROM webhook_endpoints WHERE id = ?").bind(endpoint.id).first();
    expect(row).toEqual({ failing_since: null });
    expect(await count("receiver_checks", "endpoint_id = ? AND passed = 0", endpoint.id)).toBe(1);
    const audit = await env.DB.prepare("SELECT details FROM audit_log WHERE action = 'webhook_endpoint.verified' AND target = ?")
      .bind(endpoint.id)
      .first<{ details: string }>();
    expect(JSON.parse(audit!.details)).toEqual({ passed: false, failed: ["bad_signature"] });
    expect(audit!.details).not.toContain(secret.slice(6));
  });

  it("another company's endpoint is not found and nothing is sent", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/acme-only" });
    const { fetch: f, sent } = scriptedFetch([new Response("ok")]);
    const result = await verifyReceiver({ ...(await endpointDeps(GLOBEX.id)), send: sendDeps(f) }, endpoint.id);
    expect(result).toEqual({ ok: false, status: 404 });
    expect(sent).toHaveLength(0);
  });
});

/** The Worker's own fetch (used by /v1 and the pages): example.com receivers answered here, like a right receiver. */
function mockNetwork(secretFor: () => Promise<string>) {
  const real = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.startsWith("https://cloudflare-dns.com/dns-query?")) {
      return Response.json({ Status: 0, Answer: url.endsWith("type=A") ? [{ type: 1, data: "93.184.216.34" }] : [] });
    }
    if (url.startsWith("https://hooks.example.com/")) {
      const req = { url, init: init ?? {}, headers: new Headers(init?.headers), body: String(init?.body ?? "") };
      return rightReceiver(await secretFor(), () => Math.floor(Date.now() / 1000))(req);
    }
    return real(input, init);
  });
}

describe("POST /v1/webhooks/:id/verify", () => {
  it("answers exactly { passed, checks: [{ name, passed, status, detail }] }", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/api-verify" });
    mockNetwork(() => secretOf(endpoint.id));
    const res = await api(`/webhooks/${endpoint.id}/verify`, { method: "POST" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { passed: boolean; checks: Record<string, unknown>[] };
    expect(Object.keys(body).sort()).toEqual(["checks", "passed"]);
    expect(body.passed).toBe(true);
    expect(body.checks.map((c) => Object.keys(c).sort())).toEqual(Array(3).fill(["detail", "name", "passed", "status"]));
    expect(body.checks.map((c) => [c.name, c.status])).toEqual([
      ["signed", 204],
      ["bad_signature", 401],
      ["stale_timestamp", 401],
    ]);
  });

  it("needs webhooks:write, and another company's endpoint is a 404", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/api-scope" });
    const readOnly = (await newKey(ACME.id, ["webhooks:read"])).secret;
    expect((await api(`/webhooks/${endpoint.id}/verify`, { method: "POST", key: readOnly })).status).toBe(403);
    const globex = (await newKey(GLOBEX.id)).secret;
    expect((await api(`/webhooks/${endpoint.id}/verify`, { method: "POST", key: globex })).status).toBe(404);
  });

  it("spends the Test button's budget: once Test has used it up, Verify gets a 429 and sends nothing", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/api-budget", companyId: GLOBEX.id });
    const globex = (await newKey(GLOBEX.id)).secret;
    for (let i = 0; i < LIMITS["webhook.test"].limit; i++) await hitLimit(env, "webhook.test", GLOBEX.id);
    const spy = vi.spyOn(globalThis, "fetch");
    const res = await api(`/webhooks/${endpoint.id}/verify`, { method: "POST", key: globex });
    expect(res.status).toBe(429);
    expect(spy.mock.calls.filter(([u]) => String(u).includes("hooks.example.com"))).toHaveLength(0);
  });
});

describe("Verify my receiver on the endpoint's page", () => {
  it("the endpoint page has the plain form; posting it runs the checks and the Verify screen shows the verdict", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/page-verify" });
    mockNetwork(() => secretOf(endpoint.id));
    const admin = await signIn(ACME.adminEmail);
    const base = `/integrations/developers/webhooks/${endpoint.id}`;
    const detail = await (await admin.get(base)).text();
    expect(detail).toContain(`action="${base}/verify"`);
    expect(detail).toContain("Verify my receiver");
    expect(await (await admin.get(`${base}/verify`)).text()).toContain("has not been verified yet");
    const posted = await admin.post(`${base}/verify`, { intent: "verify" });
    expect(posted.status).toBe(302);
    expect(posted.headers.get("Location")).toBe(`${base}/verify`);
    const page = await (await admin.get(`${base}/verify`)).text();
    expect(page).toContain("Your receiver passed all three checks");
    expect(page).not.toContain("whsec_");
  });

  it("a failing receiver gets the explanation and a code sample for each recipe of /docs/api", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/page-lax" });
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.startsWith("https://cloudflare-dns.com/")) return Response.json({ Status: 0, Answer: [{ type: 1, data: "93.184.216.34" }] });
      return new Response("ok"); // takes anything: a wrong signature and a stale timestamp too
    });
    const admin = await signIn(ACME.adminEmail);
    const base = `/integrations/developers/webhooks/${endpoint.id}`;
    expect((await admin.post(`${base}/verify`, { intent: "verify" })).status).toBe(302);
    const page = await (await admin.get(`${base}/verify`)).text();
    expect(page).toContain("Your receiver failed 2 of 3 checks");
    expect(page).toContain("Accepted a delivery with a wrong signature");
    expect(page.match(/Node, with the standardwebhooks package/g)).toHaveLength(2);
    expect(page.match(/>By hand</g)).toHaveLength(2);
    expect(await (await admin.get("/docs/api")).text()).toContain("Node, with the standardwebhooks package");
  });

  it("an unknown intent is a 400, an agent gets 403, another company's id a 404", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/page-guard" });
    const base = `/integrations/developers/webhooks/${endpoint.id}/verify`;
    const admin = await signIn(ACME.adminEmail);
    expect((await admin.post(base, { intent: "nope" })).status).toBe(400);
    expect((await (await signIn(ACME.agentEmail)).post(base, { intent: "verify" })).status).toBe(403);
    const globex = await signIn(GLOBEX.adminEmail);
    expect((await globex.get(base)).status).toBe(404);
    expect((await globex.post(base, { intent: "verify" })).status).toBe(404);
  });
});
