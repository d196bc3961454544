// A fake of the Slack Web API methods the app calls, built on web-standard Request/Response so the
// same code answers in the Node sandbox (scripts/sandbox.mjs mounts it under /slack/api) and inside
// workerd tests (a stubbed fetch). It records every call (tokens left out) and can be told to answer
// one call of a method with 429 + Retry-After.

export const SANDBOX_SIGNING_SECRET = "sandbox-slack-signing-secret";
export const SANDBOX_TEAM = { id: "T0SANDBOX", name: "Acme Corp (Sandbox)" };
export const SANDBOX_BOT_USER = "U0SANDBOXBOT";

const DEFAULT_CHANNELS = [
  { id: "C0GENERAL1", name: "general", is_private: false, is_member: true, is_archived: false },
  { id: "C0ALERTS01", name: "support-alerts", is_private: false, is_member: true, is_archived: false },
  { id: "C0RANDOM01", name: "random", is_private: false, is_member: false, is_archived: false },
  { id: "G0ESCALATE", name: "escalations", is_private: true, is_member: true, is_archived: false },
  { id: "C0OLDSTUFF", name: "old-support", is_private: false, is_member: true, is_archived: true },
];

const DEFAULT_USERS = {
  U0SARAH001: { id: "U0SARAH001", name: "sarah", real_name: "Sarah Agent", profile: { real_name: "Sarah Agent", display_name: "sarah" } },
  [SANDBOX_BOT_USER]: {
    id: SANDBOX_BOT_USER,
    name: "integrations-hub",
    real_name: "Integrations Hub",
    is_bot: true,
    profile: { real_name: "Integrations Hub" },
  },
};

const json = (data, status = 200, headers = {}) =>
  new Response(JSON.stringify(data), { status, headers: { "Content-Type": "application/json", ...headers } });

async function readArgs(request) {
  const url = new URL(request.url);
  const args = Object.fromEntries(url.searchParams);
  if (request.method === "GET") return args;
  const type = request.headers.get("content-type") ?? "";
  const text = new TextDecoder().decode(await request.arrayBuffer());
  if (type.includes("application/json")) {
    try {
      return { ...args, ...JSON.parse(text || "{}") };
    } catch {
      return { ...args, __invalid_json: true };
    }
  }
  return { ...args, ...Object.fromEntries(new URLSearchParams(text)) };
}

export function createSlackFake({ channels = DEFAULT_CHANNELS, users = DEFAULT_USERS, pageSize = 2, onCall = () => {} } = {}) {
  const state = {
    calls: [],
    messages: [],
    revoked: new Set(),
    rateLimits: new Map(),
    channels: channels.map((c) => ({ ...c })),
    users: { ...users },
    tokenCount: 0,
    tsCounter: 0,
  };

  function nextTs() {
    state.tsCounter += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(state.tsCounter).padStart(6, "0")}`;
  }

  const methods = {
    "oauth.v2.access": (args) => {
      if (!args.code || args.code === "bad-code") return { ok: false, error: "invalid_code" };
      state.tokenCount += 1;
      return {
        ok: true,
        access_token: `xoxb-sandbox-${state.tokenCount}-${Math.random().toString(36).slice(2, 10)}`,
        token_type: "bot",
        scope: "chat:write,channels:read,groups:read,channels:history,groups:history,users:read",
        bot_user_id: SANDBOX_BOT_USER,
        app_id: "A0SANDBOX",
        team: SANDBOX_TEAM,
      };
    },
    "auth.revoke": (_args, token) => {
      state.revoked.add(token);
      return { ok: true, revoked: true };
    },
    "conversations.list": (args) => {
      const types = String(args.types ?? "public_channel").split(",");
      let list = state.channels.filter((c) => (c.is_private ? types.includes("private_channel") : types.includes("public_channel")));
      if (String(args.exclude_archived) === "true") list = list.filter((c) => !c.is_archived);
      const start = args.cursor ? Number(atob(String(args.cursor)).replace("offset:", "")) : 0;
      const size = Math.min(Number(args.limit) || 100, pageSize);
      const page = list.slice(start, start + size);
      const next = start + size < list.length ? btoa(`offset:${start + size}`) : "";
      return { ok: true, channels: page, response_metadata: { next_cursor: next } };
    },
    "chat.postMessage": (args) => {
      const channel = state.channels.find((c) => c.id === args.channel);
      if (!channel) return { ok: false, error: "channel_not_found" };
      if (!channel.is_member) return { ok: false, error: "not_in_channel" };
      if (channel.is_archived) return { ok: false, error: "is_archived" };
      if (!args.text && !args.blocks) return { ok: false, error: "no_text" };
      const ts = nextTs();
      const message = {
        channel: channel.id,
        ts,
        thread_ts: args.thread_ts ?? null,
        text: args.text ?? "",
        blocks: args.blocks ?? null,
        reply_broadcast: Boolean(args.reply_broadcast),
      };
      state.messages.push(message);
      return { ok: true, channel: channel.id, ts, message: { text: message.text, ts, bot_id: "B0SANDBOX", user: SANDBOX_BOT_USER } };
    },
    "chat.update": (args) => {
      const message = state.messages.find((m) => m.channel === args.channel && m.ts === args.ts);
      if (!message) return { ok: false, error: "message_not_found" };
      message.text = args.text ?? message.text;
      message.blocks = args.blocks ?? message.blocks;
      message.updated = true;
      return { ok: true, channel: message.channel, ts: message.ts, text: message.text };
    },
    "users.info": (args) => {
      const user = state.users[args.user];
      return user ? { ok: true, user } : { ok: false, error: "user_not_found" };
    },
  };

  /** Answers one Web API request; `method` is the last path segment (e.g. chat.postMessage). */
  async function handle(request) {
    const method = new URL(request.url).pathname.split("/").pop() ?? "";
    const token = (request.headers.get("authorization") ?? "").replace(/^Bearer\s+/i, "");
    const args = await readArgs(request);
    const { client_secret: _s, code: _c, token: _t, ...safeArgs } = args;
    const call = {
      at: new Date().toISOString(),
      method,
      args: method === "oauth.v2.access" ? {} : safeArgs,
      hasToken: Boolean(token),
      status: 200,
    };
    state.calls.push(call);
    onCall(call);
    const fn = methods[method];
    if (!fn) {
      call.status = 404;
      return json({ ok: false, error: "unknown_method" }, 404);
    }
    const limited = state.rateLimits.get(method);
    if (limited !== undefined) {
      state.rateLimits.delete(method);
      call.status = 429;
      // null: a 429 without Retry-After (the client must pick its own wait).
      return json({ ok: false, error: "ratelimited" }, 429, limited === null ? {} : { "Retry-After": String(limited) });
    }
    if (method !== "oauth.v2.access") {
      if (!token) return json({ ok: false, error: "not_authed" });
      if (state.revoked.has(token)) return json({ ok: false, error: "token_revoked" });
      if (token === "xoxb-invalid") return json({ ok: false, error: "invalid_auth" });
    }
    return json(fn(args, token));
  }

  return {
    state,
    handle,
    calls: (method) => (method ? state.calls.filter((c) => c.method === method) : state.calls),
    /** The next call of `method` answers 429 with Retry-After: seconds (null: with no Retry-After). */
    rateLimitNext(method, seconds = 1) {
      state.rateLimits.set(method, seconds);
    },
    reset() {
      state.calls.length = 0;
      state.messages.length = 0;
      state.revoked.clear();
      state.rateLimits.clear();
    },
  };
}

/** Node adapter for the sandbox: test hooks under /__sandbox/slack/*, the Web API under `${prefix}/*`. */
export function slackSandboxRoutes(fake, { apiPrefix = "/slack/api" } = {}) {
  return async function route(req, res, { path, body, send }) {
    if (path === "/__sandbox/slack/calls") return (send(res, 200, { calls: fake.state.calls }), true);
    if (path === "/__sandbox/slack/messages") return (send(res, 200, { messages: fake.state.messages }), true);
    if (path === "/__sandbox/slack/reset" && req.method === "POST") return (fake.reset(), send(res, 200, { ok: true }), true);
    if (path === "/__sandbox/slack/ratelimit" && req.method === "POST") {
      const q = new URLSearchParams(body);
      fake.rateLimitNext(q.get("method") ?? "chat.postMessage", Number(q.get("seconds") ?? 1));
      return (send(res, 200, { ok: true }), true);
    }
    if (!path.startsWith(`${apiPrefix}/`) || path.endsWith("/oauth.v2.access")) return false;
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const request = new Request(`http://sandbox${path}`, { method: req.method, headers, body: req.method === "GET" ? undefined : body });
    const answer = await fake.handle(request);
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    res.end(await answer.text());
    return true;
  };
}
