import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { GLOBEX } from "../helpers/seed";
import { api, count, newKey } from "./api-client";

const valid = { url: "https://hooks.example.com/in", description: "CRM", events: ["conversation.created", "message.received"] };

async function create(body: unknown = valid, key?: string) {
  return api("/webhooks", { method: "POST", body, ...(key ? { key } : {}) });
}

describe("/v1/webhooks", () => {
  it("creating an endpoint returns it with its whsec_ secret once, and D1 holds only ciphertext", async () => {
    const res = await create();
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id: string; secret: string; url: string; events: string[]; status: string };
    expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(body).toMatchObject({ url: valid.url, events: valid.events, status: "active", source: "user" });
    expect(res.headers.get("Location")).toBe(`/v1/webhooks/${body.id}`);
    const row = await env.DB.prepare("SELECT * FROM webhook_endpoints WHERE id = ?").bind(body.id).first<Record<string, string>>();
    expect(JSON.stringify(row)).not.toContain(body.secret.slice(6));
    const again = (await (await api(`/webhooks/${body.id}`)).json()) as Record<string, unknown>;
    expect(again.secret).toBeUndefined();
    const audit = await env.DB.prepare("SELECT * FROM audit_log WHERE target = ?").bind(body.id).all();
    expect(JSON.stringify(audit.results)).not.toContain("whsec_");
  });

  it("lists, updates and deletes an endpoint", async () => {
    const { id } = (await (await create()).json()) as { id: string };
    const list = (await (await api("/webhooks")).json()) as { data: { id: string }[]; next_cursor: null };
    expect(list.data.map((e) => e.id)).toContain(id);
    expect(list.next_cursor).toBeNull();
    const patched = await api(`/webhooks/${id}`, {
      method: "PATCH",
      body: { events: ["escalation.triggered"], description: "Escalations" },
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ id, events: ["escalation.triggered"], description: "Escalations" });
    expect((await api(`/webhooks/${id}`, { method: "DELETE" })).status).toBe(204);
    expect((await api(`/webhooks/${id}`)).status).toBe(404);
  });

  it.each([
    ["http in production", { ...valid, url: "http://hooks.example.com/in" }],
    ["loopback", { ...valid, url: "https://127.0.0.1/in" }],
    ["cloud metadata", { ...valid, url: "https://169.254.169.254/latest" }],
    ["userinfo", { ...valid, url: "https://user:pass@hooks.example.com/in" }],
    ["localhost name", { ...valid, url: "https://localhost/in" }],
    ["a URL over 2,048 characters", { ...valid, url: `https://hooks.example.com/${"a".repeat(2050)}` }],
    ["no events", { ...valid, events: [] }],
    ["an unknown event", { ...valid, events: ["conversation.deleted"] }],
  ])("%s → 400 with field errors and nothing saved", async (_name, body) => {
    const before = await count("webhook_endpoints");
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.headers.get("Content-Type")).toBe("application/problem+json");
    const problem = (await res.json()) as { errors: Record<string, string[]> };
    expect(Object.keys(problem.errors).length).toBeGreaterThan(0);
    expect(await count("webhook_endpoints")).toBe(before);
  });

  it("a 21st endpoint is refused with 400", async () => {
    const key = (await newKey(GLOBEX.id)).secret;
    for (let i = 0; i < 20; i++) expect((await create({ ...valid, url: `https://hooks.example.com/${i}` }, key)).status).toBe(201);
    const res = await create({ ...valid, url: "https://hooks.example.com/21" }, key);
    expect(res.status).toBe(400);
    expect(await count("webhook_endpoints", "company_id = ?", GLOBEX.id)).toBe(20);
  });

  it("another company's endpoint is a 404 for every operation", async () => {
    const { id } = (await (await create()).json()) as { id: string };
    const globex = (await newKey(GLOBEX.id)).secret;
    for (const [method, path] of [
      ["GET", `/webhooks/${id}`],
      ["PATCH", `/webhooks/${id}`],
      ["DELETE", `/webhooks/${id}`],
      ["POST", `/webhooks/${id}/test`],
      ["POST", `/webhooks/${id}/rotate-secret`],
      ["GET", `/webhooks/${id}/deliveries`],
    ] as const) {
      const res = await api(path, { method, key: globex, ...(method === "PATCH" ? { body: { description: "x" } } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await api(`/webhooks/${id}`)).status).toBe(200);
  });

  it("reading needs webhooks:read and writing needs webhooks:write", async () => {
    const reader = (await newKey("co_acme", ["webhooks:read"])).secret;
    expect((await api("/webhooks", { key: reader })).status).toBe(200);
    expect((await create(valid, reader)).status).toBe(403);
    const none = (await newKey("co_acme", ["conversations:read"])).secret;
    expect((await api("/webhooks", { key: none })).status).toBe(403);
  });

  it("rotating the secret returns a new one and keeps the old one signing for 24 hours", async () => {
    const created = (await (await create()).json()) as { id: string; secret: string };
    const res = await api(`/webhooks/${created.id}/rotate-secret`, { method: "POST" });
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as { secret: string; previous_secret_expires_at: string };
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    const hours = (Date.parse(rotated.previous_secret_expires_at) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);
  });

  it("Test sends a signed webhook.test at once and records the attempt, even when the receiver is unreachable", async () => {
    const { id } = (await (await create()).json()) as { id: string };
    const res = await api(`/webhooks/${id}/test`, { method: "POST" });
    expect(res.status).toBe(200);
    const result = (await res.json()) as { ok: boolean; delivery_id: string; error: string | null };
    expect(result.ok).toBe(false);
    expect(await count("delivery_attempts", "delivery_id = ?", result.delivery_id)).toBe(1);
    const deliveries = (await (await api(`/webhooks/${id}/deliveries`)).json()) as {
      data: { id: string; event_type: string; attempt_log: unknown[] }[];
    };
    expect(deliveries.data[0]).toMatchObject({ id: result.delivery_id, event_type: "webhook.test" });
    expect(deliveries.data[0]!.attempt_log).toHaveLength(1);
  });

  it("resending a delivery queues it again; another company's delivery is a 404", async () => {
    const { id } = (await (await create()).json()) as { id: string };
    const { delivery_id } = (await (await api(`/webhooks/${id}/test`, { method: "POST" })).json()) as { delivery_id: string };
    const globex = (await newKey(GLOBEX.id)).secret;
    expect((await api(`/deliveries/${delivery_id}/resend`, { method: "POST", key: globex })).status).toBe(404);
    const res = await api(`/deliveries/${delivery_id}/resend`, { method: "POST" });
    expect(res.status).toBe(202);
    const row = await env.DB.prepare("SELECT status, attempts FROM deliveries WHERE id = ?").bind(delivery_id).first();
    expect(row).toMatchObject({ status: "pending", attempts: 0 });
  });
});
