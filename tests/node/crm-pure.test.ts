import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { lastNameOrEmail, splitName } from "~/lib/integrations/crm/names";
import { buildTranscript, transcriptTime } from "~/lib/integrations/crm/transcript";
import { soqlString } from "~/lib/integrations/salesforce/client.server";
import { verifyZendeskSignature, zendeskSignature } from "~/lib/integrations/zendesk/signature";

const contact = { email: "jane@example.com", name: "Jane Doe" };
const at = (min: number) => new Date(Date.UTC(2026, 11, 1, 12, min));
const msg = (author: "contact" | "ai" | "agent", body: string, min: number, authorName: string | null = null) => ({
  author,
  authorName,
  body,
  createdAt: at(min),
});

describe("transcript", () => {
  it("lists '[time] sender: text' lines, newest last, with the link back", () => {
    const text = buildTranscript({
      contact,
      subject: "Refund",
      link: "https://app.test/conversations/conv_1",
      messages: [msg("contact", "Hi,\nI need a refund", 1), msg("ai", "Sure", 2), msg("agent", "Done", 3, "Sam")],
      limit: 10000,
      format: "text",
    });
    expect(text.split("\n")).toEqual([
      "Chat transcript: Refund",
      "Customer: Jane Doe <jane@example.com>",
      "Conversation: https://app.test/conversations/conv_1",
      "",
      "[2026-12-01 12:01 UTC] Jane Doe: Hi, I need a refund",
      "[2026-12-01 12:02 UTC] AI assistant: Sure",
      "[2026-12-01 12:03 UTC] Sam: Done",
    ]);
  });

  it("drops the oldest messages to fit the provider's limit and says how many", () => {
    const messages = Array.from({ length: 50 }, (_, i) => msg("contact", `message number ${i} ${"x".repeat(80)}`, i));
    const text = buildTranscript({ contact, subject: null, link: "https://app.test/c", messages, limit: 1200, format: "text" });
    expect(text.length).toBeLessThanOrEqual(1200);
    expect(text).toContain("message number 49");
    expect(text).not.toContain("message number 0 ");
    const dropped = Number(/\((\d+) earlier messages not shown/.exec(text)![1]);
    const kept = text.split("\n").filter((l) => l.startsWith("[")).length;
    expect(dropped + kept).toBe(50);
    // the fewest dropped: one more line would not fit
    expect(
      buildTranscript({
        contact,
        subject: null,
        link: "https://app.test/c",
        messages: messages.slice(dropped - 1),
        limit: 100000,
        format: "text",
      }).length,
    ).toBeGreaterThan(1200 - 60);
  });

  it("escapes HTML for providers that render it", () => {
    const html = buildTranscript({
      contact: { email: "a@b.co", name: null },
      subject: "<b>x</b>",
      link: "https://app.test/c?a=1&b=2",
      messages: [msg("contact", "<script>alert(1)</script>", 5)],
      limit: 10000,
      format: "html",
    });
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;");
    expect(html).toContain('href="https://app.test/c?a=1&amp;b=2"');
    expect(transcriptTime(at(7))).toBe("2026-12-01 12:07 UTC");
  });
});

describe("names and SOQL", () => {
  it("splits a name and falls back to the email for a required last name", () => {
    expect(splitName("Jane van Dyke")).toEqual({ first: "Jane", last: "van Dyke" });
    expect(lastNameOrEmail(null, "jo@example.com")).toBe("jo");
    expect(lastNameOrEmail("Cher", "c@example.com")).toBe("Cher");
  });
  it("escapes quotes and backslashes in a SOQL string literal", () => {
    expect(soqlString("o'brien\\@example.com")).toBe("'o\\'brien\\\\@example.com'");
  });
});

describe("Zendesk webhook signature", () => {
  const secret = "dGhpcyBpcyBhIHNlY3JldA";
  const body = '{"type":"zen:event-type:ticket.status_changed"}';
  const now = new Date("2026-12-01T12:00:00Z");
  const timestamp = "2026-12-01T11:59:30Z";
  const judge = createHmac("sha256", secret)
    .update(timestamp + body)
    .digest("base64");

  it("is base64 HMAC-SHA256 of timestamp + body, as node:crypto computes it", async () => {
    expect(await zendeskSignature(secret, timestamp, body)).toBe(judge);
    expect(await verifyZendeskSignature({ secret, timestamp, signature: judge, body, now })).toBe("ok");
  });
  it("a changed body, a wrong secret, a missing header or a stale timestamp is refused", async () => {
    expect(await verifyZendeskSignature({ secret, timestamp, signature: judge, body: `${body} `, now })).toBe("mismatch");
    expect(await verifyZendeskSignature({ secret: "other", timestamp, signature: judge, body, now })).toBe("mismatch");
    expect(await verifyZendeskSignature({ secret, timestamp: null, signature: judge, body, now })).toBe("missing");
    expect(await verifyZendeskSignature({ secret, timestamp, signature: judge, body, now: new Date("2026-12-01T12:06:00Z") })).toBe(
      "stale",
    );
  });
});
