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

const MAX_ATTEMPTS = 3;

/** What failed, and on which socket: a reused one (how long idle, after which answer) or a new connection. */
function errorKind(e, create) {
  const idle = typeof e?.idleMs === "number" ? `, idle ${e.idleMs < 1000 ? "< 1" : e.idleMs < 4000 ? "1–4" : "≥ 4"} s before` : "";
  const after = e?.after ? `, after ${e.after}` : "";
  const socket =
    e?.reusedSocket === true
      ? ` (on a reused keep-alive socket${idle}${after}; this call ${create ? "a create" : "a list"})`
      : e?.reusedSocket === false
        ? " (on a new connection)"
        : "";
  return `${e?.code ?? e?.cause?.code ?? e?.name ?? "Error"}: ${String(e?.message ?? e).slice(0, 80)}${socket}`;
}

async function soakLoad({ base, apiKey, receiver, events, clients, seconds, drainMs, runId, log, names }) {
  const conversationsWanted = Math.ceil(events / EVENTS_PER_CONVERSATION);
  let issued = 0;
  let created = 0;
  const statuses = {};
  let networkErrors = 0;
  const errorKinds = {};
  // Resets on a reused keep-alive socket before any answer, each asked again (ADR 0174): a create under its
  // Idempotency-Key, so a retry of one that did run gets its first answer, never a second conversation.
  let retried = 0;
  const retriedKinds = {};
  let replayed = 0;
  const lat = { create: [], list: [] };
  const deadline = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (performance.now() < deadline) {
        const create = issued < conversationsWanted;
        if (create) issued++;
        const s = performance.now();
        const marker = `soak${runId}c${c}n${issued}`;
        const call = () =>
          create
            ? newConversation(base, apiKey, marker, { "Idempotency-Key": marker })
            : api(base, apiKey, "GET", "/v1/conversations?limit=20");
        for (let attempt = 1; ; attempt++) {
          try {
            const res = await call();
            if (create && res.status === 409 && attempt < MAX_ATTEMPTS) {
              // the first try of this create is still running: its answer comes once it ends
              await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get("Retry-After") ?? 1)));
              continue;
            }
            statuses[res.status] = (statuses[res.status] ?? 0) + 1;
            if (create && res.status === 201) created++;
            if (res.headers.get("Idempotent-Replayed") === "true") replayed++;
          } catch (e) {
            const kind = errorKind(e, create);
            if (e?.reusedSocket === true && attempt < MAX_ATTEMPTS) {
              retried++;
              retriedKinds[kind] = (retriedKinds[kind] ?? 0) + 1;
              continue;
            }
            networkErrors++;
            errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
          }
          break;
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
    retried,
    retriedKinds,
    replayed,
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
      endpoints.every((e) => e.lost === 0 && e.extra === 0 && e.invalid === 0),
  };
}
