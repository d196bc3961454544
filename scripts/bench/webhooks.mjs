// Webhook delivery through the public contract: an endpoint made with POST /v1/webhooks, events
// made with POST /v1/conversations (conversation.created + message.received each), arrivals
// verified by the local receiver. Beside it, the ceiling: a bare loop of fetches from workerd.
import { api } from "./http.mjs";
import { typicalBody } from "./signing.mjs";
import { percentile, pool } from "./stats.mjs";

export const SUBSCRIBED = ["conversation.created", "message.received"];
export const EVENTS_PER_CONVERSATION = 2;

/** Why the webhooks pipeline cannot be measured on this build, or null when it can. */
export async function webhooksUnavailable(base, apiKey) {
  const probe = await api(base, apiKey, "GET", "/v1/webhooks");
  if (probe.status === 404) return "webhooks API not in this build (GET /v1/webhooks → 404)";
  if (probe.status !== 200) return `GET /v1/webhooks answered ${probe.status}`;
  const conv = await api(base, apiKey, "GET", "/v1/conversations");
  if (conv.status === 404) return "conversations API not in this build (GET /v1/conversations → 404), so no events can be made";
  return null;
}

/** Creates an endpoint pointing at the receiver and registers its secret there. */
export async function createEndpoint(base, apiKey, receiver, name, events = SUBSCRIBED) {
  const res = await api(base, apiKey, "POST", "/v1/webhooks", {
    url: receiver.urlFor(name),
    events,
    description: `bench ${name}`,
  });
  const secret = res.json?.secret;
  if (res.status !== 201 || typeof secret !== "string")
    throw new Error(`POST /v1/webhooks answered ${res.status} ${res.text.slice(0, 300)}`);
  receiver.addEndpoint(name, secret);
  return res.json.id;
}

export async function deleteEndpoint(base, apiKey, id) {
  const res = await api(base, apiKey, "DELETE", `/v1/webhooks/${id}`);
  if (res.status !== 204) throw new Error(`DELETE /v1/webhooks/${id} answered ${res.status}`);
}

/**
 * Deletes every endpoint an earlier section of the bench made (description "bench …") and left
 * behind, e.g. when it failed before its own clean-up: the company's cap is 20 endpoints, and a
 * section that needs room must not depend on how the one before it ended. Returns how many went.
 */
export async function removeBenchEndpoints(base, apiKey) {
  const res = await api(base, apiKey, "GET", "/v1/webhooks");
  if (res.status !== 200) throw new Error(`GET /v1/webhooks answered ${res.status}`);
  const left = (res.json?.data ?? []).filter((e) => typeof e.description === "string" && e.description.startsWith("bench "));
  for (const e of left) await deleteEndpoint(base, apiKey, e.id);
  return left.length;
}

export function newConversation(base, apiKey, marker, headers = {}) {
  return api(
    base,
    apiKey,
    "POST",
    "/v1/conversations",
    {
      contact: { email: `${marker}@bench.example.com`, name: "Bench Contact" },
      subject: `Bench ${marker}`,
      message: { body: `Benchmark message ${marker}` },
    },
    headers,
  );
}

/** Event → receiver latency: one conversation at a time, time to its first verified delivery. */
export async function latencyRun({ base, apiKey, receiver, name, samples, runId }) {
  const lat = [];
  const before = receiver.stats(name).unique;
  for (let i = 0; i < samples; i++) {
    const marker = `lat${runId}x${i}`;
    const t0 = performance.now();
    const res = await newConversation(base, apiKey, marker);
    if (res.status !== 201) throw new Error(`POST /v1/conversations answered ${res.status} ${res.text.slice(0, 200)}`);
    const arrived = await receiver.waitFor(() => receiver.arrivalOf(name, marker) !== null, 30_000);
    if (!arrived) throw new Error(`no verified delivery for ${marker} within 30 s`);
    lat.push(receiver.arrivalOf(name, marker) - t0);
  }
  // let the second event of each conversation land before the next phase
  await receiver.waitFor(() => receiver.stats(name).unique - before >= samples * EVENTS_PER_CONVERSATION, 30_000);
  return { p50: percentile(lat, 50), p95: percentile(lat, 95), samples: lat.length };
}

/** `events` events to one endpoint: time from the first API call until all are delivered and verified. */
export async function burstRun({ base, apiKey, receiver, name, events, runId, timeoutMs }) {
  const before = receiver.stats(name);
  const conversations = Math.ceil(events / EVENTS_PER_CONVERSATION);
  const expected = conversations * EVENTS_PER_CONVERSATION;
  let failed = 0;
  const t0 = performance.now();
  await pool(conversations, 16, async (i) => {
    const res = await newConversation(base, apiKey, `burst${runId}x${i}`);
    if (res.status !== 201) failed++;
  });
  const apiSeconds = (performance.now() - t0) / 1000;
  if (failed) throw new Error(`${failed} of ${conversations} POST /v1/conversations failed`);
  const done = await receiver.waitFor(() => receiver.stats(name).unique - before.unique >= expected, timeoutMs);
  const seconds = (performance.now() - t0) / 1000;
  const after = receiver.stats(name);
  // Informative (ADR 0145): what arrived while the API calls were still being made, and how fast the
  // rest drained from the last API answer to the last delivery (the pipeline without the API's time).
  const arrivals = receiver.arrivalsSince?.(name, t0) ?? [];
  const apiEnd = t0 + apiSeconds * 1000;
  const duringApi = arrivals.filter((at) => at <= apiEnd).length;
  const drainSeconds = arrivals.length ? Math.max(0, (arrivals.at(-1) - apiEnd) / 1000) : null;
  return {
    events: expected,
    delivered: after.unique - before.unique,
    complete: done,
    seconds,
    apiSeconds,
    perSecond: (after.unique - before.unique) / seconds,
    duplicates: after.duplicates - before.duplicates,
    invalid: after.invalid - before.invalid,
    firstArrivalSeconds: arrivals.length ? (arrivals[0] - t0) / 1000 : null,
    deliveredDuringApi: duringApi,
    drainSeconds,
    drainPerSecond: drainSeconds ? (arrivals.length - duringApi) / drainSeconds : null,
  };
}

/**
 * Fan-out: `events` conversation.created events, each to every endpoint of `names` (subscribed to
 * that event only); time from the first API call until every delivery arrived and verified.
 */
export async function fanoutRun({ base, apiKey, receiver, names, events, runId, timeoutMs }) {
  const unique = () => names.reduce((n, name) => n + receiver.stats(name).unique, 0);
  const count = (k) => names.reduce((n, name) => n + receiver.stats(name)[k], 0);
  const before = { unique: unique(), duplicates: count("duplicates"), invalid: count("invalid") };
  const expected = events * names.length;
  let failed = 0;
  const t0 = performance.now();
  await pool(events, 16, async (i) => {
    const res = await newConversation(base, apiKey, `fan${runId}x${i}`);
    if (res.status !== 201) failed++;
  });
  if (failed) throw new Error(`${failed} of ${events} POST /v1/conversations failed`);
  const complete = await receiver.waitFor(() => unique() - before.unique >= expected, timeoutMs);
  const seconds = (performance.now() - t0) / 1000;
  const delivered = unique() - before.unique;
  return {
    events,
    endpoints: names.length,
    expected,
    delivered,
    complete,
    seconds,
    perSecond: delivered / seconds,
    duplicates: count("duplicates") - before.duplicates,
    invalid: count("invalid") - before.invalid,
  };
}

/** The ceiling: the same number of POSTs of a typical body, straight from the Worker, 6 in flight. */
export async function ceilingRun({ base, receiver, n, concurrency = 6 }) {
  const res = await fetch(`${base}/__bench/fetch-loop`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ url: receiver.ceilingUrl, n, concurrency, body: typicalBody() }),
  });
  if (res.status !== 200) throw new Error(`/__bench/fetch-loop answered ${res.status}`);
  const { ok, ms } = await res.json();
  return { n, ok, seconds: ms / 1000, perSecond: ok / (ms / 1000) };
}

/**
 * Waits (at most `maxMs`) until the pipeline has nothing in hand: every event fanned out and no
 * delivery due within the next few seconds (retries scheduled later, e.g. to the large section's
 * unreachable `.test` endpoints, do not count). A section that loads the server then measures its
 * own work, not the tail of the one before it. Returns the seconds waited and what was left.
 */
export async function settle(server, { maxMs = 60_000, log = console.log } = {}) {
  const d1 = await server.mf.getD1Database("DB");
  const t0 = performance.now();
  for (;;) {
    const due = Date.now() + 5_000;
    const row = await d1
      .prepare(
        `SELECT (SELECT count(*) FROM events WHERE dispatched_at IS NULL) AS events,
          (SELECT count(*) FROM deliveries WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?1)) AS deliveries`,
      )
      .bind(due)
      .first();
    const waited = (performance.now() - t0) / 1000;
    if ((row.events === 0 && row.deliveries === 0) || waited * 1000 >= maxMs) {
      const left = row.events || row.deliveries ? `; still ${row.events} event(s) and ${row.deliveries} delivery(ies) in hand` : "";
      log(`  pipeline settled in ${waited.toFixed(1)} s${left}`);
      return { seconds: waited, events: row.events, deliveries: row.deliveries };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
