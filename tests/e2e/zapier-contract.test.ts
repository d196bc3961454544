import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import zapier, { type Bundle, type ZObject } from "zapier-platform-core";
import { type FormSession, signInSession } from "../../scripts/form-session.mjs";
import App from "../zapier-app";

/**
 * The Zapier contract: our small Zapier app (tests/zapier-app) runs through zapier-platform-core's
 * app tester against the real app started by `npm start`, and a local receiver on 127.0.0.1 plays
 * Zapier's hook catcher. Auth test, subscribe, a real signed delivery through the queues, perform,
 * performList, unsubscribe, and the Zapier card's "N active Zaps" following along.
 */
const baseURL = inject("baseURL");
const appTester = zapier.createAppTester(App);

type Received = { path: string; headers: IncomingHttpHeaders; body: string };
const received: Received[] = [];
let receiver: Server;
let receiverOrigin = "";

type Op = (z: ZObject, bundle: Bundle) => unknown;
const trigger = (key: string) =>
  App.triggers![key]!.operation as unknown as Record<"performSubscribe" | "performUnsubscribe" | "perform" | "performList", Op>;

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function activeZaps(admin: FormSession): Promise<number> {
  const res = await admin.get("/integrations");
  expect(res.status).toBe(200);
  const html = await res.text();
  if (html.includes(">No active Zaps yet<")) return 0;
  const match = html.match(/>(\d+) active Zaps?</);
  if (!match) throw new Error("the Zapier card shows no active-Zaps line");
  return Number(match[1]);
}

async function api(key: string, path: string, init: { method?: string; body?: unknown } = {}) {
  return fetch(`${baseURL}/v1${path}`, {
    method: init.method ?? "GET",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

beforeAll(async () => {
  process.env.INTEGRATIONS_HUB_URL = baseURL;
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "Content-Type": "application/json" }).end('{"status":"success"}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverOrigin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => receiver?.close(r));
});

describe("Zapier app against the local API", () => {
  it("auth test, subscribe, real signed delivery, perform, performList, unsubscribe; the card's count follows", async () => {
    const admin = await signInSession(baseURL, "john@acme.com");
    // Connect Zapier on the card: the dedicated key is shown once.
    const zapierKey = await admin.postForRevealedKey("/integrations/zapier/connect", { intent: "create-key" });
    // A separate key plays the product creating conversations.
    const writerKey = await admin.postForRevealedKey("/integrations/developers", {
      intent: "create-key",
      name: "e2e writer",
      scopes: ["conversations:write", "webhooks:write"],
    });
    const authData = { api_key: zapierKey };

    const me = (await appTester(App.authentication!.test as Op, { authData })) as {
      company: { slug: string };
      api_key: { scopes: string[] };
    };
    expect(me.company.slug).toBe("acme");
    expect(me.api_key.scopes).toEqual(["conversations:read", "conversations:write", "hooks"]);
    await expect(
      appTester(App.authentication!.test as Op, { authData: { api_key: "sk_live_not_a_real_key_at_all_000000000" } }),
    ).rejects.toThrow(/401/);

    const zapsBefore = await activeZaps(admin);
    const created = trigger("conversation_created");
    const subscription = (await appTester(created.performSubscribe, { authData, targetUrl: `${receiverOrigin}/zap/created` })) as {
      id: string;
    };
    expect(subscription.id).toMatch(/^we_/);
    // A second Zap on the same event: the control that proves events still flow after the first unsubscribes.
    const control = (await appTester(created.performSubscribe, { authData, targetUrl: `${receiverOrigin}/zap/control` })) as { id: string };
    expect(await activeZaps(admin)).toBe(zapsBefore + 2);

    // Zapier ignores signatures, but we check them anyway: a rotated secret signs beside the old one. The Zapier
    // key cannot rotate (its `hooks` scope reaches only /v1/hooks); the company's own key can.
    expect((await api(zapierKey, `/webhooks/${subscription.id}/rotate-secret`, { method: "POST" })).status).toBe(403);
    const rotated = await api(writerKey, `/webhooks/${subscription.id}/rotate-secret`, { method: "POST" });
    expect(rotated.status).toBe(200);
    const { secret } = (await rotated.json()) as { secret: string };

    const conversation = await api(writerKey, "/conversations", {
      method: "POST",
      body: { contact: { email: "pat@example.com", name: "Pat" }, subject: "Zap me", message: { body: "Hello from e2e" } },
    });
    expect(conversation.status).toBe(201);
    const { id: conversationId } = (await conversation.json()) as { id: string };

    const delivery = await waitFor("the delivery to the Zapier target", () => received.find((r) => r.path === "/zap/created"));
    const verified = new Webhook(secret).verify(delivery.body, {
      "webhook-id": String(delivery.headers["webhook-id"]),
      "webhook-timestamp": String(delivery.headers["webhook-timestamp"]),
      "webhook-signature": String(delivery.headers["webhook-signature"]),
    }) as { id: string; type: string; data: { id: string } };
    expect(verified).toMatchObject({ type: "conversation.created", data: { id: conversationId } });
    expect(delivery.headers["content-type"]).toBe("application/json");

    const performed = (await appTester(created.perform, { authData, cleanedRequest: JSON.parse(delivery.body) })) as {
      id: string;
      data: { id: string };
    }[];
    expect(performed).toHaveLength(1);
    expect(performed[0]).toMatchObject({ id: verified.id, data: { id: conversationId } });

    const listed = (await appTester(created.performList, { authData })) as { id: string }[];
    expect(listed.map((e) => e.id)).toContain(verified.id);
    const samples = (await appTester(trigger("escalation_triggered").performList, { authData })) as { id: string; type: string }[];
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.every((s) => typeof s.id === "string" && s.type === "escalation.triggered")).toBe(true);

    await appTester(created.performUnsubscribe, { authData, subscribeData: subscription });
    expect(await activeZaps(admin)).toBe(zapsBefore + 1);
    // Zapier reusing the removed subscription's id gets 410 Gone.
    const again = await api(zapierKey, `/hooks/${subscription.id}`, { method: "DELETE" });
    expect(again.status).toBe(410);

    const seenBefore = received.filter((r) => r.path === "/zap/created").length;
    const second = await api(writerKey, "/conversations", {
      method: "POST",
      body: { contact: { email: "lee@example.com" }, message: { body: "Second" } },
    });
    const { id: secondId } = (await second.json()) as { id: string };
    await waitFor("the control Zap's delivery of the second conversation", () =>
      received.find((r) => r.path === "/zap/control" && r.body.includes(secondId)),
    );
    expect(received.filter((r) => r.path === "/zap/created").length).toBe(seenBefore);

    await appTester(created.performUnsubscribe, { authData, subscribeData: control });
    expect(await activeZaps(admin)).toBe(zapsBefore);
  });

  it("actions: Create conversation, Add message, Escalate and Close run through /v1 with the Zapier key, and bad input is Zapier's error", async () => {
    const admin = await signInSession(baseURL, "john@acme.com");
    const zapierKey = await admin.postForRevealedKey("/integrations/zapier/connect", { intent: "create-key" });
    const authData = { api_key: zapierKey };
    const creates = App.creates as unknown as Record<string, { operation: { perform: Op } }>;
    const perform = (key: string) => creates[key]!.operation.perform;

    const created = (await appTester(perform("create_conversation"), {
      authData,
      inputData: {
        email: "zap@example.com",
        name: "Zed Zap",
        subject: "From a Zap",
        message: "Hello from Zapier",
        marketing_consent: "true",
      },
    })) as { id: string; status: string; contact: { marketing_consent: boolean }; messages: unknown[] };
    expect(created).toMatchObject({ status: "open", contact: { marketing_consent: true } });
    expect(created.messages).toHaveLength(1);

    const message = (await appTester(perform("add_message"), {
      authData,
      inputData: { conversation_id: created.id, body: "An agent answers from Zapier", author: "agent", author_name: "Zap Bot" },
    })) as { conversation_id: string; direction: string };
    expect(message).toMatchObject({ conversation_id: created.id, direction: "outbound" });

    const escalated = (await appTester(perform("escalate_conversation"), {
      authData,
      inputData: { conversation_id: created.id, reason: "Zap says a human should look" },
    })) as { status: string };
    expect(escalated.status).toBe("escalated");
    const closed = (await appTester(perform("close_conversation"), { authData, inputData: { conversation_id: created.id } })) as {
      status: string;
      closed_at: string | null;
    };
    expect(closed.status).toBe("closed");
    expect(closed.closed_at).not.toBeNull();

    // What the API now holds, read with the same key: two messages, the escalation event by the Zapier key.
    const read = (await (await api(zapierKey, `/conversations/${created.id}`)).json()) as { status: string; messages: { body: string }[] };
    expect(read.status).toBe("closed");
    expect(read.messages.map((m) => m.body)).toEqual(["Hello from Zapier", "An agent answers from Zapier"]);
    const events = (await (await api(zapierKey, "/events?type=escalation.triggered&limit=5")).json()) as {
      data: { data: { id: string; reason: string }; performed_by: { type: string } }[];
    };
    expect(events.data.find((e) => e.data.id === created.id)).toMatchObject({
      data: { reason: "Zap says a human should look" },
      performed_by: { type: "zapier" },
    });

    await expect(
      appTester(perform("create_conversation"), { authData, inputData: { email: "not-an-email", message: "Hi" } }),
    ).rejects.toThrow(/400/);
    await expect(appTester(perform("close_conversation"), { authData, inputData: { conversation_id: "conv_nope" } })).rejects.toThrow(
      /404/,
    );
  });
});
