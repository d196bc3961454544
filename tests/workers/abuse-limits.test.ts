import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { handleApiRequest } from "~/lib/api/handler.server";
import type { Env } from "~/lib/env";
import { LIMITS } from "~/lib/security/limits.server";
import { MAX_ENDPOINTS_PER_COMPANY } from "~/lib/webhooks/endpoint-schema";
import { createEndpoint } from "~/lib/webhooks/endpoints.server";
import worker from "../../workers/app";
import { ORIGIN, signIn } from "../helpers/browser-client";
import { ACME, GLOBEX, TEST_API_KEY } from "../helpers/seed";
import { API, api, count } from "./api-client";
import { endpointDeps, makeEndpoint } from "./webhook-fixtures";

const endpointInput = (i: number) => ({
  url: `https://hooks.example.com/cap/${i}`,
  description: `cap ${i}`,
  events: ["conversation.created"],
});

describe("limits on outbound work and writes", { timeout: 60_000 }, () => {
  it("parallel creates never take a company past the 20-endpoint cap, and leave no audit row for a refused one", async () => {
    const deps = await endpointDeps(GLOBEX.id);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => createEndpoint(deps, endpointInput(i))));
    expect(results.filter((r) => r.ok)).toHaveLength(MAX_ENDPOINTS_PER_COMPANY);
    expect(await count("webhook_endpoints", "company_id = ?", GLOBEX.id)).toBe(MAX_ENDPOINTS_PER_COMPANY);
    expect(await count("audit_log", "company_id = ? AND action = 'webhook_endpoint.created'", GLOBEX.id)).toBe(MAX_ENDPOINTS_PER_COMPANY);
    const refused = results.find((r) => !r.ok);
    expect(refused).toMatchObject({ ok: false, status: 400, errors: { "": [expect.stringContaining("at most 20")] } });
  });

  it("Test through the API is budgeted per company: past the limit a 429 with Retry-After, and no further POST is made", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/budget" });
    const { limit } = LIMITS["webhook.test"];
    for (let i = 0; i < limit; i++) expect((await api(`/webhooks/${endpoint.id}/test`, { method: "POST" })).status).not.toBe(429);
    const over = await api(`/webhooks/${endpoint.id}/test`, { method: "POST" });
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(((await over.json()) as { detail: string }).detail).toContain(`limit of ${limit} test events per 1 minute`);
    expect(await count("deliveries", "target_id = ?", endpoint.id)).toBe(limit);
  });

  it("Replay on the page is budgeted per company: past the limit the page says so with a 429 and queues nothing", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/replay" });
    const admin = await signIn(ACME.adminEmail);
    const { limit } = LIMITS["webhook.replay"];
    for (let i = 0; i < limit; i++) {
      expect((await admin.post(`/integrations/developers/webhooks/${endpoint.id}`, { intent: "replay", since: "24h" })).status).toBe(302);
    }
    const over = await admin.post(`/integrations/developers/webhooks/${endpoint.id}`, { intent: "replay", since: "24h" });
    expect(over.status).toBe(429);
    expect(await over.text()).toContain(`limit of ${limit} replays per 1 hour`);
    expect(await count("audit_log", "action = 'webhook_delivery.replayed' AND target = ?", endpoint.id)).toBe(0);
  });

  it("creating endpoints is budgeted per company, even when each is deleted again", async () => {
    const { limit } = LIMITS["webhook.create"];
    for (let i = 0; i < limit; i++) {
      const created = await api("/webhooks", { method: "POST", body: endpointInput(100 + i) });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      expect((await api(`/webhooks/${id}`, { method: "DELETE" })).status).toBe(204);
    }
    const over = await api("/webhooks", { method: "POST", body: endpointInput(999) });
    expect(over.status).toBe(429);
    expect(await count("webhook_endpoints", "url = ?", endpointInput(999).url)).toBe(0);
  });

  it("/v1 requests without a valid key are limited per client address; another address is unaffected", async () => {
    const { limit } = LIMITS["api.anonymous"];
    const from = { "CF-Connecting-IP": "198.51.100.7" };
    const statuses = await Promise.all(
      Array.from({ length: limit + 5 }, (_, i) =>
        api("/me", { key: i % 2 ? `sk_live_guess${i}` : null, headers: from }).then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(limit);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    expect((await api("/nowhere", { key: null, headers: from })).status).toBe(429);
    expect((await api("/me", { key: null, headers: { "CF-Connecting-IP": "198.51.100.8" } })).status).toBe(401);
    expect((await api("/me", { headers: from })).status).toBe(200);
  });

  it("without the limiter's binding /v1 answers 503 instead of serving unlimited", async () => {
    const noLimiter = { ...env, RATE_LIMITER: undefined } as unknown as Env;
    const authed = await handleApiRequest(
      new Request(`${API}/me`, { headers: { Authorization: `Bearer ${TEST_API_KEY}` } }),
      noLimiter,
      createExecutionContext(),
    );
    expect(authed.status).toBe(503);
    expect(authed.headers.get("Content-Type")).toBe("application/problem+json");
    const anonymous = await handleApiRequest(new Request(`${API}/me`), noLimiter, createExecutionContext());
    expect(anonymous.status).toBe(503);
  });

  it("without the limiter's binding a Test from the page is a 503 and sends nothing", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/nolimiter" });
    const admin = await signIn(ACME.adminEmail);
    await admin.ensureCsrf();
    const cookie = [...admin.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const request = new Request(`${ORIGIN}/integrations/developers/webhooks/${endpoint.id}`, {
      method: "POST",
      body: new URLSearchParams({ csrf: admin.csrf, intent: "test" }),
      headers: { "Content-Type": "application/x-www-form-urlencoded", Host: new URL(ORIGIN).host, Origin: ORIGIN, Cookie: cookie },
      redirect: "manual",
    });
    const ctx = createExecutionContext();
    const res = await worker.fetch!(request as never, { ...env, RATE_LIMITER: undefined } as never, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(503);
    expect(await count("deliveries", "target_id = ?", endpoint.id)).toBe(0);
  });
});
