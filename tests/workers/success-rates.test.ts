import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "~/lib/db/client";
import { DEFAULT_RETENTION } from "~/lib/retention";
import { purgeExpiredHistory } from "~/lib/retention.server";
import { successRates } from "~/lib/webhooks/deliveries.server";
import { ACME, GLOBEX } from "../helpers/seed";
import { makeEndpoint } from "./webhook-fixtures";

// 12:45: the current clock hour (12:00–13:00) is the last bar, 13:00 yesterday the first.
const NOW = Date.UTC(2026, 11, 1, 12, 45, 0);
const HOUR = 3_600_000;

async function attempt(companyId: string, endpointId: string, id: string, hoursAgo: number, status: number | null) {
  const at = NOW - hoursAgo * HOUR;
  await env.DB.prepare(
    "INSERT INTO deliveries (id, company_id, event_id, target_kind, target_id, status, attempts, created_at, updated_at) VALUES (?, ?, ?, 'webhook', ?, 'succeeded', 1, ?, ?)",
  )
    .bind(`dlv_${id}`, companyId, `evt_${id}`, endpointId, at, at)
    .run();
  await env.DB.prepare(
    "INSERT INTO delivery_attempts (id, company_id, delivery_id, n, at, duration_ms, status_code) VALUES (?, ?, ?, 1, ?, 5, ?)",
  )
    .bind(`att_${id}`, companyId, `dlv_${id}`, at, status)
    .run();
}

describe("endpoint success sparklines", () => {
  it("count 2xx per clock hour of the last 24 h from the per-hour rollup, per endpoint; older attempts and other companies' do not count", async () => {
    const { endpoint } = await makeEndpoint();
    const { endpoint: other } = await makeEndpoint({ companyId: GLOBEX.id });
    await attempt(ACME.id, endpoint.id, "a", 0.5, 200); // last hour
    await attempt(ACME.id, endpoint.id, "b", 0.25, 500);
    await attempt(ACME.id, endpoint.id, "c", 0.1, null); // a timeout: a failure
    await attempt(ACME.id, endpoint.id, "d", 23.5, 204); // 13:15 yesterday: the first hour of the window
    await attempt(ACME.id, endpoint.id, "g", 23.9, 500); // 12:51 yesterday: before it
    await attempt(ACME.id, endpoint.id, "e", 30, 500); // before the window
    await attempt(GLOBEX.id, other.id, "f", 0.5, 500);
    const rates = await successRates({ db: createDb(env.DB), companyId: ACME.id }, new Date(NOW));
    expect([...rates.keys()]).toEqual([endpoint.id]);
    const hours = rates.get(endpoint.id)!;
    expect(hours).toHaveLength(24);
    expect(hours[23]).toBeCloseTo(1 / 3);
    expect(hours[0]).toBe(1);
    expect(hours.slice(1, 23).every((h) => h === null)).toBe(true);
  });
});

describe("the per-hour rollup behind the sparklines", () => {
  const rollup = (endpointId: string) =>
    env.DB.prepare("SELECT hour, ok, total FROM endpoint_hourly WHERE endpoint_id = ? ORDER BY hour").bind(endpointId).all();

  it("counts every attempt inserted, whoever inserts it, and goes with its endpoint", async () => {
    const { endpoint } = await makeEndpoint();
    await attempt(ACME.id, endpoint.id, "r1", 0.2, 200);
    await attempt(ACME.id, endpoint.id, "r2", 0.3, 503);
    await attempt(ACME.id, endpoint.id, "r3", 2.2, 201);
    const { results } = await rollup(endpoint.id);
    expect(results).toEqual([
      { hour: Date.UTC(2026, 11, 1, 10), ok: 1, total: 1 },
      { hour: Date.UTC(2026, 11, 1, 12), ok: 1, total: 2 },
    ]);
    await env.DB.prepare("DELETE FROM webhook_endpoints WHERE id = ?").bind(endpoint.id).run();
    expect((await rollup(endpoint.id)).results).toEqual([]);
  });

  it("retention drops hours older than two days and keeps the rest", async () => {
    const { endpoint } = await makeEndpoint();
    await attempt(ACME.id, endpoint.id, "o1", 49, 200);
    await attempt(ACME.id, endpoint.id, "o2", 1, 200);
    await purgeExpiredHistory({ db: createDb(env.DB), now: new Date(NOW), windows: DEFAULT_RETENTION });
    expect((await rollup(endpoint.id)).results.map((r) => r.hour)).toEqual([Date.UTC(2026, 11, 1, 11)]);
  });
});
