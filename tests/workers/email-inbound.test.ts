import { env } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { gmailForward, htmlOnly, multipartWithAttachments, plainFromMimetext, reply, simple, windows1252 } from "./email-fixtures";
import { clearConversations, deliver, enableAcme, rows } from "./email-helpers";

beforeAll(async () => {
  await enableAcme();
});
beforeEach(async () => {
  await clearConversations();
});

describe("an inbound email becomes a conversation", () => {
  it("a plain-text email creates an email conversation with conversation.created and message.received performed by the contact", async () => {
    const raw = plainFromMimetext({ messageId: "<plain-1@customer.example>" });
    const result = await deliver(raw, { from: "jane@customer.example" });

    expect(result.rejected).toBeNull();
    expect(result.outcome.status).toBe("created");
    const [conversation] = await rows.conversations();
    expect(conversation).toMatchObject({
      channel: "email",
      status: "open",
      contact_email: "jane@customer.example",
      contact_name: "Jane Doe",
      subject: "Order #1234 hasn't arrived",
    });
    const [message] = await rows.messages();
    expect(message).toMatchObject({
      conversation_id: conversation!.id,
      direction: "inbound",
      author_kind: "contact",
      source: "email",
      external_id: "<plain-1@customer.example>",
    });
    expect(message!.body).toBe(
      "Hi,\n\nI ordered a blue kettle two weeks ago (order #1234) and it still hasn't arrived.\nCan you check where it is?",
    );
    const events = await rows.events();
    expect(events.map((e) => e.type)).toEqual(["conversation.created", "message.received"]);
    for (const e of events) expect(JSON.parse(e.performed_by)).toEqual({ type: "contact", id: "jane@customer.example", name: "Jane Doe" });
    expect(JSON.parse(events[1]!.payload)).toMatchObject({
      body: message!.body,
      source: "email",
      conversation: { id: conversation!.id, channel: "email" },
    });
    expect(result.enqueued).toEqual(events.map((e) => e.id));
  });

  it("an HTML-only email is stored as readable text without styles, markup or the quoted thread", async () => {
    const result = await deliver(htmlOnly("<html-1@customer.io>"), { from: "bob@customer.io" });
    expect(result.outcome.status).toBe("created");
    const [message] = await rows.messages();
    expect(message!.body).toBe(
      "Hi team,\n\nI can't log in since yesterday & the reset link (https://app.example.com/reset) fails.\n\n- Browser: Firefox\n- OS: macOS",
    );
    const [conversation] = await rows.conversations();
    expect(conversation).toMatchObject({ contact_name: "Bob Smith", subject: "Can't log in" });
  });

  it("a multipart email keeps attachment names, types and sizes but never the bytes, and drops the mobile signature", async () => {
    const result = await deliver(multipartWithAttachments("<multi-1@bigcorp.example>"), { from: "priya@bigcorp.example" });
    expect(result.outcome.status).toBe("created");
    const [message] = await rows.messages();
    expect(message!.body).toBe("Hello,\n\nThe attached invoice charges us twice for March. Screenshot attached too.");
    const attachments = JSON.parse(message!.attachments);
    expect(attachments).toEqual([
      { filename: "INV-88.pdf", mimeType: "application/pdf", size: 3009 },
      { filename: "screenshot.png", mimeType: "image/png", size: 1206 },
    ]);
    expect(message!.attachments).not.toContain("PDF-1.4");
  });

  it("a Windows-1252 quoted-printable email is decoded into proper Unicode (body, subject and sender name)", async () => {
    const result = await deliver(windows1252("<cp1252-1@exemple.fr>"), { from: "renee@exemple.fr" });
    expect(result.outcome.status).toBe("created");
    const [conversation] = await rows.conversations();
    expect(conversation).toMatchObject({ contact_name: "Renée Dupré", subject: "Problème de facturation – urgent" });
    const [message] = await rows.messages();
    expect(message!.body).toBe("Bonjour,\n\nJ'ai été facturée deux fois – merci de vérifier “rapidement”.\n\nRenée");
  });

  it("a Gmail forward by a company user makes the original sender the contact, with the original subject and body", async () => {
    const result = await deliver(gmailForward("<fwd-1@mail.gmail.com>"), { from: "john@acme.com" });
    expect(result.outcome.status).toBe("created");
    const [conversation] = await rows.conversations();
    expect(conversation).toMatchObject({ contact_email: "maria@shopper.example", contact_name: "Maria Garcia", subject: "Refund request" });
    const [message] = await rows.messages();
    expect(message!.body).toBe("Hello, I would like a refund for order 5521. It arrived broken.\n\nThanks,\nMaria");
    const events = await rows.events();
    expect(JSON.parse(events[1]!.performed_by)).toEqual({ type: "contact", id: "maria@shopper.example", name: "Maria Garcia" });
  });

  it("an Outlook FW: by a company user (HTML only) makes the original sender the contact", async () => {
    const raw = [
      "From: Sarah Lee <sarah@acme.com>",
      "To: support@acme.chat.buzzi.ai",
      "Subject: FW: Damaged parcel",
      "Message-ID: <fw-outlook-1@acme.com>",
      "MIME-Version: 1.0",
      'Content-Type: text/html; charset="utf-8"',
      "",
      '<html><body><p>Can someone take this?</p><div id="divRplyFwdMsg"><hr><b>From:</b> Tom Baker &lt;tom@buyer.example&gt;<br><b>Sent:</b> Tuesday, November 24, 2026 9:12 AM<br><b>To:</b> Support &lt;support@acme.com&gt;<br><b>Subject:</b> Damaged parcel</div><br><p>The parcel arrived crushed. Photos to follow.</p></body></html>',
      "",
    ].join("\r\n");
    const result = await deliver(raw, { from: "sarah@acme.com" });
    expect(result.outcome.status).toBe("created");
    const [conversation] = await rows.conversations();
    expect(conversation).toMatchObject({ contact_email: "tom@buyer.example", contact_name: "Tom Baker", subject: "Damaged parcel" });
    const [message] = await rows.messages();
    expect(message!.body).toBe("The parcel arrived crushed. Photos to follow.");
  });

  it("a Gmail forward by someone outside the company keeps the forwarder as the contact", async () => {
    await deliver(gmailForward("<fwd-2@mail.gmail.com>", "Pat Outsider <pat@elsewhere.example>"), { from: "pat@elsewhere.example" });
    const [conversation] = await rows.conversations();
    expect(conversation).toMatchObject({ contact_email: "pat@elsewhere.example", subject: "Fwd: Refund request" });
  });
});

describe("setup confirmations", () => {
  it("Gmail's forwarding confirmation arrives as a conversation even though it is an automatic message", async () => {
    const raw = simple({
      messageId: "<confirm-1@google.com>",
      from: "Gmail Team <forwarding-noreply@google.com>",
      subject: "(#123456789) Gmail Forwarding Confirmation - Receive Mail from support@acme.com",
      headers: "Auto-Submitted: auto-generated\n",
      body: "support@acme.com has requested to automatically forward mail to your email address support@acme.chat.buzzi.ai.\nConfirmation code: 123456789",
    });
    const result = await deliver(raw, { from: "3abc-forwarding-noreply=google.com@gaia.bounces.google.com" });
    expect(result.rejected).toBeNull();
    expect(result.outcome.status).toBe("created");
    const [message] = await rows.messages();
    expect(message!.body).toContain("Confirmation code: 123456789");
    expect(result.replies).toEqual([]);
  });
});

describe("replies thread into their conversation", () => {
  it("a reply whose In-Reply-To names a stored Message-ID is appended to that conversation with only message.received", async () => {
    await deliver(plainFromMimetext({ messageId: "<orig-1@customer.example>" }), { from: "jane@customer.example" });
    const before = await rows.events();
    const result = await deliver(reply({ messageId: "<reply-1@customer.example>", inReplyTo: "<orig-1@customer.example>" }), {
      from: "jane@customer.example",
    });

    expect(result.outcome.status).toBe("appended");
    const conversations = await rows.conversations();
    expect(conversations).toHaveLength(1);
    const messages = await rows.messages();
    expect(messages).toHaveLength(2);
    expect(messages[1]).toMatchObject({
      conversation_id: conversations[0]!.id,
      body: "It arrived this morning, thank you!",
      external_id: "<reply-1@customer.example>",
    });
    const newEvents = (await rows.events()).slice(before.length);
    expect(newEvents.map((e) => e.type)).toEqual(["message.received"]);
    expect(JSON.parse(newEvents[0]!.performed_by).type).toBe("contact");
    expect(result.enqueued).toEqual([newEvents[0]!.id]);
  });

  it("a reply to a closed conversation reopens it, with conversation.updated performed by the contact", async () => {
    const first = await deliver(plainFromMimetext({ messageId: "<orig-closed@customer.example>" }), { from: "jane@customer.example" });
    const id = (first.outcome as { conversationId: string }).conversationId;
    await env.DB.prepare("UPDATE conversations SET status = 'closed', closed_at = 1 WHERE id = ?").bind(id).run();
    const before = (await rows.events()).length;
    const result = await deliver(reply({ messageId: "<reply-closed@customer.example>", inReplyTo: "<orig-closed@customer.example>" }), {
      from: "jane@customer.example",
    });
    expect(result.outcome.status).toBe("appended");
    const [conversation] = await rows.conversations();
    expect(conversation).toMatchObject({ id, status: "open", closed_at: null });
    const newEvents = (await rows.events()).slice(before);
    expect(newEvents.map((e) => e.type)).toEqual(["message.received", "conversation.updated"]);
    expect(JSON.parse(newEvents[1]!.performed_by)).toMatchObject({ type: "contact", id: "jane@customer.example" });
    expect(result.enqueued).toEqual(newEvents.map((e) => e.id));
  });

  it("a reply found only through References (e.g. a reply to our acknowledgement) is appended too", async () => {
    await deliver(plainFromMimetext({ messageId: "<orig-2@customer.example>" }), { from: "jane@customer.example" });
    const result = await deliver(
      reply({
        messageId: "<reply-2@customer.example>",
        inReplyTo: "<ack.unknown@acme.chat.buzzi.ai>",
        references: "<orig-2@customer.example> <ack.unknown@acme.chat.buzzi.ai>",
      }),
      { from: "jane@customer.example" },
    );
    expect(result.outcome.status).toBe("appended");
    expect(await rows.conversations()).toHaveLength(1);
  });

  it("an email referencing an unknown Message-ID starts a new conversation", async () => {
    const result = await deliver(reply({ messageId: "<reply-3@customer.example>", inReplyTo: "<never-seen@x.example>" }), {
      from: "jane@customer.example",
    });
    expect(result.outcome.status).toBe("created");
  });

  it("a redelivered message (same Message-ID) creates nothing new and is not refused", async () => {
    const raw = plainFromMimetext({ messageId: "<dup-1@customer.example>" });
    const first = await deliver(raw, { from: "jane@customer.example" });
    const counts = { c: (await rows.conversations()).length, m: (await rows.messages()).length, e: (await rows.events()).length };
    const second = await deliver(raw, { from: "jane@customer.example" });

    expect(second.rejected).toBeNull();
    expect(second.outcome).toMatchObject({
      status: "duplicate",
      conversationId: (first.outcome as { conversationId: string }).conversationId,
    });
    expect(second.enqueued).toEqual([]);
    expect({ c: (await rows.conversations()).length, m: (await rows.messages()).length, e: (await rows.events()).length }).toEqual(counts);
  });

  it("a message without a Message-ID is still deduplicated on redelivery", async () => {
    const raw =
      "From: Jane <jane@customer.example>\r\nTo: support@acme.chat.buzzi.ai\r\nSubject: No id\r\nDate: Wed, 25 Nov 2026 09:00:00 +0000\r\n\r\nHello without an id\r\n";
    expect((await deliver(raw, { from: "jane@customer.example" })).outcome.status).toBe("created");
    expect((await deliver(raw, { from: "jane@customer.example" })).outcome.status).toBe("duplicate");
    expect(await rows.messages()).toHaveLength(1);
  });

  it("another company's Message-IDs never thread a reply into its conversations", async () => {
    // Globex forwarding on, and a Globex conversation with the same Message-ID as Acme's reply target
    const { enableEmailForwarding } = await import("~/lib/integrations/email-forwarding/forwarding.server");
    const { env } = await import("cloudflare:test");
    const { db } = await import("./email-helpers");
    await enableEmailForwarding({
      db: db(),
      companyId: "co_globex",
      env,
      actor: { id: "usr_globex_admin", email: "admin@globex.com", name: "Hank" },
    });
    await deliver(plainFromMimetext({ messageId: "<shared-1@customer.example>" }), {
      from: "jane@customer.example",
      to: "support@globex.chat.buzzi.ai",
    });
    const result = await deliver(reply({ messageId: "<reply-4@customer.example>", inReplyTo: "<shared-1@customer.example>" }), {
      from: "jane@customer.example",
    });
    expect(result.outcome.status).toBe("created");
    const globex = await env.DB.prepare("SELECT count(*) AS n FROM messages WHERE company_id = 'co_globex'").first<{ n: number }>();
    expect(globex!.n).toBe(1);
  });
});
