import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { disableEmailForwarding } from "~/lib/integrations/email-forwarding/forwarding.server";
import { MAX_EMAIL_BYTES } from "~/lib/integrations/email-forwarding/receive.server";
import { plainFromMimetext, simple } from "./email-fixtures";
import { clearConversations, db, deliver, enableAcme, JOHN, rows } from "./email-helpers";

async function expectNothingWritten() {
  expect(await rows.conversations()).toEqual([]);
  expect(await rows.messages()).toEqual([]);
  expect(await rows.events()).toEqual([]);
}

beforeEach(async () => {
  await clearConversations();
  await env.DB.prepare("DELETE FROM connections").run();
});

describe("refused emails: setReject with a clear reason and nothing written", () => {
  it("an address that is not a company's support address is refused as an unknown recipient", async () => {
    await enableAcme();
    for (const to of [
      "support@nosuchcompany.chat.buzzi.ai",
      "sales@acme.chat.buzzi.ai",
      "support@acme.example.com",
      "support@a.b.chat.buzzi.ai",
    ]) {
      const result = await deliver(simple({ messageId: `<unknown-${to}>` }), { from: "jane@customer.example", to });
      expect(result.rejected, to).toMatch(/^Unknown recipient/);
    }
    await expectNothingWritten();
  });

  it("a company that never connected Email Forwarding refuses mail", async () => {
    const result = await deliver(simple({ messageId: "<nc-1@x>" }), { from: "jane@customer.example" });
    expect(result.rejected).toBe("Email forwarding is not enabled for this address");
    await expectNothingWritten();
  });

  it("disabled forwarding refuses mail, and enabling it again accepts it", async () => {
    await enableAcme();
    await disableEmailForwarding({ db: db(), companyId: "co_acme", env, actor: JOHN });
    const refused = await deliver(simple({ messageId: "<dis-1@x>" }), { from: "jane@customer.example" });
    expect(refused.rejected).toBe("Email forwarding is not enabled for this address");
    await expectNothingWritten();
    await enableAcme();
    expect((await deliver(simple({ messageId: "<dis-1@x>" }), { from: "jane@customer.example" })).outcome.status).toBe("created");
  });

  it("the address is case-insensitive and accepts plus-addressing", async () => {
    await enableAcme();
    expect(
      (await deliver(simple({ messageId: "<case-1@x>" }), { from: "jane@customer.example", to: "Support@ACME.Chat.Buzzi.AI" })).outcome
        .status,
    ).toBe("created");
    expect(
      (await deliver(simple({ messageId: "<case-2@x>" }), { from: "jane@customer.example", to: "support+billing@acme.chat.buzzi.ai" }))
        .outcome.status,
    ).toBe("created");
  });

  it("a message over the 10 MB limit is refused before it is read", async () => {
    await enableAcme();
    const result = await deliver(simple({ messageId: "<big-1@x>" }), { from: "jane@customer.example", size: MAX_EMAIL_BYTES + 1 });
    expect(result.rejected).toBe("Message too large: the limit is 10 MB");
    await expectNothingWritten();
  });

  it("a sender outside the allowed domains is refused; an allowed domain or its subdomain is accepted", async () => {
    await enableAcme({ allowedSenderDomains: "acme.com, partner.example" });
    const refused = await deliver(simple({ messageId: "<dom-1@x>" }), { from: "jane@customer.example" });
    expect(refused.rejected).toBe("Sender domain customer.example is not allowed for this mailbox");
    await expectNothingWritten();
    expect(
      (await deliver(simple({ messageId: "<dom-2@x>", from: "Al <al@eu.partner.example>" }), { from: "al@eu.partner.example" })).outcome
        .status,
    ).toBe("created");
    // mail forwarded by the company's own mailbox: the envelope sender's domain is allowed
    expect(
      (await deliver(simple({ messageId: "<dom-3@x>" }), { from: "support+caf_=support=acme.chat.buzzi.ai@acme.com" })).outcome.status,
    ).toBe("created");
  });

  it("a bounce-style message with no sender address at all is refused", async () => {
    await enableAcme();
    const raw =
      "From: undisclosed-recipients:;\r\nTo: support@acme.chat.buzzi.ai\r\nSubject: ?\r\nMessage-ID: <nosender@x>\r\n\r\nbody\r\n";
    const result = await deliver(raw, { from: "" });
    expect(result.rejected).toBe("The message has no valid sender address");
    await expectNothingWritten();
  });

  it("a refusal for a connected company is recorded on the connection for the configure screen", async () => {
    await enableAcme({ allowedSenderDomains: "acme.com" });
    await deliver(simple({ messageId: "<rec-1@x>" }), { from: "jane@customer.example" });
    const row = await env.DB.prepare("SELECT last_error FROM connections WHERE company_id = 'co_acme'").first<{ last_error: string }>();
    expect(row!.last_error).toBe("Refused an email: Sender domain customer.example is not allowed for this mailbox");
  });
});

describe("loop protection", () => {
  const cases: [string, string, string, RegExp][] = [
    ["Auto-Submitted: auto-replied", "Auto-Submitted: auto-replied\n", "jane@customer.example", /^Automatic messages are not accepted/],
    ["Precedence: bulk", "Precedence: bulk\n", "news@shop.example", /^Bulk and list mail is not accepted/],
    ["Precedence: list", "Precedence: list\nList-Id: <users.lists.example>\n", "list@lists.example", /^Bulk and list mail is not accepted/],
    ["X-Auto-Response-Suppress: All", "X-Auto-Response-Suppress: All\n", "jane@customer.example", /^Automatic replies are not accepted/],
    ["a mailer-daemon bounce", "", "MAILER-DAEMON@mx.customer.example", /^Delivery reports and bounces/],
    ["a postmaster report", "", "postmaster@customer.example", /^Delivery reports and bounces/],
    ["our own address as sender", "", "support@acme.chat.buzzi.ai", /loop protection/],
    ["another company's forwarding address as sender", "", "support@globex.chat.buzzi.ai", /loop protection/],
  ];
  for (const [name, headers, from, reason] of cases) {
    it(`${name} is refused`, async () => {
      await enableAcme();
      const result = await deliver(simple({ messageId: `<loop-${name}@x>`, headers, from: `<${from}>` }), { from });
      expect(result.rejected).toMatch(reason);
      await expectNothingWritten();
    });
  }

  it("a header From on our own domain is refused even when the envelope sender looks normal", async () => {
    await enableAcme();
    const result = await deliver(simple({ messageId: "<loop-hdr@x>", from: "Acme Support <support@acme.chat.buzzi.ai>" }), {
      from: "bounce-123@esp.example",
    });
    expect(result.rejected).toMatch(/loop protection/);
  });

  it("Auto-Submitted: no is an ordinary human email", async () => {
    await enableAcme();
    const result = await deliver(simple({ messageId: "<loop-no@x>", headers: "Auto-Submitted: no\n" }), { from: "jane@customer.example" });
    expect(result.outcome.status).toBe("created");
  });
});

describe("auto-acknowledge", () => {
  it("is off by default: no reply is sent", async () => {
    await enableAcme();
    const result = await deliver(plainFromMimetext({ messageId: "<ack-off@customer.example>" }), { from: "jane@customer.example" });
    expect(result.replies).toEqual([]);
  });

  it("sends one threaded, auto-submitted acknowledgement for a new conversation, none for its replies or a redelivery", async () => {
    await enableAcme({ autoAcknowledge: "on" });
    const raw = plainFromMimetext({ messageId: "<ack-1@customer.example>" });
    const first = await deliver(raw, { from: "jane@customer.example" });
    expect(first.outcome).toMatchObject({ status: "created", acknowledged: true });
    expect(first.replies).toHaveLength(1);
    const ack = first.replies[0]!;
    expect(ack.from).toBe("support@acme.chat.buzzi.ai");
    expect(ack.to).toBe("jane@customer.example");
    const PostalMime = (await import("postal-mime")).default;
    const parsed = await PostalMime.parse(ack.raw);
    expect(parsed.inReplyTo).toBe("<ack-1@customer.example>");
    expect(parsed.references).toBe("<ack-1@customer.example>");
    expect(parsed.subject).toBe("Re: Order #1234 hasn't arrived");
    expect(parsed.headers.find((h) => h.key === "auto-submitted")?.value).toBe("auto-replied");
    expect(parsed.text).toContain("Thank you for contacting Acme Corporation");

    const again = await deliver(raw, { from: "jane@customer.example" });
    expect(again.replies).toEqual([]);
    const followUp = await deliver(
      simple({
        messageId: "<ack-2@customer.example>",
        headers: `In-Reply-To: ${ack.messageId}\nReferences: <ack-1@customer.example> ${ack.messageId}\n`,
      }),
      { from: "jane@customer.example" },
    );
    expect(followUp.outcome.status).toBe("appended");
    expect(followUp.replies).toEqual([]);
  });

  it("never acknowledges no-reply senders, list mail, or mail whose envelope sender is a forwarding mailbox", async () => {
    await enableAcme({ autoAcknowledge: "on" });
    const noreply = await deliver(simple({ messageId: "<ack-nr@x>", from: "Shop <no-reply@shop.example>" }), {
      from: "no-reply@shop.example",
    });
    expect(noreply.outcome.status).toBe("created");
    const list = await deliver(simple({ messageId: "<ack-list@x>", headers: "List-Id: <team.groups.example>\n" }), {
      from: "jane@customer.example",
    });
    expect(list.outcome.status).toBe("created");
    const forwarded = await deliver(simple({ messageId: "<ack-fwd@x>" }), { from: "support+caf_=support=acme.chat.buzzi.ai@acme.com" });
    expect(forwarded.outcome.status).toBe("created");
    expect([...noreply.replies, ...list.replies, ...forwarded.replies]).toEqual([]);
  });

  it("a failing reply does not lose the conversation", async () => {
    await enableAcme({ autoAcknowledge: "on" });
    const { inbound, recordingQueue } = await import("./email-helpers");
    const { receiveEmail } = await import("~/lib/integrations/email-forwarding/receive.server");
    const { email } = inbound(simple({ messageId: "<ack-fail@x>" }), { from: "jane@customer.example" });
    email.reply = async () => {
      throw new Error("destination not allowed");
    };
    const outcome = await receiveEmail({ db: db(), env, now: () => new Date(), queue: recordingQueue().queue }, email);
    expect(outcome).toMatchObject({ status: "created", acknowledged: false });
    expect(await rows.conversations()).toHaveLength(1);
  });
});
