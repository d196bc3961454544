import { createExecutionContext, createMessageBatch, env, getQueueResult, SELF } from "cloudflare:test";
import { createHmac } from "node:crypto";
import { type Schema, Validator } from "@cfworker/json-schema";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { buildOpenApiDocument } from "~/lib/api/openapi.server";
import { apiRoutes } from "~/lib/api/routes/index.server";
import { createDb } from "~/lib/db/client";
import { events } from "~/lib/db/schema";
import { sampleEvent } from "~/lib/events/samples";
import { handleQueueBatch } from "~/lib/queues.server";
import { type WebhookEventType, webhookEventTypes } from "~/lib/vocabulary";
import { sampleEventBody } from "~/lib/webhooks/samples";
import { buildWebhookBody } from "~/lib/webhooks/signing";
import { signIn } from "../helpers/browser-client";
import { ACME } from "../helpers/seed";
import { api } from "./api-client";
import { escalate, installCrmFakes, newConversation, pump, resetTables, say } from "./crm-helpers";
import { reply, simple } from "./email-fixtures";
import { deliver, enableAcme } from "./email-helpers";
import { configureSlack, connectSlack, drain, installSlack } from "./slack-helpers";
import { connectWhatsApp, inboundText, installWhatsApp, postSigned, runWhatsAppQueue } from "./whatsapp-helpers";

/**
 * The typed event catalog (issue 18 item 2) holds for what the app really sends: every event each
 * producer writes (API, email, Slack, WhatsApp, a help desk) is turned into the exact webhook body
 * (buildWebhookBody, as the delivery attempt does) and validated against its type's JSON Schema
 * as published in the OpenAPI document's `webhooks` section, with an independent validator
 * (@cfworker/json-schema, 2020-12). The schemas are closed, so an undocumented field fails too.
 */
type Doc = {
  webhooks: Record<string, { post: { requestBody: { content: Record<string, { schema: Schema }> } } }>;
  components: { schemas: Record<string, Schema> };
};
const doc = buildOpenApiDocument(apiRoutes) as unknown as Doc;
const validators = new Map(
  webhookEventTypes.map((type) => {
    const schema = doc.webhooks[type]!.post.requestBody.content["application/json"]!.schema;
    return [type, new Validator({ ...schema, components: doc.components } as Schema, "2020-12", false)];
  }),
);

function problemsOf(body: Record<string, unknown>): string[] {
  const validator = validators.get(body.type as WebhookEventType);
  if (!validator) return [`no schema for ${String(body.type)}`];
  const result = validator.validate(body);
  return result.valid ? [] : result.errors.map((e) => `${body.type} ${e.instanceLocation}: ${e.error}`);
}

/** Which producer sent which types, over the whole file (checked at the end). */
const seen = new Map<string, Set<string>>();

/** Every event written so far, as the webhook body a receiver gets; each must match its schema. */
async function validateAllSent(producer: string) {
  const rows = await createDb(env.DB).select().from(events);
  const bodies = rows.filter((r) => r.type !== "webhook.test").map((r) => JSON.parse(buildWebhookBody(r)) as Record<string, unknown>);
  expect(bodies.flatMap(problemsOf)).toEqual([]);
  const types = new Set(bodies.map((b) => b.type as string));
  seen.set(producer, new Set([...(seen.get(producer) ?? []), ...types]));
  return bodies;
}

describe("the catalog's own samples and schemas", () => {
  it("every sample (docs, OpenAPI example, Zapier fallback) matches its type's schema", () => {
    for (const type of webhookEventTypes) {
      expect(problemsOf(sampleEvent(type))).toEqual([]);
      expect(problemsOf(sampleEventBody(type, "co_other"))).toEqual([]);
    }
  });

  it("a body with an undocumented field, a missing field or the wrong data shape is refused", () => {
    const created = sampleEvent("conversation.created");
    expect(problemsOf({ ...created, extra: 1 })).not.toEqual([]);
    expect(problemsOf({ ...created, data: { ...created.data, secret_note: "x" } })).not.toEqual([]);
    const { performed_by: _, ...noActor } = created;
    expect(problemsOf(noActor)).not.toEqual([]);
    // a message body under a conversation type
    expect(problemsOf({ ...sampleEvent("message.received"), type: "conversation.created" })).not.toEqual([]);
    expect(problemsOf({ ...created, created_at: "yesterday" })).not.toEqual([]);
  });
});

describe("every payload the app sends matches its schema", () => {
  beforeEach(resetTables);

  it("API: created, received, sent (agent and AI), escalated, updated and closed, reopened, consent changed", async () => {
    const id = await newConversation({ email: "pat@example.com", subject: "Order #42" });
    expect((await say(id, "It has not arrived", "contact")).status).toBe(201);
    expect((await say(id, "Checking now", "agent")).status).toBe(201);
    expect((await say(id, "Here is your tracking link", "ai")).status).toBe(201);
    expect((await escalate(id)).status).toBe(200);
    expect((await api(`/conversations/${id}`, { method: "PATCH", body: { status: "closed" } })).status).toBe(200);
    expect(
      (await api(`/conversations/${id}`, { method: "PATCH", body: { status: "open", contact: { marketing_consent: true } } })).status,
    ).toBe(200);
    // a phone-only contact with no name and no subject: the nullable fields as null
    const bare = await api("/conversations", { method: "POST", body: { contact: { phone: "+14155550100" }, message: { body: "Hi" } } });
    expect(bare.status).toBe(201);
    const noReason = ((await bare.json()) as { id: string }).id;
    expect((await api(`/conversations/${noReason}/escalate`, { method: "POST" })).status).toBe(200);
    const bodies = await validateAllSent("api");
    expect(new Set(bodies.map((b) => b.type))).toEqual(new Set(webhookEventTypes));
  });

  it("email: a new message, then a reply that reopens the closed thread", async () => {
    await enableAcme();
    const first = await deliver(simple({ messageId: "<cat-1@customer.example>", subject: "Kettle" }), { from: "jane@customer.example" });
    expect(first.outcome.status).toBe("created");
    const id = (first.outcome as { conversationId: string }).conversationId;
    expect((await api(`/conversations/${id}`, { method: "PATCH", body: { status: "closed" } })).status).toBe(200);
    const again = await deliver(reply({ messageId: "<cat-2@customer.example>", inReplyTo: "<cat-1@customer.example>" }), {
      from: "jane@customer.example",
    });
    expect(again.outcome.status).toBe("appended");
    const bodies = await validateAllSent("email");
    const fromEmail = bodies.filter((b) => (b.performed_by as { type: string }).type === "contact").map((b) => b.type);
    expect(fromEmail).toEqual(["conversation.created", "message.received", "message.received", "conversation.updated"]);
  });

  describe("providers", () => {
    let crm: ReturnType<typeof installCrmFakes>;
    beforeEach(() => {
      crm = installCrmFakes();
    });
    afterEach(() => {
      crm.restore();
      vi.unstubAllGlobals();
    });

    it("a help desk: a ticket solved in Zendesk closes the conversation (updated and closed, performed by the integration)", async () => {
      const john = await signIn(ACME.adminEmail);
      await john.post("/integrations/zendesk/connect", {
        intent: "api_key",
        subdomain: "acme",
        email: "sam@acme.com",
        api_token: "sandbox_zendesk_token",
      });
      const id = await newConversation();
      await escalate(id);
      await pump(crm);
      const ticket = (crm.fakes.zendesk.snapshot() as { tickets: { id: number }[] }).tickets[0]!;
      await crm.fakes.zendesk.handle(
        new Request(`https://zendesk.fake.test/acme/api/v2/tickets/${ticket.id}.json`, {
          method: "PUT",
          headers: { Authorization: `Basic ${btoa("sam@acme.com/token:sandbox_zendesk_token")}`, "Content-Type": "application/json" },
          body: JSON.stringify({ ticket: { status: "solved" } }),
        }),
        `/api/v2/tickets/${ticket.id}.json`,
      );
      const bodies = await validateAllSent("zendesk");
      const byIntegration = bodies.filter((b) => (b.performed_by as { id: string }).id === "zendesk").map((b) => b.type);
      expect(byIntegration).toEqual(["conversation.updated", "conversation.closed"]);
    });
  });

  describe("Slack", () => {
    let slack: ReturnType<typeof installSlack>;
    beforeEach(() => {
      slack = installSlack();
    });
    afterEach(() => {
      slack.restore();
      vi.unstubAllGlobals();
    });

    it("an agent's thread reply in Slack is a message.sent by that agent", async () => {
      const john = await signIn(ACME.adminEmail);
      await connectSlack(john);
      await configureSlack(john);
      await newConversation();
      await drain(slack);
      const now = Math.floor(Date.now() / 1000);
      const body = JSON.stringify({
        type: "event_callback",
        team_id: "T0SANDBOX",
        event_id: `Ev0CATALOG${Date.now()}`,
        event_time: now,
        authorizations: [{ team_id: "T0SANDBOX", user_id: "U0SANDBOXBOT", is_bot: true }],
        event: {
          type: "message",
          channel: "C0ALERTS01",
          user: "U0SARAH001",
          text: "On its way",
          ts: `${now}.000900`,
          thread_ts: slack.fake.state.messages[0]!.ts,
        },
      });
      const signature = `v0=${createHmac("sha256", "test-signing-secret").update(`v0:${now}:${body}`).digest("hex")}`;
      const res = await SELF.fetch("http://localhost/slack/events", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Slack-Request-Timestamp": String(now), "X-Slack-Signature": signature },
        body,
      });
      expect(res.status).toBe(200);
      const inbound = slack.events.sent.splice(0).filter((m) => m.kind === "inbound");
      const batch = createMessageBatch(
        "ih-events",
        inbound.map((m, i) => ({ id: `c${i}`, timestamp: new Date(), attempts: 1, body: m })),
      );
      const ctx = createExecutionContext();
      await handleQueueBatch(batch, env, ctx);
      expect((await getQueueResult(batch, ctx)).retryMessages).toEqual([]);
      const bodies = await validateAllSent("slack");
      const fromSlack = bodies.filter((b) => String((b.performed_by as { id: string | null }).id).startsWith("slack:"));
      expect(fromSlack.map((b) => b.type)).toEqual(["message.sent"]);
    });
  });

  describe("WhatsApp", () => {
    let wa: ReturnType<typeof installWhatsApp>;
    beforeEach(() => {
      wa = installWhatsApp();
    });
    afterEach(() => {
      wa.restore();
    });

    it("a customer's WhatsApp messages start a conversation and add to it", async () => {
      const john = await signIn(ACME.adminEmail);
      expect((await connectWhatsApp(john)).status).toBe(302);
      expect((await postSigned(inboundText({ text: "Where is my order #1042?", from: "14155550123", name: "Ana Lopez" }))).status).toBe(
        200,
      );
      expect(await runWhatsAppQueue(wa)).toBe(1);
      await postSigned(inboundText({ text: "Any news?", from: "14155550123", name: "Ana Lopez" }));
      await runWhatsAppQueue(wa);
      const bodies = await validateAllSent("whatsapp");
      expect(bodies.map((b) => b.type)).toEqual(["conversation.created", "message.received", "message.received"]);
      expect((bodies[0]!.data as { channel: string }).channel).toBe("whatsapp");
    });
  });
});

describe("coverage", () => {
  it("the producers above sent every event type between them, and each producer was exercised", () => {
    expect([...seen.keys()].sort()).toEqual(["api", "email", "slack", "whatsapp", "zendesk"]);
    const all = new Set([...seen.values()].flatMap((types) => [...types]));
    expect([...all].sort()).toEqual([...webhookEventTypes].sort());
  });
});
