// `npm run bench -- --large[=SCALE]` (issue 15 items 4 and 5): a large company beside the small demo
// one, in the same database and the same run. Seeded with bulk INSERT … SELECT over recursive CTEs
// through `wrangler d1 execute --file` (never row by row), then the same page and API figures are
// taken for both companies, and the cron's retention purge is timed on the large one's backlog.
import { webcrypto as crypto } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { wrangler } from "../lib.mjs";
import { loadRun } from "./load.mjs";
import { median, pairedRatio } from "./stats.mjs";

/** The issue's sizes; --large=0.1 seeds a tenth of each (endpoints stay 20). */
const LARGE = { conversations: 100_000, endpoints: 20, attempts: 1_000_000, audit: 50_000 };
const LARGE_COMPANY = { id: "co_large", email: "admin@large.test" };

const DAY = 86_400_000;
const HISTORY_DAYS = 60; // deliveries and events spread over 60 days: half are past the 30-day window
const AUDIT_DAYS = 730; // audit rows over two years: half are past the 1-year window
const EVENTS = ["conversation.created", "conversation.updated", "conversation.closed", "message.received", "message.sent"];

export function largeSizes(scale) {
  const s = Number.isFinite(scale) && scale > 0 ? Math.min(scale, 1) : 1;
  const n = (x) => Math.max(1, Math.round(x * s));
  return {
    conversations: n(LARGE.conversations),
    endpoints: LARGE.endpoints,
    attempts: 2 * n(LARGE.attempts / 2),
    audit: n(LARGE.audit),
    scale: s,
  };
}

const rnd = (n) => Buffer.from(crypto.getRandomValues(new Uint8Array(n)));
const sha256Hex = async (text) => Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))).toString("hex");

async function pbkdf2(password) {
  const salt = rnd(16);
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 100_000 }, key, 256);
  return `pbkdf2-sha256$100000$${salt.toString("base64")}$${Buffer.from(bits).toString("base64")}`;
}

/**
 * The seed: each table is one INSERT … SELECT over a recursive counter. Two deliveries per event
 * (to two of the 20 endpoints), two attempts per delivery (a 500, then a 200 — or two failures),
 * nothing pending (the consumers and sweepers leave the large company alone). Ids grow with time.
 */
function largeSeedSql({ sizes, now, passwordHash, keyHash, keyLast4 }) {
  const D = sizes.attempts / 2; // deliveries
  const E = D / 2; // events
  const C = sizes.conversations;
  const eStep = Math.floor((HISTORY_DAYS * DAY) / E);
  const cStep = Math.floor((HISTORY_DAYS * DAY) / C);
  const aStep = Math.floor((AUDIT_DAYS * DAY) / sizes.audit);
  const t0 = now - HISTORY_DAYS * DAY;
  const counter = (n) => `WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ${n - 1})`;
  const eventAt = (e) => `(${t0} + (${e}) * ${eStep})`;
  const types = `json_extract('${JSON.stringify(EVENTS)}', '$[' || (i % ${EVENTS.length}) || ']')`;
  const scopes = JSON.stringify(["conversations:read", "conversations:write", "webhooks:read", "webhooks:write"]);
  return `${[
    `INSERT INTO companies (id, name, slug, timezone, created_at) VALUES ('co_large', 'Large Co', 'large-co', 'UTC', ${t0})`,
    `INSERT INTO users (id, company_id, email, name, role, password_hash, created_at) VALUES ('usr_large', 'co_large', '${LARGE_COMPANY.email}', 'Lara Large', 'company_admin', '${passwordHash}', ${t0})`,
    `INSERT INTO api_keys (id, company_id, name, prefix, last4, hash, scopes, kind, created_by, created_at) VALUES ('key_large', 'co_large', 'Bench key', 'sk_live_', '${keyLast4}', '${keyHash}', '${scopes}', 'custom', 'usr_large', ${t0})`,
    `INSERT INTO webhook_endpoints (id, company_id, url, description, events, status, source, secret_enc, created_by, created_at, updated_at)
  ${counter(sizes.endpoints)}
  SELECT printf('we_large_%02d', i), 'co_large', printf('https://hooks%d.large.test/in', i), printf('Receiver %d', i), '${JSON.stringify(EVENTS)}', 'active', 'user', 'bench:never-signs', '${LARGE_COMPANY.email}', ${t0}, ${t0} FROM k`,
    `INSERT INTO conversations (id, company_id, channel, status, contact_email, contact_name, subject, created_at, updated_at, closed_at)
  ${counter(C)}
  SELECT printf('conv_large_%08d', i), 'co_large', 'email', CASE WHEN i % 3 = 0 THEN 'closed' ELSE 'open' END, printf('contact%d@example.com', i), printf('Contact %d', i), printf('Order #%d', i),
    ${t0} + i * ${cStep}, ${t0} + i * ${cStep} + 60000, CASE WHEN i % 3 = 0 THEN ${t0} + i * ${cStep} + 60000 END FROM k`,
    `INSERT INTO events (id, company_id, type, payload, performed_by, created_at, dispatched_at, seq)
  ${counter(E)}
  SELECT printf('evt_large_%08d', i), 'co_large', ${types}, json_object('conversation_id', printf('conv_large_%08d', i % ${C})), '{"type":"system","id":null,"name":null}',
    ${eventAt("i")}, ${eventAt("i")} + 1000, 1000000000 + i FROM k`,
    `INSERT INTO deliveries (id, company_id, event_id, target_kind, target_id, status, attempts, last_status_code, last_attempt_at, last_duration_ms, created_at, updated_at)
  ${counter(D)}
  SELECT printf('dlv_large_%08d', i), 'co_large', printf('evt_large_%08d', i / 2), 'webhook',
    printf('we_large_%02d', CASE WHEN i % 2 = 0 THEN (i / 2) % ${sizes.endpoints} ELSE ((i / 2) + 7) % ${sizes.endpoints} END),
    CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'succeeded' END, 2, CASE WHEN i % 10 = 0 THEN 500 ELSE 200 END,
    ${eventAt("i / 2")} + 61000, 40, ${eventAt("i / 2")} + 1000, ${eventAt("i / 2")} + 61000 FROM k`,
    `INSERT INTO delivery_attempts (id, company_id, delivery_id, n, at, duration_ms, status_code, response_excerpt)
  ${counter(2 * D)}
  SELECT printf('att_large_%08d', i), 'co_large', printf('dlv_large_%08d', i / 2), i % 2 + 1, ${eventAt("i / 4")} + 1000 + (i % 2) * 60000, 40,
    CASE WHEN i % 2 = 0 OR (i / 2) % 10 = 0 THEN 500 ELSE 200 END, CASE WHEN i % 2 = 0 OR (i / 2) % 10 = 0 THEN 'upstream error' ELSE 'ok' END FROM k`,
    `INSERT INTO audit_log (id, company_id, actor, action, target, details, ip, at)
  ${counter(sizes.audit)}
  SELECT printf('aud_large_%08d', i), 'co_large', '{"type":"user","id":"usr_large","label":"${LARGE_COMPANY.email}"}',
    CASE i % 4 WHEN 0 THEN 'webhook_endpoint.updated' WHEN 1 THEN 'api_key.created' WHEN 2 THEN 'integration.connected' ELSE 'webhook_delivery.resent' END,
    printf('we_large_%02d', i % ${sizes.endpoints}), '{}', '203.0.113.7', ${now - AUDIT_DAYS * DAY} + i * ${aStep} FROM k`,
  ].join(";\n")};\n`;
}

/** Seeds the large company into the local D1 at `persistDir` (before Miniflare opens it). */
export async function seedLargeCompany({ persistDir, sizes, log = console.log }) {
  const apiKey = `sk_live_${rnd(32).toString("base64url")}`;
  const password = process.env.DEMO_PASSWORD || "demo-password";
  const sql = largeSeedSql({
    sizes,
    now: Date.now(),
    passwordHash: await pbkdf2(password),
    keyHash: await sha256Hex(apiKey),
    keyLast4: apiKey.slice(-4),
  });
  const dir = mkdtempSync(join(tmpdir(), "ih-large-"));
  const file = join(dir, "large.sql");
  writeFileSync(file, sql, { mode: 0o600 });
  const t0 = Date.now();
  try {
    await wrangler(["d1", "execute", "DB", "--local", "--persist-to", persistDir, "--file", file], { quiet: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const seconds = (Date.now() - t0) / 1000;
  const rows = sizes.conversations + sizes.endpoints + sizes.attempts + sizes.attempts / 2 + sizes.attempts / 4 + sizes.audit;
  log(`  seeded the large company: ${rows.toLocaleString("en")} rows in ${seconds.toFixed(1)} s`);
  return { apiKey, email: LARGE_COMPANY.email, seedSeconds: seconds, rows };
}

/** Load runs per company per path, alternating (a growth figure is the median of the pairs' ratios). */
const PAIRS = 3;

/** Deliveries shown on the endpoint's page and by /v1 (a full page of 25, and a next one). */
const SMALL_HISTORY = 30;
/** Audit rows added to the small company: more than the audit page shows (50). */
const SMALL_AUDIT = 60;
const SMALL_MATCH = `as many webhook endpoints (up to 20), each with a day of hourly delivery rollups, ${SMALL_HISTORY} recent deliveries on the endpoint measured, ${SMALL_AUDIT} audit rows`;

/**
 * The small company shows what the large one shows, so that a growth figure measures the data
 * behind a page, not how much the page draws: as many webhook endpoints (the API & Webhooks tab
 * lists them all), and a full page of recent deliveries on the endpoint whose page is measured
 * (created fresh, it had none, and its page drew an empty list beside the large one's 25 rows),
 * a day of hourly rollups on every endpoint (each draws its last 24 hours), and more audit rows than
 * the audit page shows.
 */
async function matchSmallCompany({ server, d1, apiKey, companyId, endpointId, log }) {
  let endpoints = await count(d1, "webhook_endpoints", companyId);
  const written = { api: 0, sql: 0 };
  for (let i = 0; endpoints < LARGE.endpoints && i < LARGE.endpoints; i++) {
    written[(await addSmallEndpoint({ server, d1, apiKey, companyId, name: `small${i}` })).how]++;
    endpoints++;
  }
  const now = Date.now();
  const counter = `WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ${SMALL_HISTORY - 1})`;
  const at = (offset) => `${now - SMALL_HISTORY * 60_000} + i * 60000 + ${offset}`;
  await d1.batch(
    [
      `INSERT INTO events (id, company_id, type, payload, performed_by, created_at, dispatched_at, seq)
  ${counter} SELECT printf('evt_small_%04d', i), ?1, 'conversation.created', '{}', '{"type":"system","id":null,"name":null}',
    ${at(0)}, ${at(1000)}, (SELECT max(seq) FROM events) + 1 + i FROM k`,
      `INSERT INTO deliveries (id, company_id, event_id, target_kind, target_id, status, attempts, last_status_code, last_attempt_at, last_duration_ms, created_at, updated_at)
  ${counter} SELECT printf('dlv_small_%04d', i), ?1, printf('evt_small_%04d', i), 'webhook', ?2,
    CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'succeeded' END, 2, CASE WHEN i % 10 = 0 THEN 500 ELSE 200 END, ${at(31000)}, 40, ${at(1000)}, ${at(31000)} FROM k`,
      `INSERT INTO delivery_attempts (id, company_id, delivery_id, n, at, duration_ms, status_code, response_excerpt)
  WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ${2 * SMALL_HISTORY - 1})
  SELECT printf('att_small_%04d', i), ?1, printf('dlv_small_%04d', i / 2), i % 2 + 1, ${now - SMALL_HISTORY * 60_000} + (i / 2) * 60000 + 1000 + (i % 2) * 30000, 40,
    CASE WHEN i % 2 = 0 OR (i / 2) % 10 = 0 THEN 500 ELSE 200 END, CASE WHEN i % 2 = 0 OR (i / 2) % 10 = 0 THEN 'upstream error' ELSE 'ok' END FROM k`,
      `INSERT INTO audit_log (id, company_id, actor, action, target, details, ip, at)
  WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ${SMALL_AUDIT - 1})
  SELECT printf('aud_small_%04d', i), ?1, '{"type":"user","id":"usr_bench","label":"bench@small.test"}',
    CASE i % 4 WHEN 0 THEN 'webhook_endpoint.updated' WHEN 1 THEN 'api_key.created' WHEN 2 THEN 'integration.connected' ELSE 'webhook_delivery.resent' END,
    ?2, '{}', '203.0.113.7', ${now - SMALL_AUDIT * 60_000} + i * 60000 FROM k`,
      // a day of hourly rollups on each endpoint, as the large company's traffic leaves them: the
      // API & Webhooks tab draws each endpoint's last 24 hours from these
      `INSERT INTO endpoint_hourly (endpoint_id, company_id, hour, ok, total)
  WITH RECURSIVE h(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM h WHERE i < 23)
  SELECT e.id, e.company_id, ${now - (now % 3_600_000)} - i * 3600000, 9 + i % 2, 10 FROM webhook_endpoints e, h WHERE e.company_id = ?1
  ON CONFLICT (endpoint_id, hour) DO NOTHING`,
    ].map((q) => d1.prepare(q).bind(...(q.includes("?2") ? [companyId, endpointId] : [companyId]))),
  );
  const how = written.sql
    ? ` (${written.api} more through /v1, ${written.sql} written directly: earlier sections spent the company's hourly budget of new endpoints)`
    : "";
  log(
    `  small company: ${endpoints} webhook endpoints${how}; ${SMALL_HISTORY} deliveries on the measured one; ${SMALL_AUDIT} audit rows added`,
  );
  if (endpoints !== LARGE.endpoints)
    throw new Error(`the small company has ${endpoints} webhook endpoints, not ${LARGE.endpoints}: growth would compare different pages`);
}

/**
 * One webhook endpoint of the small company: through `POST /v1/webhooks` while the company's hourly
 * budget of new endpoints lasts (a full run's earlier sections spend most of it), else written the
 * way the large company's are (same columns; its secret never signs, and nothing is delivered to it
 * while this section runs). Returns its id and how it was made.
 */
async function addSmallEndpoint({ server, d1, apiKey, companyId, name }) {
  const url = `https://${name}.small.test/in`;
  const res = await fetch(`${server.url}/v1/webhooks`, {
    method: "POST",
    headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ url, events: ["conversation.created"], description: `bench ${name}` }),
  });
  const body = await res.json().catch(() => null);
  if (res.status === 201) return { id: body.id, how: "api" };
  if (res.status !== 429) throw new Error(`POST /v1/webhooks answered ${res.status}: ${JSON.stringify(body)?.slice(0, 200)}`);
  const id = `we_bench_${name}_${Date.now().toString(36)}`;
  const now = Date.now();
  await d1
    .prepare(
      `INSERT INTO webhook_endpoints (id, company_id, url, description, events, status, source, secret_enc, created_by, created_at, updated_at)
  VALUES (?1, ?2, ?3, ?4, '["conversation.created"]', 'active', 'user', 'bench:never-signs', 'bench', ?5, ?5)`,
    )
    .bind(id, companyId, url, `bench ${name}`, now)
    .run();
  return { id, how: "sql" };
}

/** Median of 5 requests' bench headers: D1 round trips, ms waiting on D1, ms to the response head. */
async function probe(url, headers) {
  const rows = [];
  let status = 0;
  for (let i = 0; i < 5; i++) {
    const res = await fetch(url, { headers, redirect: "manual" });
    await res.arrayBuffer();
    status = res.status;
    if (status !== 200) return { status };
    rows.push(["x-bench-d1-round-trips", "x-bench-d1-wait-ms", "x-bench-worker-ms"].map((h) => Number(res.headers.get(h))));
  }
  return {
    status,
    roundTrips: median(rows.map((x) => x[0])),
    waitMs: median(rows.map((x) => x[1])),
    workerMs: median(rows.map((x) => x[2])),
  };
}

const count = async (d1, table, companyId) =>
  (await d1.prepare(`SELECT count(*) AS n FROM ${table} WHERE company_id = ?`).bind(companyId).first()).n;

/**
 * The same pages and /v1 calls for both companies (headers probe, then one load run each), then the
 * purge: cron ticks (`/__dev/cron`, the same jobs as production's every-minute trigger) until the
 * large company's expired history is gone or `maxTicks` ran, rows deleted per second of tick time.
 */
export async function measureLarge({ server, tool, small, large, seconds, connections, maxTicks = 12, log = console.log }) {
  const d1 = await server.mf.getD1Database("DB");
  const me = await (await fetch(`${server.url}/v1/me`, { headers: { Authorization: `Bearer ${small.apiKey}` } })).json();
  const companyId = me.company.id;
  const { id: smallEndpoint } = await addSmallEndpoint({ server, d1, apiKey: small.apiKey, companyId, name: "measured" });
  await matchSmallCompany({ server, d1, apiKey: small.apiKey, companyId, endpointId: smallEndpoint, log });
  const targets = (who, endpointId) =>
    [
      ["/integrations", "page"],
      ["/integrations/developers", "page"],
      [`/integrations/developers/webhooks/${endpointId}`, "page"],
      ["/integrations/developers/audit", "page"],
      ["/v1/conversations", "api"],
      [`/v1/webhooks/${endpointId}/deliveries`, "api"],
      ["/v1/events", "api"],
    ].map(([path, kind]) => ({
      label: path.replace(endpointId, ":id"),
      url: `${server.url}${path}`,
      headers: kind === "page" ? { Cookie: who.cookie } : { Authorization: `Bearer ${who.apiKey}` },
    }));
  const companies = { small: targets(small, smallEndpoint), large: targets(large, "we_large_00") };
  const rows = {};
  // Path by path, both companies probed, then PAIRS load runs of each, alternating small / large: a
  // drift of the machine over the run weighs on both sides of a pair alike. A path's growth is the
  // median of its pairs' ratios (one 5 s run per side swung a row by ±25 % between identical runs).
  const runSeconds = Math.max(2, Math.round(seconds / 2));
  for (const [i, label] of companies.small.map((t) => t.label).entries()) {
    const row = (rows[label] = {});
    const sides = /** @type {const} */ (["small", "large"]);
    for (const who of sides) {
      const t = companies[who][i];
      if (t.label !== label) throw new Error(`large bench: ${who}'s path ${i} is ${t.label}, not ${label}`);
      row[who] = { ...(await probe(t.url, t.headers)), runs: [] };
    }
    if (sides.every((who) => row[who].status === 200)) {
      for (let pair = 0; pair < PAIRS; pair++) {
        for (const who of sides) {
          const t = companies[who][i];
          row[who].runs.push(await loadRun(tool, { url: t.url, headers: t.headers, seconds: runSeconds, connections }));
        }
      }
      row.growth = pairedRatio(row.small, row.large);
    }
    for (const who of sides) {
      const x = row[who];
      Object.assign(x, {
        rps: x.runs.length ? median(x.runs.map((m) => m.rps)) : null,
        p50: x.runs.length ? median(x.runs.map((m) => m.p50)) : null,
        errors: x.runs.reduce((a, m) => a + (m.errors ?? 0), 0),
      });
      log(
        `  ${who} ${label}: ${x.status === 200 ? `${x.roundTrips} rt, D1 ${x.waitMs} ms, worker ${x.workerMs} ms, ${x.rps?.toFixed(0)} req/s (runs ${x.runs.map((m) => m.rps.toFixed(0)).join(" / ")}), p50 ${x.p50?.toFixed(1)} ms` : `status ${x.status}`}`,
      );
    }
    if (row.growth != null) log(`  ${label}: growth ${row.growth.toFixed(2)}× (median of ${PAIRS} paired runs)`);
  }

  const tables = ["delivery_attempts", "deliveries", "events", "audit_log"];
  const before = {};
  for (const t of tables) before[t] = await count(d1, t, LARGE_COMPANY.id);
  const ticks = [];
  let tickMs = 0;
  for (let i = 0; i < maxTicks; i++) {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/__dev/cron`, { method: "POST" });
    await res.arrayBuffer();
    const ms = performance.now() - t0;
    tickMs += ms;
    const now = {};
    for (const t of tables) now[t] = await count(d1, t, LARGE_COMPANY.id);
    const deleted = tables.reduce((a, t) => a + ((ticks.at(-1)?.left ?? before)[t] - now[t]), 0);
    ticks.push({ ms, deleted, left: now });
    log(`  purge tick ${i + 1}: ${deleted} rows in ${ms.toFixed(0)} ms (${res.status})`);
    if (deleted === 0) break;
  }
  const after = ticks.at(-1)?.left ?? before;
  const deleted = Object.fromEntries(tables.map((t) => [t, before[t] - after[t]]));
  const total = Object.values(deleted).reduce((a, b) => a + b, 0);
  const purge = { before, after, deleted, total, ticks: ticks.length, seconds: tickMs / 1000, rowsPerSecond: total / (tickMs / 1000) };
  log(
    `  purge: ${total} rows in ${ticks.length} ticks, ${purge.seconds.toFixed(1)} s of cron time (${purge.rowsPerSecond.toFixed(0)} rows/s)`,
  );
  return { rows, purge };
}

const f = (x, d = 0) => (x === null || x === undefined ? "—" : Number(x).toFixed(d));

/** The report section: each path's figures for both companies side by side, then the purge row. */
export function renderLarge(l) {
  const s = l.sizes;
  const lines = [
    "## Costs as data grow: small company beside a large one (`--large`)",
    "",
    `Large company: ${s.conversations.toLocaleString("en")} conversations, ${s.endpoints} endpoints, ${(s.attempts / 2).toLocaleString("en")} deliveries of ${(s.attempts / 4).toLocaleString("en")} events with ${s.attempts.toLocaleString("en")} attempts over 60 days, ${s.audit.toLocaleString("en")} audit rows over 2 years (scale ${s.scale}); seeded with INSERT … SELECT over recursive CTEs through \`wrangler d1 execute --local --file\` in ${l.seed.seedSeconds.toFixed(0)} s. Small company: the demo seed (Acme), given what the large one's pages draw — ${SMALL_MATCH} — so that growth measures the data behind a page, not how much the page draws.`,
    "",
    `| path | D1 round trips (small / large) | ms waiting on D1 | ms to response head | req/s (median of ${PAIRS} runs) | p50 ms | growth (median of the paired runs' ratios) |`,
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const [path, r] of Object.entries(l.rows)) {
    const pair = (k, d = 0) => `${f(r.small?.[k], d)} / ${f(r.large?.[k], d)}`;
    lines.push(
      `| \`${path}\` | ${pair("roundTrips")} | ${pair("waitMs")} | ${pair("workerMs")} | ${pair("rps")} | ${pair("p50", 1)} | ${r.growth == null ? "—" : `${f(r.growth, 2)}×`} |`,
    );
  }
  const p = l.purge;
  lines.push(
    "",
    `**Purge throughput** (the cron's retention job on the large company's backlog, 500-row batches, ≤ 20 per table per tick): ${p.total.toLocaleString("en")} rows in ${p.ticks} ticks, ${p.seconds.toFixed(1)} s of cron time → **${f(p.rowsPerSecond)} rows/s** (attempts ${p.deleted.delivery_attempts.toLocaleString("en")}, deliveries ${p.deleted.deliveries.toLocaleString("en")}, events ${p.deleted.events.toLocaleString("en")}, audit ${p.deleted.audit_log.toLocaleString("en")}).`,
    "",
  );
  return lines.join("\n");
}
