import { execFile } from "node:child_process";
import { createServer } from "node:http";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SlackApiError, slackCall } from "~/lib/integrations/slack/api.server";
import { fetchChannels } from "~/lib/integrations/slack/channels.server";
import { verifySlackSignature } from "~/lib/integrations/slack/signature";
// @ts-ignore: plain JS scripts
import { start } from "../../scripts/sandbox.mjs";
// @ts-ignore: plain JS scripts
import { signSlackRequest } from "../../scripts/slack-event.mjs";

type Sandbox = { env: Record<string, string>; url: string; close: () => Promise<void> };
let sandbox: Sandbox;
const deps = () => ({ fetch: (i: RequestInfo | URL, init?: RequestInit) => fetch(i, init), env: sandbox.env });
const slackCalls = async () =>
  (
    (await (await fetch(`${sandbox.url}/__sandbox/slack/calls`)).json()) as {
      calls: { method: string; args: Record<string, string>; status: number }[];
    }
  ).calls;

beforeAll(async () => {
  sandbox = await start({ port: 0 });
});
afterAll(async () => sandbox?.close());

describe("the sandbox's Slack Web API fake", () => {
  it("points the Slack family at itself with a signing secret for signed Events API requests", () => {
    expect(sandbox.env.SLACK_API_BASE).toBe(`${sandbox.url}/slack/api`);
    expect(sandbox.env.SLACK_SIGNING_SECRET).toBe("sandbox-slack-signing-secret");
  });

  it("pages conversations.list through next_cursor; the app's client reads every page and drops archived channels", async () => {
    await fetch(`${sandbox.url}/__sandbox/slack/reset`, { method: "POST" });
    const channels = await fetchChannels(deps(), "xoxb-node-test");
    expect(channels.map((c) => c.name)).toEqual(["escalations", "general", "random", "support-alerts"]);
    expect(channels.find((c) => c.name === "random")).toMatchObject({ isMember: false, isPrivate: false });
    const calls = await slackCalls();
    expect(calls.map((c) => c.method)).toEqual(["conversations.list", "conversations.list"]);
    expect(calls[1]!.args.cursor).toBeTruthy();
    expect(JSON.stringify(calls)).not.toContain("xoxb-node-test");
  });

  it("answers 429 with Retry-After once when told to, records posts, and refuses a revoked token", async () => {
    await fetch(`${sandbox.url}/__sandbox/slack/ratelimit`, { method: "POST", body: "method=chat.postMessage&seconds=7" });
    const error = await slackCall(deps(), "xoxb-a", "chat.postMessage", { channel: "C0ALERTS01", text: "hi" }).catch((e) => e);
    expect(error).toBeInstanceOf(SlackApiError);
    expect(error).toMatchObject({ code: "ratelimited", retryAfterSeconds: 7 });
    const ok = await slackCall<{ ts: string }>(deps(), "xoxb-a", "chat.postMessage", { channel: "C0ALERTS01", text: "hi" });
    const messages = (
      (await (await fetch(`${sandbox.url}/__sandbox/slack/messages`)).json()) as { messages: { ts: string; channel: string }[] }
    ).messages;
    expect(messages.at(-1)).toMatchObject({ ts: ok.ts, channel: "C0ALERTS01" });
    await expect(slackCall(deps(), "xoxb-a", "chat.postMessage", { channel: "C0RANDOM01", text: "x" })).rejects.toMatchObject({
      code: "not_in_channel",
    });
    await slackCall(deps(), "xoxb-a", "auth.revoke");
    await expect(slackCall(deps(), "xoxb-a", "users.info", { user: "U0SARAH001" })).rejects.toMatchObject({
      code: "token_revoked",
      authFailed: true,
    });
  });
});

describe("scripts/slack-event.mjs", () => {
  it("signs exactly as the app verifies (v0 HMAC-SHA256)", async () => {
    const ts = String(Math.floor(Date.now() / 1000));
    const body = JSON.stringify({ type: "event_callback", event_id: "Ev1" });
    const signature = signSlackRequest("s3cret", ts, body);
    expect(await verifySlackSignature({ secret: "s3cret", timestamp: ts, signature, body, now: new Date() })).toBe("ok");
    expect(await verifySlackSignature({ secret: "other", timestamp: ts, signature, body, now: new Date() })).toBe("mismatch");
  });

  it("posts a signed thread reply to the app URL it is given", async () => {
    const seen: { headers: Record<string, unknown>; body: string }[] = [];
    const app = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seen.push({ headers: req.headers, body });
        res.end("ok");
      });
    });
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
    const port = (app.address() as { port: number }).port;
    const { stdout } = await promisify(execFile)(
      "node",
      ["scripts/slack-event.mjs", "On it!", "--thread", "1700000000.000100", "--app", `http://127.0.0.1:${port}`],
      {
        env: { ...process.env, SLACK_SIGNING_SECRET: "s3cret" },
      },
    );
    app.close();
    expect(stdout).toMatch(/^200 in \d+ ms: ok/);
    const payload = JSON.parse(seen[0]!.body);
    expect(payload.event).toMatchObject({ type: "message", text: "On it!", thread_ts: "1700000000.000100", channel: "C0ALERTS01" });
    const ts = String(seen[0]!.headers["x-slack-request-timestamp"]);
    expect(
      await verifySlackSignature({
        secret: "s3cret",
        timestamp: ts,
        signature: String(seen[0]!.headers["x-slack-signature"]),
        body: seen[0]!.body,
        now: new Date(),
      }),
    ).toBe("ok");
  });
});
