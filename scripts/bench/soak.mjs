// Issue 9 item 6: N events × 3 endpoints while 200 concurrent API clients run for a fixed time.
// Pass: no 5xx, no network errors, and every endpoint receives every event exactly once after
// dedupe by webhook-id (duplicates before dedupe are reported, not failed: delivery is at-least-once).
import { api } from "./http.mjs";
import { percentile } from "./stats.mjs";
import { createEndpoint, deleteEndpoint, EVENTS_PER_CONVERSATION, newConversation, removeBenchEndpoints } from "./webhooks.mjs";

/** The soak on three endpoints of its own, made with room under the company's cap and deleted afterwards. */
export async function soakRun(o) {
  const removed = await removeBenchEndpoints(o.base, o.apiKey);
  if (removed) o.log(`    removed ${removed} endpoint(s) an earlier section left behind`);
  const names = ["soakA", "soakB", "soakC"].map((n) => `${n}${o.runId}`);
  const ids = [];
  try {
    for (const n of names) ids.push(await createEndpoint(o.base, o.apiKey, o.receiver, n));
    return await soakLoad({ ...o, names });
  } finally {
    for (const id of ids)
      await deleteEndpoint(o.base, o.apiKey, id).catch((e) => o.log(`    could not delete soak endpoint ${id}: ${e.message}`));
  }
}

async function soakLoad({ base, apiKey, receiver, events, clients, seconds, drainMs, runId, log, names }) {
  const conversationsWanted = Math.ceil(events / EVENTS_PER_CONVERSATION);
  let issued = 0;
  let created = 0;
  const statuses = {};
  let networkErrors = 0;
  const errorKinds = {};
  const lat = { create: [], list: [] };
  const deadline = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (performance.now() < deadline) {
        const create = issued < conversationsWanted;
        if (create) issued++;
        const s = performance.now();
        try {
          const res = create
            ? await newConversation(base, apiKey, `soak${runId}c${c}n${issued}`)
            : await api(base, apiKey, "GET", "/v1/conversations?limit=20");
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          if (create && res.status === 201) created++;
        } catch (e) {
          networkErrors++;
          const socket =
            e?.reusedSocket === true ? " (on a reused keep-alive socket)" : e?.reusedSocket === false ? " (on a new connection)" : "";
          const kind = `${e?.code ?? e?.cause?.code ?? e?.name ?? "Error"}: ${String(e?.message ?? e).slice(0, 80)}${socket}`;
          errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
        }
        lat[create ? "create" : "list"].push(performance.now() - s);
      }
    }),
  );
  const loadSeconds = (performance.now() - t0) / 1000;
  const expected = created * EVENTS_PER_CONVERSATION;
  log(`    load done: ${created} conversations (${expected} events) in ${loadSeconds.toFixed(1)} s; waiting for deliveries …`);
  await receiver.waitFor(() => names.every((n) => receiver.stats(n).unique >= expected), drainMs);
  const drainedSeconds = (performance.now() - t0) / 1000;
  const endpoints = names.map((n) => {
    const s = receiver.stats(n);
    return { name: n, ...s, lost: Math.max(0, expected - s.unique), extra: Math.max(0, s.unique - expected) };
  });
  const total = Object.values(statuses).reduce((a, b) => a + b, 0);
  const fiveXx = Object.entries(statuses)
    .filter(([s]) => Number(s) >= 500)
    .reduce((a, [, n]) => a + n, 0);
  return {
    clients,
    seconds: loadSeconds,
    requests: total,
    rps: total / loadSeconds,
    statuses,
    fiveXx,
    networkErrors,
    errorKinds,
    created,
    eventsWanted: conversationsWanted * EVENTS_PER_CONVERSATION,
    expected,
    endpoints,
    drainedSeconds,
    createP50: percentile(lat.create, 50),
    createP99: percentile(lat.create, 99),
    listP50: percentile(lat.list, 50),
    listP99: percentile(lat.list, 99),
    pass:
      fiveXx === 0 &&
      networkErrors === 0 &&
      expected >= conversationsWanted * EVENTS_PER_CONVERSATION &&
      endpoints.every((e) => e.lost === 0 && e.invalid === 0),
  };
}
