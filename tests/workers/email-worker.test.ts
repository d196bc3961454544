import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../workers/app";
import { plainFromMimetext, simple } from "./email-fixtures";
import { clearConversations, enableAcme, headersOf, recordingQueue, rows } from "./email-helpers";

/** What Cloudflare hands the Worker's email() entry, with reply/setReject recorded. */
function forwardable(raw: string, from: string, to = "support@acme.chat.buzzi.ai") {
  const bytes = new TextEncoder().encode(raw);
  const seen = { rejected: null as string | null, replies: [] as unknown[] };
  const message = {
    from,
    to,
    raw: new Response(bytes).body!,
    headers: headersOf(raw),
    rawSize: bytes.byteLength,
    setReject(reason: string) {
      seen.rejected = reason;
    },
    async forward() {
      throw new Error("not used");
    },
    async reply(m: EmailMessage) {
      seen.replies.push(m);
      return { messageId: "x" };
    },
  } as unknown as ForwardableEmailMessage;
  return { message, seen };
}

beforeEach(async () => {
  await clearConversations();
});

describe("the Worker's email() entry", () => {
  it("turns a real inbound message into a conversation and enqueues its events on EVENTS", async () => {
    await enableAcme();
    const { queue, sent } = recordingQueue();
    const { message, seen } = forwardable(plainFromMimetext({ messageId: "<w-1@customer.example>" }), "jane@customer.example");
    const ctx = createExecutionContext();
    await worker.email!(message, { ...env, EVENTS: queue }, ctx);
    await waitOnExecutionContext(ctx);

    expect(seen.rejected).toBeNull();
    expect(await rows.conversations()).toHaveLength(1);
    const events = await rows.events();
    expect(events.map((e) => e.type).sort()).toEqual(["conversation.created", "message.received"]);
    expect(sent.sort()).toEqual(events.map((e) => e.id).sort());
  });

  it("answers with message.reply(new EmailMessage(...)) from the company address when auto-acknowledge is on", async () => {
    await enableAcme({ autoAcknowledge: "on" });
    const { message, seen } = forwardable(simple({ messageId: "<w-2@customer.example>" }), "jane@customer.example");
    const ctx = createExecutionContext();
    await worker.email!(message, { ...env, EVENTS: recordingQueue().queue }, ctx);
    expect(seen.replies).toHaveLength(1);
    const reply = seen.replies[0] as EmailMessage;
    // miniflare's EmailMessage is a plain object carrying the raw message under "EmailMessage::raw"
    const raw = (reply as unknown as Record<string, unknown>)["EmailMessage::raw"];
    expect(String(raw)).toContain("In-Reply-To: <w-2@customer.example>");
    expect(String(raw)).toContain("Auto-Submitted: auto-replied");
    expect(reply.from).toBe("support@acme.chat.buzzi.ai");
    expect(reply.to).toBe("jane@customer.example");
  });

  it("refuses through message.setReject for an unknown recipient", async () => {
    const { message, seen } = forwardable(simple({ messageId: "<w-3@x>" }), "jane@customer.example", "support@nobody.chat.buzzi.ai");
    await worker.email!(message, env, createExecutionContext());
    expect(seen.rejected).toMatch(/^Unknown recipient/);
    expect(await rows.conversations()).toEqual([]);
  });
});
