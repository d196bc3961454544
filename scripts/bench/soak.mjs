// Issue 9 item 6: N events × 3 endpoints while 200 concurrent API clients run for a fixed time.
// Pass: no 5xx, no network errors, and every endpoint receives every event exactly once after
// dedupe by webhook-id (duplicates before dedupe are reported, not failed: delivery is at-least-once).
import { api } from "./http.mjs";
import { percentile } from "./stats.mjs";
import { createEndpoint, EVENTS_PER_CONVERSATION, newConversation } from "./webhooks.mjs";

export async function soakRun({ base, apiKey, receiver, events, clients, seconds, drainMs, runId, log }) {
  const names = ["soakA", "soakB", "soakC"].map((n) => `${n}${runId}`);
  for (const n of names) await createEndpoint(base, apiKey, receiver, n);
  const conversationsWanted = Math.ceil(events / EVENTS_PER_CONVERSATION);
  let issued = 0;
  let created = 0;
  const statuses = {};
  let networkErrors = 0;
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
        } catch {
          networkErrors++;
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
