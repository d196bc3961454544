import { createExecutionContext, createMessageBatch, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { runScheduled } from "~/lib/cron.server";
import { createDb } from "~/lib/db/client";
import type { Env } from "~/lib/env";
import { enableEmailForwarding } from "~/lib/integrations/email-forwarding/forwarding.server";
import { handleQueueBatch } from "~/lib/queues.server";
import worker from "../../workers/app";
import { type BrowserClient, ORIGIN, signIn } from "../helpers/browser-client";
import { ACME } from "../helpers/seed";
import { newKey, validConversation } from "./api-client";
import { JOHN } from "./email-helpers";
import { fullScans, queryPlan, type Recorded, recordingD1, unboundedSorts, wholeHistoryReads } from "./query-plans";

/**
 * Issue 15 item 4: every statement the pages, the API, the queue consumers and the cron send to D1
 * — captured by running them against a recording D1 binding — finds its rows through an index.
 * A full SCAN of a table that grows with customers or time fails the test with the statement.
 */

const recorder = recordingD1(env.DB);
const recordedEnv = { ...env, DB: recorder.db } as unknown as Env;

async function send(url: string, init: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(url, init) as Request<unknown, IncomingRequestCfProperties>, recordedEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

let key = "";

async function v1(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await send(`${ORIGIN}/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  expect(res.status, `${method} /v1${path}: ${text.slice(0, 300)}`).toBeLessThan(500);
  return { status: res.status, json: () => JSON.parse(text) as Record<string, unknown> };
}

async function page(client: BrowserClient, path: string) {
  const res = await client.get(path);
  await res.arrayBuffer();
  expect(res.status, path).toBeLessThan(500);
  return res.status;
}

async function queue(name: string, body: unknown) {
  const ctx = createExecutionContext();
  await handleQueueBatch(
    createMessageBatch(name, [{ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body }]),
    recordedEnv,
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

/** Drives every page, /v1 route, consumer and cron job once, with rows in every table they read. */
async function exerciseEverything() {
  const now = Date.now();
  await env.DB.prepare(
    "INSERT INTO connections (id, company_id, provider, status, account_label, connected_by, connected_by_email, connected_at, config, updated_at) VALUES ('conn_slack', ?, 'slack', 'connected', 'Acme', 'usr_john', 'john@acme.com', ?, '{\"channel\":\"#support\"}', ?)",
  )
    .bind(ACME.id, now, now)
    .run();

  // API: create, then read back everything it made
  key = (await newKey(ACME.id)).secret;
  await enableEmailForwarding({ db: createDb(env.DB), companyId: ACME.id, env, actor: JOHN });
  const endpoint = await v1("POST", "/webhooks", {
    url: "https://receiver.invalid/hook",
    events: ["conversation.created", "message.received", "conversation.closed", "escalation.triggered"],
    description: "plans",
  });
  const endpointId = String(endpoint.json().id);
  const conversation = await v1("POST", "/conversations", validConversation);
  const convId = String(conversation.json().id);
  await v1("POST", `/conversations/${convId}/messages`, { body: "Hello", author: "agent" });
  // Idempotency-Key (ADR 0173): a claim and a kept answer, its replay, another request under it, a released error
  const once = { body: "Once", author: "agent" };
  for (const [body, k] of [
    [once, "plans-1"],
    [once, "plans-1"],
    [{ ...once, body: "Other" }, "plans-1"],
    [{}, "plans-2"],
  ] as const)
    await v1("POST", `/conversations/${convId}/messages`, body, { "Idempotency-Key": k });
  await v1("POST", `/conversations/${convId}/escalate`, {});
  await v1("PATCH", `/conversations/${convId}`, { status: "closed" });
  // the events queue fans the outbox out; the deliveries queue attempts each delivery
  const undispatched = await env.DB.prepare("SELECT id FROM events WHERE dispatched_at IS NULL").all<{ id: string }>();
  for (const e of undispatched.results) await queue("ih-events", { kind: "event", eventId: e.id });
  const pending = await env.DB.prepare("SELECT id, run FROM deliveries WHERE status = 'pending'").all<{ id: string; run: number }>();
  for (const d of pending.results) await queue("ih-deliveries", { deliveryId: d.id, run: d.run, attempt: 1 });
  const deliveryId = pending.results[0]?.id ?? "dlv_none";

  for (const path of [
    "/me",
    "/conversations",
    "/conversations?limit=5&status=closed",
    `/conversations/${convId}`,
    "/events",
    "/events?type=conversation.created&limit=5",
    `/events?since=${encodeURIComponent(new Date(now - 3600_000).toISOString())}`,
    "/webhooks",
    `/webhooks/${endpointId}`,
    `/webhooks/${endpointId}/deliveries`,
    `/webhooks/${endpointId}/deliveries?limit=1&cursor=${deliveryId}`,
    "/hooks/samples/conversation.created",
    "/contacts/pat%40example.com/orders",
  ])
    await v1("GET", path);
  await v1("PATCH", `/webhooks/${endpointId}`, { description: "renamed" });
  await v1("POST", `/webhooks/${endpointId}/test`, {});
  await v1("POST", `/webhooks/${endpointId}/rotate-secret`, {});
  await v1("POST", `/deliveries/${deliveryId}/resend`, {});
  await v1("POST", `/webhooks/${endpointId}/verify`, { url: "https://verify.invalid/hook" });
  const replay = await v1("POST", `/webhooks/${endpointId}/replays`, { url: "https://replay.invalid/hook", delivery_id: deliveryId });
  await v1("POST", `/webhooks/${endpointId}/replays`, {
    url: "https://replay.invalid/hook",
    from: new Date(now - 3600_000).toISOString(),
    to: new Date(now + 60_000).toISOString(),
  });
  await v1("GET", `/webhooks/${endpointId}/replays/${String(replay.json().id)}`);
  const replaySends = await env.DB.prepare("SELECT id FROM webhook_replay_sends").all<{ id: string }>();
  for (const r of replaySends.results) await queue("ih-deliveries", { kind: "replay", replaySendId: r.id });
  const hook = await v1("POST", "/hooks", { target_url: "https://hooks.zapier.com/hooks/standard/1/plans", event: "conversation.created" });
  await v1("GET", `/hooks/${String(hook.json().id)}`);
  await v1("DELETE", `/hooks/${String(hook.json().id)}`);

  // pages, as the admin sees them
  const john = await signIn(ACME.adminEmail, undefined, send);
  const apiKey = await env.DB.prepare("SELECT id FROM api_keys WHERE company_id = ? LIMIT 1").bind(ACME.id).first<{ id: string }>();
  for (const path of [
    "/integrations",
    "/integrations/available",
    "/integrations/available?q=sla&category=chat",
    "/integrations/available/hubspot",
    "/integrations/slack/activity",
    "/integrations/slack/configure",
    "/integrations/slack/disconnect",
    "/integrations/email-forwarding/configure",
    "/integrations/developers",
    "/integrations/developers/webhooks/new",
    `/integrations/developers/webhooks/${endpointId}`,
    `/integrations/developers/webhooks/${endpointId}?before=${deliveryId}`,
    `/integrations/developers/webhooks/${endpointId}/edit`,
    `/integrations/developers/webhooks/${endpointId}/delete`,
    `/integrations/developers/webhooks/${endpointId}/replay`,
    `/integrations/developers/webhooks/${endpointId}/verify`,
    `/integrations/developers/keys/${apiKey?.id}/regenerate`,
    `/integrations/developers/keys/${apiKey?.id}/revoke`,
    "/integrations/developers/audit",
    "/integrations/developers/audit?action=api_key&actor=user%3Ausr_john&from=2020-01-01&to=2099-01-01",
    "/integrations/developers/audit?action=webhook_endpoint.created",
    "/integrations/developers/audit.csv",
  ])
    await page(john, path);
  await john.post(`/integrations/developers/webhooks/${endpointId}`, { intent: "replay", since: "24h" });
  await john.post(`/integrations/developers/webhooks/${endpointId}`, { intent: "resend", deliveryId });

  // the cron, as of an hour later (the sweepers find overdue rows) and of a year later (the purge deletes)
  for (const at of [now + 3600_000, now + 400 * 86_400_000]) {
    const ctx = createExecutionContext();
    await runScheduled(createScheduledController({ scheduledTime: new Date(at), cron: "* * * * *" }), recordedEnv, ctx).catch(() => {});
    await waitOnExecutionContext(ctx);
  }
  await page(john, `/integrations/developers/webhooks/${endpointId}`);
}

/**
 * Statements that sort before their LIMIT, or read with the company alone, over a set that does not
 * grow with history: each with why.
 */
const BOUNDED_SORTS: [RegExp, string][] = [
  [/^UPDATE events SET swept_at/, "the outbox sweeper sorts only undispatched events (the outbox, not history)"],
  [/^UPDATE deliveries SET sweeps/, "the delivery sweeper sorts only overdue pending deliveries"],
  [/from \(select "actor" from "audit_log"/, "the audit page's Who options read the latest 5,000 rows only"],
  [/"events"\."created_at" >= \?\) order by "events"\."seq"/, "/v1/events?since= reads the poll window (minutes), not the whole log"],
  [
    /^delete from "audit_log" where \("audit_log"\."company_id" = \? and "audit_log"\."target" = \? and not exists/,
    "takes back the audit row of an endpoint refused over the cap: the constant NOT EXISTS is false (nothing read) unless it was refused",
  ],
];

describe("query plans", () => {
  it("the check itself: a full scan, a whole-history sort or read is caught; an index lookup or an index-ordered page is not", async () => {
    const scan: Recorded = { sql: "SELECT * FROM deliveries d WHERE d.last_error = ?", params: ["x"] };
    expect(fullScans(scan.sql, await queryPlan(env.DB, scan))).toEqual(["deliveries: SCAN d"]);
    const search: Recorded = { sql: "SELECT * FROM deliveries WHERE id = ?", params: ["x"] };
    expect(fullScans(search.sql, await queryPlan(env.DB, search))).toEqual([]);
    // a page that must sort all of a company's rows before its LIMIT is caught too
    const sorted: Recorded = { sql: "SELECT * FROM messages WHERE company_id = ? ORDER BY created_at DESC LIMIT 25", params: ["co"] };
    expect(unboundedSorts(sorted.sql, await queryPlan(env.DB, sorted))).toEqual(["messages"]);
    const paged: Recorded = { sql: "SELECT * FROM conversations WHERE company_id = ? ORDER BY id DESC LIMIT 25", params: ["co"] };
    expect(unboundedSorts(paged.sql, await queryPlan(env.DB, paged))).toEqual([]);
    // and so is a count over a company's whole history; a page in index order is not
    const counted: Recorded = { sql: "SELECT count(*) FROM messages WHERE company_id = ? AND body LIKE ?", params: ["co", "%x%"] };
    expect(wholeHistoryReads(counted.sql, await queryPlan(env.DB, counted))).toEqual(["messages"]);
    expect(wholeHistoryReads(paged.sql, await queryPlan(env.DB, paged))).toEqual([]);
  });

  it("no page, /v1 route, consumer or cron job scans a growing table, or sorts or reads a company's whole history", async () => {
    await exerciseEverything();
    const unique = new Map<string, Recorded>();
    for (const s of recorder.statements()) if (!unique.has(s.sql)) unique.set(s.sql, s);
    // enough statements to mean the routes really ran (each area issues many)
    expect(unique.size).toBeGreaterThan(80);
    const offenders: string[] = [];
    for (const s of unique.values()) {
      if (/^\s*(insert|replace)\b/i.test(s.sql) && !/\bselect\b/i.test(s.sql)) continue; // a plain INSERT … VALUES reads nothing
      const plan = await queryPlan(env.DB, s);
      const bounded = BOUNDED_SORTS.some(([re]) => re.test(s.sql));
      const sorts = bounded ? [] : unboundedSorts(s.sql, plan).map((t) => `${t}: sorts every row`);
      const reads = bounded ? [] : wholeHistoryReads(s.sql, plan).map((t) => `${t}: reads the company's whole history`);
      const scans = [...fullScans(s.sql, plan), ...sorts, ...reads];
      if (scans.length) offenders.push(`${scans.join("; ")}\n    ${s.sql.replace(/\s+/g, " ").slice(0, 400)}`);
    }
    expect(offenders, `full scans:\n${offenders.join("\n")}`).toEqual([]);
  });
});
