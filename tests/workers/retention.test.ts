import { createExecutionContext, createScheduledController, env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { runScheduled } from "~/lib/cron.server";
import { createDb } from "~/lib/db/client";
import type { Env } from "~/lib/env";
import { DEFAULT_RETENTION, deliveryHistoryNote, retentionWindows } from "~/lib/retention";
import { purgeExpiredHistory } from "~/lib/retention.server";
import { signIn } from "../helpers/browser-client";
import { ACME } from "../helpers/seed";
import { api } from "./api-client";
import { fullScans, queryPlan, recordingD1 } from "./query-plans";
import { makeEndpoint } from "./webhook-fixtures";

const DAY = 86_400_000;
const NOW = Date.now();
const ago = (days: number) => NOW - days * DAY;

afterEach(async () => {
  for (const t of ["delivery_attempts", "deliveries", "webhook_replay_sends", "events", "audit_log", "webhook_endpoints"])
    await env.DB.prepare(`DELETE FROM ${t}`).run();
});

async function event(id: string, createdDaysAgo: number, dispatchedDaysAgo: number | null) {
  await env.DB.prepare(
    "INSERT INTO events (id, company_id, type, payload, performed_by, created_at, dispatched_at) VALUES (?, ?, 'conversation.created', '{}', '{\"type\":\"system\"}', ?, ?)",
  )
    .bind(id, ACME.id, ago(createdDaysAgo), dispatchedDaysAgo === null ? null : ago(dispatchedDaysAgo))
    .run();
}

async function delivery(
  id: string,
  eventId: string,
  status: string,
  createdDaysAgo: number,
  updatedDaysAgo: number,
  attemptDaysAgo: number[],
) {
  await env.DB.prepare(
    "INSERT INTO deliveries (id, company_id, event_id, target_kind, target_id, status, attempts, created_at, updated_at) VALUES (?, ?, ?, 'webhook', 'we_x', ?, ?, ?, ?)",
  )
    .bind(id, ACME.id, eventId, status, attemptDaysAgo.length, ago(createdDaysAgo), ago(updatedDaysAgo))
    .run();
  for (const [i, d] of attemptDaysAgo.entries()) {
    await env.DB.prepare(
      "INSERT INTO delivery_attempts (id, company_id, delivery_id, n, at, duration_ms, status_code) VALUES (?, ?, ?, ?, ?, 5, 500)",
    )
      .bind(`att_${id}_${i + 1}`, ACME.id, id, i + 1, ago(d))
      .run();
  }
}

async function audit(id: string, daysAgo: number) {
  await env.DB.prepare(
    "INSERT INTO audit_log (id, company_id, actor, action, target, details, at) VALUES (?, ?, '{\"type\":\"system\"}', 'x', NULL, '{}', ?)",
  )
    .bind(id, ACME.id, ago(daysAgo))
    .run();
}

const ids = async (table: string) =>
  (await env.DB.prepare(`SELECT id FROM ${table} ORDER BY id`).all<{ id: string }>()).results.map((r) => r.id);

/** Old and young rows of every kind, and the old ones that must stay. */
async function seedHistory() {
  await event("evt_old_done", 40, 40); // dispatched long ago, nothing points at it: goes
  await event("evt_old_undispatched", 40, null); // the outbox still owes it a fan-out: stays
  await event("evt_old_pending", 40, 40); // a pending delivery needs it: stays
  await event("evt_old_replay", 40, 40); // a pending replay send will send it: stays
  await event("evt_old_finished", 40, 40); // its only delivery expires in the same run: goes after it
  await event("evt_young", 2, 2);
  await delivery("dlv_old_ok", "evt_old_finished", "succeeded", 40, 35, [36, 35]);
  await delivery("dlv_old_pending", "evt_old_pending", "pending", 40, 35, [35]);
  // created long ago, resent yesterday: the delivery stays, its expired first attempt goes
  await delivery("dlv_resent", "evt_young", "failed", 40, 1, [40, 1]);
  await env.DB.prepare(
    "INSERT INTO webhook_replay_sends (id, company_id, replay_id, event_id, status, created_at) VALUES ('rps_1', ?, 'rpl_1', 'evt_old_replay', 'pending', ?)",
  )
    .bind(ACME.id, ago(1))
    .run();
  for (let i = 1; i <= 5; i++) await audit(`aud_old_${i}`, 366 + i);
  await audit("aud_young", 300);
}

describe("retention", () => {
  it("purges only expired, finished history, oldest first in batches; pending deliveries and owed events stay", async () => {
    await seedHistory();
    const result = await purgeExpiredHistory({ db: createDb(env.DB), now: new Date(NOW), windows: DEFAULT_RETENTION, batchSize: 2 });
    expect(await ids("events")).toEqual(["evt_old_pending", "evt_old_replay", "evt_old_undispatched", "evt_young"]);
    expect(await ids("deliveries")).toEqual(["dlv_old_pending", "dlv_resent"]);
    expect(await ids("delivery_attempts")).toEqual(["att_dlv_old_pending_1", "att_dlv_resent_2"]);
    expect(await ids("audit_log")).toEqual(["aud_young"]);
    expect(result).toMatchObject({ attempts: 3, deliveries: 1, events: 2, audit: 5 });
    // audit: 2 + 2 + 1; attempts: 2 + 1; deliveries: 1; events: 2 + 0 (a full batch asks once more)
    expect(result.batches).toBe(3 + 2 + 1 + 2);
  });

  it("a run is bounded: at most maxBatches × batchSize rows per table, and the next run carries on", async () => {
    for (let i = 1; i <= 5; i++) await audit(`aud_old_${i}`, 400 + i);
    const db = createDb(env.DB);
    const first = await purgeExpiredHistory({ db, now: new Date(NOW), windows: DEFAULT_RETENTION, batchSize: 2, maxBatches: 1 });
    expect(first.audit).toBe(2);
    // the oldest went first
    expect(await ids("audit_log")).toEqual(["aud_old_1", "aud_old_2", "aud_old_3"]);
    const second = await purgeExpiredHistory({ db, now: new Date(NOW), windows: DEFAULT_RETENTION, batchSize: 2, maxBatches: 5 });
    expect(second.audit).toBe(3);
    expect(await ids("audit_log")).toEqual([]);
  });

  it("every purge statement finds its rows through an index, never a full scan", async () => {
    await seedHistory();
    const recorder = recordingD1(env.DB);
    await purgeExpiredHistory({ db: createDb(recorder.db), now: new Date(NOW), windows: DEFAULT_RETENTION, batchSize: 2 });
    const statements = recorder.statements();
    expect(statements.length).toBeGreaterThanOrEqual(5);
    const details: string[] = [];
    for (const s of statements) {
      const plan = await queryPlan(env.DB, s);
      expect(fullScans(s.sql, plan), s.sql).toEqual([]);
      details.push(...plan.map((p) => p.detail));
    }
    const used = details.join("\n");
    for (const index of ["delivery_attempts_at_idx", "deliveries_updated_idx", "events_undispatched_idx", "audit_log_at_idx"])
      expect(used).toContain(index);
  });

  it("the windows come from env vars; a missing, zero or malformed value means the default, never 'keep nothing'", () => {
    expect(retentionWindows({})).toEqual(DEFAULT_RETENTION);
    expect(retentionWindows({ RETENTION_ATTEMPTS_DAYS: "7", RETENTION_AUDIT_DAYS: "730" })).toMatchObject({
      attemptsDays: 7,
      auditDays: 730,
    });
    for (const bad of ["0", "-3", "1.5", "thirty", "99999"])
      expect(retentionWindows({ RETENTION_DELIVERIES_DAYS: bad }).deliveriesDays).toBe(DEFAULT_RETENTION.deliveriesDays);
    expect(deliveryHistoryNote({ ...DEFAULT_RETENTION, attemptsDays: 7 })).toBe(
      "Deliveries are kept for 30 days after their last attempt, the details of each attempt for 7 days.",
    );
  });

  it("shorter configured windows purge sooner, and events still never go before their deliveries' window", async () => {
    await event("evt_10", 10, 10);
    await delivery("dlv_10", "evt_10", "succeeded", 10, 10, [10]);
    const db = createDb(env.DB);
    const windows = retentionWindows({ RETENTION_ATTEMPTS_DAYS: "5", RETENTION_EVENTS_DAYS: "5" });
    await purgeExpiredHistory({ db, now: new Date(NOW), windows });
    expect(await ids("delivery_attempts")).toEqual([]);
    expect(await ids("deliveries")).toEqual(["dlv_10"]);
    expect(await ids("events")).toEqual(["evt_10"]);
  });

  it("the cron runs the purge", async () => {
    await seedHistory();
    await runScheduled(
      createScheduledController({ scheduledTime: new Date(NOW), cron: "* * * * *" }),
      env as unknown as Env,
      createExecutionContext(),
    );
    expect(await ids("audit_log")).toEqual(["aud_young"]);
    expect(await ids("deliveries")).toEqual(["dlv_old_pending", "dlv_resent"]);
  });

  it("the webhook page and /v1 say how far back delivery history goes", async () => {
    const { endpoint } = await makeEndpoint();
    const john = await signIn(ACME.adminEmail);
    const page = (await (await john.get(`/integrations/developers/webhooks/${endpoint.id}`)).text()).replaceAll("<!-- -->", "");
    expect(page).toContain("Deliveries are kept for 30 days after their last attempt, then deleted.");
    const res = await api(`/webhooks/${endpoint.id}/deliveries`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { retention: unknown }).retention).toEqual({ deliveries_days: 30, attempts_days: 30 });
    const doc = (await (await api("/openapi.json", { key: null })).json()) as {
      paths: Record<string, { get?: { description?: string } }>;
    };
    expect(doc.paths["/v1/webhooks/{id}/deliveries"]?.get?.description).toContain("30 days");
    expect(doc.paths["/v1/events"]?.get?.description).toContain("Events are kept for 30 days");
  });
});
