// The demo a newcomer sees on first sign-in (`npm start`, development only): Acme gets Slack,
// Salesforce, HubSpot and Zapier connected through the provider sandbox, a "Local receiver"
// webhook endpoint whose secret the local receiver knows (so the first delivery prints as
// verified, like `stripe listen`), and a few conversations whose events flow through the real
// pipeline, so the cards' activity is not empty. Everything goes through the app's own pages and
// /v1 over HTTP, exactly as an admin and an API client would; nothing is written behind its back.
// Runs once per local state directory (a marker file in PERSIST_DIR); DEMO_DATA=0 turns it off.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { signInSession } from "./form-session.mjs";

const MARKER = "demo-seeded.json";
const RECEIVER_SECRET_FILE = "local-receiver-secret";

/** The receiver secret saved by an earlier run, so a restarted receiver verifies again. */
export function savedReceiverSecret(persistDir) {
  const file = join(persistDir, RECEIVER_SECRET_FILE);
  return existsSync(file) ? readFileSync(file, "utf8").trim() : null;
}

async function expectRedirect(res, what) {
  if (res.status !== 302 && res.status !== 303) throw new Error(`${what}: expected a redirect, got ${res.status}`);
  return res.headers.get("Location") ?? "";
}

/** Connect one OAuth integration: the app's consent form → the sandbox's Allow → the app's callback. */
async function connectOAuth(session, sandboxURL, provider) {
  const authorize = new URL(await expectRedirect(await session.post(`/integrations/${provider}/connect`, { intent: "oauth" }), provider));
  if (!authorize.href.startsWith(sandboxURL)) throw new Error(`${provider} is not pointed at the sandbox (${authorize.origin})`);
  const decision = new URLSearchParams(authorize.searchParams);
  decision.set("__family", authorize.pathname.split("/")[1] ?? "");
  decision.set("decision", "allow");
  const allowed = await fetch(`${sandboxURL}/__sandbox/decide`, { method: "POST", body: decision, redirect: "manual" });
  const callback = new URL(await expectRedirect(allowed, `${provider} consent`));
  const done = await expectRedirect(await session.get(callback.pathname + callback.search), `${provider} callback`);
  if (!done.endsWith(`/integrations/${provider}/connected`)) throw new Error(`${provider} did not connect (${done})`);
}

function api(baseURL, key) {
  return async (method, path, body) => {
    const res = await fetch(`${baseURL}/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = res.status === 204 ? null : await res.json();
    if (!res.ok) throw new Error(`${method} /v1${path}: ${res.status} ${JSON.stringify(data).slice(0, 300)}`);
    return data;
  };
}

const CONVERSATIONS = [
  {
    contact: { email: "alice@customer.test", name: "Alice Moreno" },
    subject: "Where is my order?",
    message: { body: "Hi! I ordered a standing desk last week and the tracking page has not changed since Monday." },
    steps: [
      ["messages", { body: "Sorry about the wait, Alice. The carrier picked it up this morning.", author: "agent", author_name: "John" }],
    ],
  },
  {
    contact: { email: "bob@customer.test", name: "Bob Chen" },
    subject: "Refund for a double charge",
    message: { body: "I was charged twice for my March invoice. Can someone look at this?" },
    steps: [["escalate", { reason: "Billing dispute: needs a human" }]],
  },
  {
    contact: { email: "carol@customer.test", name: "Carol Diaz" },
    subject: "Password reset",
    message: { body: "The reset link in your email has expired." },
    steps: [
      ["messages", { body: "Here is a fresh link; it works for 24 hours.", author: "ai" }],
      ["close", null],
    ],
  },
];

/**
 * @param {{ baseURL: string, sandboxURL?: string | null, receiver?: { url: string, secrets: Set<string> } | null,
 *           apiKey?: string | null, persistDir: string, log?: (line: string) => void }} options
 */
export async function seedDemo({ baseURL, sandboxURL, receiver, apiKey, persistDir, log = console.log }) {
  const marker = join(persistDir, MARKER);
  if (existsSync(marker)) return { skipped: "already seeded" };
  if (!sandboxURL) return { skipped: "no provider sandbox" };
  const session = await signInSession(baseURL, "john@acme.com");
  for (const provider of ["slack", "salesforce", "hubspot"]) await connectOAuth(session, sandboxURL, provider);
  const slack = await session.post("/integrations/slack/configure", {
    intent: "save",
    channel_id: "C0ALERTS01",
    notify_new_conversations: "on",
    notify_escalations: "on",
    daily_summary: "on",
    summary_hour: "9",
    allow_replies: "on",
  });
  await expectRedirect(slack, "Slack settings");

  const zapierKey = await session.postForRevealedKey("/integrations/zapier/connect", { intent: "create-key" });
  const zapier = api(baseURL, zapierKey);
  const zaps = [
    ["conversation.created", "1001/newconv"],
    ["escalation.triggered", "1001/escalate"],
    ["conversation.closed", "1001/closed"],
  ];
  for (const [event, hook] of zaps) {
    await zapier("POST", "/hooks", { target_url: `${sandboxURL}/zapier-hooks/hooks/catch/${hook}/`, event });
  }

  if (apiKey) {
    const call = api(baseURL, apiKey);
    if (receiver) {
      const endpoint = await call("POST", "/webhooks", {
        // ?verify=1: the receiver refuses what does not verify, so "Verify my receiver" passes on it.
        url: `${receiver.url}/webhooks?verify=1`,
        description: "Local receiver (npm start)",
        events: ["conversation.created", "message.received", "escalation.triggered", "conversation.closed"],
      });
      receiver.secrets.add(endpoint.secret);
      writeFileSync(join(persistDir, RECEIVER_SECRET_FILE), endpoint.secret, { mode: 0o600 });
    }
    for (const c of CONVERSATIONS) {
      const created = await call("POST", "/conversations", { contact: c.contact, subject: c.subject, message: c.message });
      for (const [step, body] of c.steps) {
        if (step === "close") await call("PATCH", `/conversations/${created.id}`, { status: "closed" });
        else await call("POST", `/conversations/${created.id}/${step}`, body);
      }
    }
  } else {
    log("Demo: Acme's API key is not known to this run (set SEED_API_KEY), so no conversations or Local receiver were added.");
  }
  writeFileSync(marker, JSON.stringify({ at: new Date().toISOString() }));
  log(
    "Demo data: Slack (#support-alerts), Salesforce, HubSpot and Zapier (3 Zaps) connected through the sandbox;" +
      (apiKey ? ` ${CONVERSATIONS.length} conversations and a "Local receiver" webhook endpoint added.` : ""),
  );
  return { skipped: null };
}
