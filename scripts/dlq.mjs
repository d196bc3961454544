#!/usr/bin/env node
// Dead letters: queue messages that ran out of retries, kept in D1 by the `-dlq` consumers
// (docs/decisions/0060-queues-and-dead-letters.md). Messages carry ids only, never payloads.
//
//   node scripts/dlq.mjs list [--all] [--remote]    waiting dead letters, newest first (--all: replayed ones too)
//   node scripts/dlq.mjs show <id> [--remote]       one dead letter with its message body
//   node scripts/dlq.mjs replay <id>... [--remote]  ask for a replay: the next cron run (every minute)
//   node scripts/dlq.mjs replay --waiting [--remote]  re-sends each to its queue; a delivery or event
//                                                     that moved on meanwhile is acknowledged unsent
//
// Local runs use the D1 under PERSIST_DIR (as `npm run db:migrate` does; run the cron locally with
// POST /__dev/cron); --remote uses the database named in wrangler.toml.
import { isMain, persistDir, wrangler } from "./lib.mjs";

const ID = /^[A-Za-z0-9_.:-]{1,200}$/;

function where(remote) {
  return remote ? ["--remote"] : ["--local", "--persist-to", persistDir];
}

async function query(sql, { remote }) {
  const out = await wrangler(["d1", "execute", "DB", ...where(remote), "--json", "--command", sql], { quiet: true, capture: true });
  return JSON.parse(out)[0]?.results ?? [];
}

const iso = (ms) => (ms == null ? "" : new Date(Number(ms)).toISOString().replace(/\.\d+Z$/, "Z"));
const state = (r) => (r.replayed_at ? `replayed ${iso(r.replayed_at)}` : r.replay_requested_at ? "replay requested" : "waiting");

async function list({ all = false, remote = false } = {}) {
  const rows = await query(
    `SELECT id, queue, kind, ref, attempts, received_at, replay_requested_at, replayed_at FROM dead_letters
     ${all ? "" : "WHERE replayed_at IS NULL"} ORDER BY received_at DESC LIMIT 200`,
    { remote },
  );
  if (rows.length === 0) return "No dead letters.";
  const cells = rows.map((r) => [r.id, r.queue, r.kind, r.ref ?? "", String(r.attempts), iso(r.received_at), state(r)]);
  const head = ["id", "queue", "kind", "ref", "tries", "received", "state"];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) =>
    c
      .map((v, i) => v.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(head), ...cells.map(line)].join("\n");
}

async function show(id, { remote = false } = {}) {
  if (!ID.test(id ?? "")) throw new Error("Give the id of a dead letter (from `list`).");
  const [row] = await query(`SELECT * FROM dead_letters WHERE id = '${id}'`, { remote });
  if (!row) throw new Error(`No dead letter ${id}.`);
  return JSON.stringify({ ...row, received_at: iso(row.received_at), body: JSON.parse(row.body) }, null, 2);
}

async function replay(ids, { waiting = false, remote = false } = {}) {
  if (!waiting && (ids.length === 0 || ids.some((id) => !ID.test(id))))
    throw new Error("Give dead letter ids (from `list`), or --waiting.");
  const now = Date.now();
  const which = waiting ? "1 = 1" : `id IN (${ids.map((id) => `'${id}'`).join(", ")})`;
  const rows = await query(
    `UPDATE dead_letters SET replay_requested_at = ${now} WHERE ${which} AND replayed_at IS NULL AND replay_requested_at IS NULL RETURNING id`,
    { remote },
  );
  return `${rows.length} dead letter${rows.length === 1 ? "" : "s"} will be re-sent by the next cron run (within a minute).`;
}

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const flags = new Set(args.filter((a) => a.startsWith("--")));
  const [command, ...rest] = args.filter((a) => !a.startsWith("--"));
  const remote = flags.has("--remote");
  const run = {
    list: () => list({ all: flags.has("--all"), remote }),
    show: () => show(rest[0], { remote }),
    replay: () => replay(rest, { waiting: flags.has("--waiting"), remote }),
  }[command ?? ""];
  if (!run) {
    console.error("usage: node scripts/dlq.mjs list [--all] | show <id> | replay <id>... | replay --waiting   [--remote]");
    process.exit(2);
  }
  run()
    .then((text) => console.log(text))
    .catch((e) => {
      console.error(e.message);
      process.exit(1);
    });
}
