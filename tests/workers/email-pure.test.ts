import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import {
  bareAddress,
  domainMatches,
  forwardingAddress,
  messageIdsIn,
  slugFromRecipient,
} from "~/lib/integrations/email-forwarding/address";
import { htmlToText, parseForward, parseGmailForward, stripQuotesAndSignature } from "~/lib/integrations/email-forwarding/body-text";
import { headerGetter, loopRejection, shouldNotAutoReply } from "~/lib/integrations/email-forwarding/loop";
import { buildTextEmail, encodeHeaderWord } from "~/lib/integrations/email-forwarding/mime";
import {
  emailForwardingSettingsSchema,
  parseEmailForwardingForm,
  readEmailForwardingSettings,
} from "~/lib/integrations/email-forwarding/settings";
import { forwardingSetupGuides } from "~/lib/integrations/email-forwarding/setup-help";

const D = "chat.buzzi.ai";

describe("address parsing", () => {
  it("the forwarding address is support@slug.domain in lower case", () => {
    expect(forwardingAddress("acme", "Chat.Buzzi.ai")).toBe("support@acme.chat.buzzi.ai");
  });
  it("a recipient resolves to its slug, case-insensitively and with plus-addressing", () => {
    expect(slugFromRecipient("support@acme.chat.buzzi.ai", D)).toBe("acme");
    expect(slugFromRecipient("SUPPORT@Acme.CHAT.buzzi.ai", D)).toBe("acme");
    expect(slugFromRecipient("Acme <support+billing@acme.chat.buzzi.ai>", D)).toBe("acme");
  });
  it("other local parts, other domains, nested subdomains and look-alike suffixes do not resolve", () => {
    for (const to of [
      "sales@acme.chat.buzzi.ai",
      "supporter@acme.chat.buzzi.ai",
      "support@chat.buzzi.ai",
      "support@a.b.chat.buzzi.ai",
      "support@acmechat.buzzi.ai",
      "support@acme.chat.buzzi.ai.evil.com",
      "not an address",
    ]) {
      expect(slugFromRecipient(to, D), to).toBeNull();
    }
  });
  it("bare addresses come out of display forms", () => {
    expect(bareAddress('"Doe, Jane" <Jane@Example.COM>')).toBe("jane@example.com");
    expect(bareAddress("jane@example.com")).toBe("jane@example.com");
    expect(bareAddress("nobody")).toBeNull();
  });
  it("a domain matches itself and its subdomains only", () => {
    expect(domainMatches("mail.acme.com", "acme.com")).toBe(true);
    expect(domainMatches("acme.com", "acme.com")).toBe(true);
    expect(domainMatches("notacme.com", "acme.com")).toBe(false);
  });
  it("Message-IDs are read from References lists and bare values", () => {
    expect(messageIdsIn("<a@x> <b@y>\r\n <c@z>")).toEqual(["<a@x>", "<b@y>", "<c@z>"]);
    expect(messageIdsIn("a@x")).toEqual(["<a@x>"]);
    expect(messageIdsIn(undefined)).toEqual([]);
  });
});

describe("HTML to text", () => {
  it("keeps paragraphs, list items and link targets, drops styles and scripts, decodes entities", () => {
    const html = `<html><head><style>.x{}</style></head><body><h1>Hello&nbsp;there</h1><p>Price: 5&euro; &lt;today&gt; &#8211; <b>now</b></p><script>alert(1)</script><ul><li>One</li><li>Two</li></ul><p><a href="https://example.com/a?b=1&amp;c=2">the page</a> or <a href="mailto:x@y.z">x@y.z</a></p></body></html>`;
    expect(htmlToText(html)).toBe(
      "Hello there\n\nPrice: 5€ <today> – now\n\n- One\n- Two\n\nthe page (https://example.com/a?b=1&c=2) or x@y.z",
    );
  });
  it("stays fast on hostile HTML (thousands of unclosed anchors and style tags)", () => {
    const started = Date.now();
    const text = htmlToText(
      "<a href='https://x.example'>".repeat(20_000) +
        "<style>".repeat(20_000) +
        "<!--".repeat(5) +
        "<p>end</p>" +
        "<a href=x ".repeat(50_000) +
        "<p",
    );
    expect(Date.now() - started).toBeLessThan(1500);
    expect(text).not.toContain("end"); // inside an unclosed comment
    expect(htmlToText("<p>one<p>two <b>three")).toBe("one\ntwo three");
  });
  it("turns blockquotes into quoted lines", () => {
    expect(htmlToText("<div>Yes.</div><blockquote><p>Will it work?</p></blockquote>")).toBe("Yes.\n\n> Will it work?");
  });
});

describe("quote and signature stripping", () => {
  it("cuts at Gmail's 'On … wrote:' (also when wrapped over two lines)", () => {
    expect(stripQuotesAndSignature("Thanks!\n\nOn Mon, Nov 23, 2026 at 10:00 AM Acme <support@acme.chat.buzzi.ai> wrote:\n> hi")).toBe(
      "Thanks!",
    );
    expect(
      stripQuotesAndSignature("Thanks!\n\nOn Mon, Nov 23, 2026 at 10:00 AM Acme Support <support@acme.chat.buzzi.ai>\nwrote:\n\n> hi"),
    ).toBe("Thanks!");
  });
  it("cuts at Outlook's Original Message line and its From/Sent block", () => {
    expect(stripQuotesAndSignature("Sure.\n\n-----Original Message-----\nFrom: A\nSent: Monday\n\nold")).toBe("Sure.");
    expect(
      stripQuotesAndSignature(
        "Sure.\n\n________________________________\nFrom: Acme Support <support@acme.chat.buzzi.ai>\nSent: Monday, November 23, 2026 10:00 AM\nTo: Jane\nSubject: Re: x\n\nold",
      ),
    ).toBe("Sure.");
  });
  it("drops '>' lines, the '-- ' signature and 'Sent from my iPhone'", () => {
    expect(stripQuotesAndSignature("> quoted\nMy answer\n> more\n\n-- \nJane Doe\nCEO")).toBe("My answer");
    expect(stripQuotesAndSignature("Call me.\n\nSent from my iPhone")).toBe("Call me.");
  });
  it("keeps the full body when stripping would leave nothing", () => {
    expect(stripQuotesAndSignature("> only a quote\n> really")).toBe("> only a quote\n> really");
    expect(stripQuotesAndSignature("-- \nJust a signature")).toBe("--\nJust a signature");
  });
  it("leaves an ordinary message with a 'From:' sentence alone", () => {
    expect(stripQuotesAndSignature("From: the team\nWe love it.")).toBe("From: the team\nWe love it.");
  });
});

describe("Gmail forwarded messages", () => {
  it("reads the original sender, subject and body, and the forwarder's note", () => {
    const text =
      "FYI\n\n---------- Forwarded message ---------\nFrom: Maria Garcia <maria@shopper.example>\nDate: Tue, Nov 24, 2026 at 9:12 AM\nSubject: Refund\nTo: <support@acme.com>\n\n\nPlease refund.\n";
    expect(parseGmailForward(text)).toEqual({
      from: { name: "Maria Garcia", address: "maria@shopper.example" },
      subject: "Refund",
      date: "Tue, Nov 24, 2026 at 9:12 AM",
      body: "Please refund.",
      note: "FYI",
    });
  });
  it("reads Outlook's FW: block (under a rule, with [mailto:] addresses) only when the subject says it is a forward", () => {
    const text =
      "Please handle.\n\n________________________________\nFrom: Maria Garcia [mailto:maria@shopper.example]\nSent: Tuesday, November 24, 2026 9:12 AM\nTo: Support <support@acme.com>\nSubject: Refund\n\nPlease refund.\n";
    expect(parseForward(text, "FW: Refund")).toEqual({
      from: { name: "Maria Garcia", address: "maria@shopper.example" },
      subject: "Refund",
      date: "Tuesday, November 24, 2026 9:12 AM",
      body: "Please refund.",
      note: "Please handle.",
    });
    expect(parseForward(text, "Re: Refund")).toBeNull();
  });
  it("is null for a message that is not a forward", () => {
    expect(parseGmailForward("Hello\nFrom: me")).toBeNull();
  });
});

describe("loop detection", () => {
  const headers = (h: Record<string, string>) => headerGetter(new Headers(h));
  it("accepts a normal human email", () => {
    expect(loopRejection(headers({ Subject: "hi" }), ["jane@customer.example"], D)).toBeNull();
    expect(loopRejection(headers({ "Auto-Submitted": "no" }), ["jane@customer.example"], D)).toBeNull();
  });
  it("refuses auto-submitted, bulk/junk/list precedence, auto-response-suppressed and X-Autoreply mail", () => {
    expect(loopRejection(headers({ "Auto-Submitted": "auto-generated" }), ["a@b.c"], D)).toMatch(/Auto-Submitted/);
    for (const p of ["bulk", "junk", "list", "Bulk"]) expect(loopRejection(headers({ Precedence: p }), ["a@b.c"], D)).toMatch(/Precedence/);
    expect(loopRejection(headers({ "X-Auto-Response-Suppress": "DR, OOF, AutoReply" }), ["a@b.c"], D)).toMatch(/X-Auto-Response-Suppress/);
    expect(loopRejection(headers({ "X-Autoreply": "yes" }), ["a@b.c"], D)).toMatch(/Automatic replies/);
  });
  it("refuses bounces and our own domain as sender", () => {
    expect(loopRejection(headers({}), ["MAILER-DAEMON@x.example"], D)).toMatch(/bounces/);
    expect(loopRejection(headers({}), ["support@acme.chat.buzzi.ai"], D)).toMatch(/loop protection/);
    expect(loopRejection(headers({}), [null, "x@chat.buzzi.ai"], D)).toMatch(/loop protection/);
  });
  it("never auto-replies to no-reply senders or list mail", () => {
    expect(shouldNotAutoReply(headers({}), "no-reply@shop.example")).toBe(true);
    expect(shouldNotAutoReply(headers({}), "noreply+x@shop.example")).toBe(true);
    expect(shouldNotAutoReply(headers({ "List-Id": "<x>" }), "jane@customer.example")).toBe(true);
    expect(shouldNotAutoReply(headers({}), "jane@customer.example")).toBe(false);
  });
});

describe("setup help", () => {
  it("has Gmail, Outlook and Google Workspace guides that name the company's address", () => {
    const guides = forwardingSetupGuides("support@acme.chat.buzzi.ai");
    expect(guides.map((g) => g.id)).toEqual(["gmail", "outlook", "google-workspace"]);
    for (const g of guides) {
      expect(g.steps.join(" ")).toContain("support@acme.chat.buzzi.ai");
      expect(g.helpUrl).toMatch(/^https:\/\//);
    }
  });
});

describe("settings", () => {
  it("an empty stored config reads as enabled with defaults; a corrupt one falls back per field", () => {
    expect(readEmailForwardingSettings({})).toEqual({ enabled: true, allowedSenderDomains: [], autoAcknowledge: false });
    expect(readEmailForwardingSettings({ enabled: false, allowedSenderDomains: "oops", autoAcknowledge: true })).toEqual({
      enabled: false,
      allowedSenderDomains: [],
      autoAcknowledge: true,
    });
  });
  it("the stored schema also takes the domains as one text field, as a generic config form sends them", () => {
    expect(emailForwardingSettingsSchema.parse({ enabled: true, allowedSenderDomains: "Acme.com, b.org", autoAcknowledge: false })).toEqual(
      { enabled: true, allowedSenderDomains: ["acme.com", "b.org"], autoAcknowledge: false },
    );
    expect(emailForwardingSettingsSchema.safeParse({ allowedSenderDomains: "not a domain!" }).success).toBe(false);
  });
  it("the form accepts domains separated by commas, spaces or new lines and refuses non-domains", () => {
    expect(parseEmailForwardingForm({ enabled: "on", allowedSenderDomains: "a.com,b.co.uk\nC.org" })).toEqual({
      ok: true,
      settings: { enabled: true, autoAcknowledge: false, allowedSenderDomains: ["a.com", "b.co.uk", "c.org"] },
    });
    const bad = parseEmailForwardingForm({ allowedSenderDomains: "localhost" });
    expect(bad.ok).toBe(false);
  });
});

describe("the MIME writer", () => {
  it("writes a message postal-mime reads back exactly, with non-ASCII subject and names", async () => {
    const raw = buildTextEmail({
      from: { name: "Zoë Support", address: "support@acme.chat.buzzi.ai" },
      to: { name: "Jane", address: "jane@customer.example" },
      subject: "Re: Déjà vu — ça marche ✓ and a long subject line that must be split across encoded words",
      text: "Line one\nLigne deux: été\n",
      messageId: "<m1@acme.chat.buzzi.ai>",
      date: new Date("2026-11-26T04:00:00Z"),
      inReplyTo: "<orig@x>",
      references: ["<orig@x>"],
      headers: { "Auto-Submitted": "auto-replied" },
    });
    expect(raw).toMatch(/\r\nDate: Thu, 26 Nov 2026 04:00:00 \+0000\r\n/);
    const parsed = await PostalMime.parse(raw);
    expect(parsed.subject).toBe("Re: Déjà vu — ça marche ✓ and a long subject line that must be split across encoded words");
    expect(parsed.from).toEqual({ name: "Zoë Support", address: "support@acme.chat.buzzi.ai" });
    expect(parsed.text?.replace(/\r\n/g, "\n")).toBe("Line one\nLigne deux: été\n");
    expect(parsed.inReplyTo).toBe("<orig@x>");
  });
  it("never lets a header value inject a new header line", () => {
    expect(encodeHeaderWord("a\r\nBcc: x@y")).toBe("a Bcc: x@y");
  });
});
