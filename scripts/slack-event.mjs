#!/usr/bin/env node
// Sends a signed Slack Events API request to the app, as Slack would: a human's reply in a thread.
//   node scripts/slack-event.mjs "<text>" --thread <ts> [--channel C0ALERTS01] [--user U0SARAH001]
//        [--team T0SANDBOX] [--app http://127.0.0.1:8787] [--event-id Ev…] [--challenge]
//   --latest --sandbox <url>   reply to the newest parent message the sandbox's Slack fake received
// Signs with SLACK_SIGNING_SECRET (env, then .dev.vars, then the sandbox default).
import { createHmac, randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { isMain, root } from "./lib.mjs";
import { SANDBOX_BOT_USER, SANDBOX_SIGNING_SECRET, SANDBOX_TEAM } from "./sandbox/slack.mjs";

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const flag = (name) => process.argv.includes(`--${name}`);

function devVar(name) {
  const file = `${root}.dev.vars`;
  if (!existsSync(file)) return undefined;
  const m = readFileSync(file, "utf8").match(new RegExp(`^\\s*${name}\\s*=\\s*(.*)$`, "m"));
  return m?.[1]?.trim();
}

export function signSlackRequest(secret, timestamp, body) {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

async function latestThread(sandbox) {
  const res = await fetch(`${sandbox.replace(/\/+$/, "")}/__sandbox/slack/messages`);
  const { messages } = await res.json();
  const parent = [...messages].reverse().find((m) => !m.thread_ts);
  if (!parent) throw new Error("the sandbox has no parent message yet: create a conversation first");
  return parent;
}

async function main() {
  const text = process.argv[2] && !process.argv[2].startsWith("--") ? process.argv[2] : "Thanks, we are on it!";
  const app = arg("app", process.env.APP_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`).replace(/\/+$/, "");
  const secret = process.env.SLACK_SIGNING_SECRET ?? devVar("SLACK_SIGNING_SECRET") ?? SANDBOX_SIGNING_SECRET;
  let thread = arg("thread");
  let channel = arg("channel", "C0ALERTS01");
  if (flag("latest")) {
    const parent = await latestThread(arg("sandbox", process.env.SANDBOX_URL ?? ""));
    thread = parent.ts;
    channel = parent.channel;
  }
  let payload;
  if (flag("challenge")) payload = { type: "url_verification", token: "unused", challenge: randomUUID() };
  else {
    if (!thread) throw new Error('usage: slack-event.mjs "<text>" --thread <ts> [--channel <id>]  (or --latest --sandbox <url>)');
    const now = Date.now() / 1000;
    payload = {
      type: "event_callback",
      team_id: arg("team", SANDBOX_TEAM.id),
      api_app_id: "A0SANDBOX",
      event_id: arg("event-id", `Ev${randomUUID().replace(/-/g, "").slice(0, 12).toUpperCase()}`),
      event_time: Math.floor(now),
      authorizations: [{ team_id: arg("team", SANDBOX_TEAM.id), user_id: SANDBOX_BOT_USER, is_bot: true }],
      event: {
        type: "message",
        channel,
        user: arg("user", "U0SARAH001"),
        text,
        ts: now.toFixed(6),
        thread_ts: thread,
        team: arg("team", SANDBOX_TEAM.id),
        channel_type: "channel",
      },
    };
  }
  const body = JSON.stringify(payload);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const started = performance.now();
  const res = await fetch(`${app}/slack/events`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-Slack-Request-Timestamp": timestamp,
      "X-Slack-Signature": signSlackRequest(secret, timestamp, body),
    },
    body,
  });
  console.log(`${res.status} in ${Math.round(performance.now() - started)} ms: ${await res.text()}`);
  if (!res.ok) process.exitCode = 1;
}

if (isMain(import.meta.url)) {
  main().catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
