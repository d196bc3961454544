/**
 * Inbound email trusts only what Email Routing authenticated (issue 16 item 2, ADR 0081): a
 * company user's forward, an allowed domain and a thread reply need an authenticated, aligned
 * sender; a reply joins a conversation only from its contact or a company user; otherwise the
 * email starts its own conversation or is refused with a reason. New conversations are budgeted
 * per sender.
 */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import {
  aligned,
  judgeSender,
  parseAuthenticationResults,
  receivedAuthentication,
} from "~/lib/integrations/email-forwarding/authentication";
import { enableEmailForwarding } from "~/lib/integrations/email-forwarding/forwarding.server";
import { LIMITS } from "~/lib/security/limits.server";
import { gmailForward, plainFromMimetext, reply, simple } from "./email-fixtures";
import { clearConversations, db, deliver, enableAcme, rows } from "./email-helpers";

/** What Cloudflare stamped on a real Gmail message (folded, with comments), as received by the Worker. */
const CLOUDFLARE_STAMP = `mx.cloudflare.net;
\tdkim=pass header.d=gmail.com header.s=20251104 header.b=L6CZ3OJ0;
\tdmarc=pass header.from=gmail.com policy.dmarc=none;
\tspf=none (mx.cloudflare.net: no SPF records found for postmaster@mail-yw1-x112d.google.com) smtp.helo=mail-yw1-x112d.google.com;
\tspf=pass (mx.cloudflare.net: domain of joe@gmail.com designates 2607:f8b0:4864:20::112d as permitted sender) smtp.mailfrom=joe@gmail.com;
\tarc=pass smtp.remote-ip="2607:f8b0:4864:20::112d"`;

/** Cloudflare's verdict on a message sent from attacker.example's own server with a forged From. */
const forgedVerdict = (fromDomain: string) =>
  `mx.cloudflare.net; dkim=pass header.d=attacker.example header.s=s1; spf=pass smtp.mailfrom=bounce@attacker.example; dmarc=fail header.from=${fromDomain} policy.dmarc=none`;
const failedVerdict = (domain: string) =>
  `mx.cloudflare.net; dkim=fail (signature did not verify) header.d=${domain}; spf=fail smtp.mailfrom=x@${domain}; dmarc=fail header.from=${domain}`;

describe("reading Email Routing's verdicts", () => {
  it("parses Cloudflare's folded header with comments, quoted values and several spf results", () => {
    const parsed = parseAuthenticationResults(CLOUDFLARE_STAMP)!;
    expect(parsed.authservId).toBe("mx.cloudflare.net");
    expect(parsed.results.map((r) => `${r.method}=${r.result}`)).toEqual(["dkim=pass", "dmarc=pass", "spf=none", "spf=pass", "arc=pass"]);
    expect(parsed.results[0]!.props).toMatchObject({ "header.d": "gmail.com", "header.s": "20251104" });
    expect(parsed.results[3]!.props["smtp.mailfrom"]).toBe("joe@gmail.com");
    expect(parsed.results[4]!.props["smtp.remote-ip"]).toBe("2607:f8b0:4864:20::112d");
  });

  it("reads only the topmost Authentication-Results, and only when Cloudflare wrote it", () => {
    const forgedBelow = [
      { key: "authentication-results", value: "mx.cloudflare.net; dkim=fail header.d=acme.com; dmarc=fail header.from=acme.com" },
      { key: "received", value: "from attacker" },
      { key: "authentication-results", value: "mx.cloudflare.net; dmarc=pass header.from=acme.com" },
    ];
    expect(judgeSender(receivedAuthentication(forgedBelow), "john@acme.com").fromAuthenticated).toBe(false);
    const otherServerOnTop = [
      { key: "authentication-results", value: "mx.cloudflare.net.attacker.example; dmarc=pass header.from=acme.com" },
    ];
    expect(receivedAuthentication(otherServerOnTop)).toBeNull();
    expect(receivedAuthentication([])).toBeNull();
  });

  it.each([
    ["DMARC pass for the From domain", "mx.cloudflare.net; dmarc=pass header.from=acme.com", true],
    ["an aligned DKIM pass (subdomain signer)", "mx.cloudflare.net; dkim=pass header.d=mail.acme.com; dmarc=none", true],
    ["an aligned SPF pass", "mx.cloudflare.net; spf=pass smtp.mailfrom=bounces@acme.com", true],
    ["a DKIM pass by another domain (forged From)", forgedVerdict("acme.com"), false],
    ["an SPF pass for another envelope domain", "mx.cloudflare.net; spf=pass smtp.mailfrom=x@attacker.example; dmarc=none", false],
    ["failed DKIM and SPF", failedVerdict("acme.com"), false],
    ["DMARC fail despite an aligned DKIM pass", "mx.cloudflare.net; dkim=pass header.d=acme.com; dmarc=fail header.from=acme.com", false],
    ["a signer that is a bare suffix", "mx.cloudflare.net; dkim=pass header.d=com", false],
    ["a look-alike domain", "mx.cloudflare.net; dkim=pass header.d=evilacme.com", false],
  ])("From john@acme.com with %s → authenticated: %s", (_name, header, expected) => {
    const verdict = judgeSender(parseAuthenticationResults(header), "john@acme.com");
    expect(verdict.fromAuthenticated).toBe(expected);
    expect(verdict.summary).not.toContain("john@");
  });

  it("alignment is the same domain or a subdomain, never a shared suffix", () => {
    expect(aligned("acme.com", "acme.com")).toBe(true);
    expect(aligned("eu.acme.com", "acme.com")).toBe(true);
    expect(aligned("acme.com.attacker.example", "acme.com")).toBe(false);
    expect(aligned("com", "acme.com")).toBe(false);
  });
});

async function conversationCount() {
  return (await rows.conversations()).length;
}

describe("inbound email trusts only authenticated senders", () => {
  beforeEach(async () => {
    await clearConversations();
    await env.DB.prepare("DELETE FROM connections").run();
    await enableAcme();
  });

  it("a forged From: john@acme.com with a Forwarded block is refused, and names no customer", async () => {
    for (const auth of ["none", forgedVerdict("acme.com")]) {
      const result = await deliver(gmailForward(`<forged-fwd-${auth.length}@attacker.example>`), { from: "bounce@attacker.example", auth });
      expect(result.rejected).toMatch(/claims to be a user of this company, but the message is not authenticated/);
      expect(result.rejected).not.toContain("john@");
    }
    expect(await conversationCount()).toBe(0);
    const row = await env.DB.prepare("SELECT last_error FROM connections WHERE company_id = 'co_acme'").first<{ last_error: string }>();
    expect(row!.last_error).toMatch(/^Refused an email: The sender claims to be a user of this company/);
  });

  it("a forged Authentication-Results below Cloudflare's own is not believed", async () => {
    const raw = `Authentication-Results: mx.cloudflare.net; dkim=pass header.d=acme.com; spf=pass smtp.mailfrom=john@acme.com; dmarc=pass header.from=acme.com\r\n${gmailForward("<forged-ar@attacker.example>")}`;
    const result = await deliver(raw, { from: "bounce@attacker.example", auth: forgedVerdict("acme.com") });
    expect(result.rejected).toMatch(/not authenticated: DMARC failed for acme\.com/);
    expect(await conversationCount()).toBe(0);
  });

  it("the same forward, authenticated as john@acme.com, makes the forwarded customer the contact", async () => {
    const result = await deliver(gmailForward("<real-fwd@mail.gmail.com>"), { from: "john@acme.com" });
    expect(result.outcome.status).toBe("created");
    expect((await rows.conversations())[0]).toMatchObject({ contact_email: "maria@shopper.example" });
  });

  it("a Forwarded block from an authenticated outsider keeps the outsider as the contact", async () => {
    await deliver(gmailForward("<outsider-fwd@elsewhere.example>", "Pat <pat@elsewhere.example>"), { from: "pat@elsewhere.example" });
    expect((await rows.conversations())[0]).toMatchObject({ contact_email: "pat@elsewhere.example" });
  });

  it("an allowed domain counts only when the message is authenticated as it", async () => {
    await enableAcme({ allowedSenderDomains: "partner.example" });
    const failed = await deliver(simple({ messageId: "<al-1@partner.example>", from: "Al <al@partner.example>" }), {
      from: "al@partner.example",
      auth: failedVerdict("partner.example"),
    });
    expect(failed.rejected).toBe(
      "Sender domain partner.example is allowed, but the message is not authenticated as it: DMARC failed for partner.example",
    );
    const unsigned = await deliver(simple({ messageId: "<al-2@partner.example>", from: "Al <al@partner.example>" }), {
      from: "al@partner.example",
      auth: "none",
    });
    expect(unsigned.rejected).toMatch(/is allowed, but the message is not authenticated as it: no authentication results/);
    // an envelope on the allowed domain that did not pass SPF proves nothing either
    const envelopeOnly = await deliver(simple({ messageId: "<al-3@x>" }), {
      from: "someone@partner.example",
      auth: "mx.cloudflare.net; spf=softfail smtp.mailfrom=someone@partner.example; dkim=pass header.d=customer.example; dmarc=pass header.from=customer.example",
    });
    expect(envelopeOnly.rejected).toMatch(
      /^Sender domain partner\.example is allowed, but the message is not authenticated as it: authenticated as customer\.example/,
    );
    expect(await conversationCount()).toBe(0);
    const good = await deliver(simple({ messageId: "<al-4@partner.example>", from: "Al <al@partner.example>" }), {
      from: "al@partner.example",
    });
    expect(good.outcome.status).toBe("created");
  });

  it("a Message-ID hijack (In-Reply-To of another contact's email) starts a new conversation and never reopens theirs", async () => {
    const jane = await deliver(plainFromMimetext({ messageId: "<jane-1@customer.example>" }), { from: "jane@customer.example" });
    const janeId = (jane.outcome as { conversationId: string }).conversationId;
    await env.DB.prepare("UPDATE conversations SET status = 'closed', closed_at = 1 WHERE id = ?").bind(janeId).run();
    const eventsBefore = (await rows.events()).length;

    const hijack = await deliver(
      reply({ messageId: "<m-1@evil.example>", inReplyTo: "<jane-1@customer.example>", from: "Mallory <mallory@evil.example>" }),
      { from: "mallory@evil.example" },
    );
    expect(hijack.outcome).toMatchObject({ status: "created", notice: expect.stringContaining("another contact") });
    expect((hijack.outcome as { conversationId: string }).conversationId).not.toBe(janeId);
    const janes = await env.DB.prepare("SELECT status FROM conversations WHERE id = ?").bind(janeId).first<{ status: string }>();
    expect(janes!.status).toBe("closed");
    expect(await env.DB.prepare("SELECT count(*) AS n FROM messages WHERE conversation_id = ?").bind(janeId).first()).toEqual({ n: 1 });
    const newEvents = (await rows.events()).slice(eventsBefore);
    expect(newEvents.map((e) => e.type)).toEqual(["conversation.created", "message.received"]);
  });

  it("a reply with a forged From: of the contact but failing authentication starts a new conversation", async () => {
    const jane = await deliver(plainFromMimetext({ messageId: "<jane-2@customer.example>" }), { from: "jane@customer.example" });
    const janeId = (jane.outcome as { conversationId: string }).conversationId;
    for (const auth of ["none", failedVerdict("customer.example"), forgedVerdict("customer.example")]) {
      const forged = await deliver(
        reply({ messageId: `<forged-${auth.length}@attacker.example>`, inReplyTo: "<jane-2@customer.example>" }),
        {
          from: "bounce@attacker.example",
          auth,
        },
      );
      expect(forged.outcome).toMatchObject({ status: "created", notice: expect.stringContaining("its sender is") });
    }
    expect(await env.DB.prepare("SELECT count(*) AS n FROM messages WHERE conversation_id = ?").bind(janeId).first()).toEqual({ n: 1 });
    // the real Jane, authenticated, still threads
    const real = await deliver(reply({ messageId: "<jane-3@customer.example>", inReplyTo: "<jane-2@customer.example>" }), {
      from: "jane@customer.example",
    });
    expect(real.outcome).toMatchObject({ status: "appended", conversationId: janeId });
    expect(real.outcome).not.toHaveProperty("notice");
  });

  it("an authenticated company user may reply into a customer's conversation", async () => {
    const jane = await deliver(plainFromMimetext({ messageId: "<jane-4@customer.example>" }), { from: "jane@customer.example" });
    const result = await deliver(
      reply({ messageId: "<john-1@acme.com>", inReplyTo: "<jane-4@customer.example>", from: "John Carter <john@acme.com>" }),
      { from: "john@acme.com" },
    );
    expect(result.outcome).toMatchObject({
      status: "appended",
      conversationId: (jane.outcome as { conversationId: string }).conversationId,
    });
  });

  it("reusing another sender's Message-ID is neither a duplicate of it nor a way into its conversation", async () => {
    const jane = await deliver(plainFromMimetext({ messageId: "<shared-id@customer.example>" }), { from: "jane@customer.example" });
    const raw = simple({
      messageId: "<shared-id@customer.example>",
      from: "Mallory <mallory@evil.example>",
      body: "Please wire the refund to me",
    });
    const reused = await deliver(raw, { from: "mallory@evil.example" });
    expect(reused.outcome).toMatchObject({ status: "created", notice: expect.stringContaining("already used by another sender") });
    expect((reused.outcome as { conversationId: string }).conversationId).not.toBe(
      (jane.outcome as { conversationId: string }).conversationId,
    );
    // Mallory's own redelivery is still recognised as a duplicate
    expect((await deliver(raw, { from: "mallory@evil.example" })).outcome.status).toBe("duplicate");
    // and Jane's redelivery still is hers
    expect(
      (await deliver(plainFromMimetext({ messageId: "<shared-id@customer.example>" }), { from: "jane@customer.example" })).outcome,
    ).toMatchObject({ status: "duplicate", conversationId: (jane.outcome as { conversationId: string }).conversationId });
  });
});

describe("new email conversations are budgeted per sender", { timeout: 120_000 }, () => {
  beforeEach(async () => {
    await clearConversations();
    await env.DB.prepare("DELETE FROM connections").run();
    await enableAcme();
  });

  it("past its hourly budget a sender is refused with a reason; its replies and other senders still get through", async () => {
    const { limit } = LIMITS["email.new_conversation"];
    for (let i = 0; i < limit; i++) {
      const r = await deliver(simple({ messageId: `<burst-${i}@flood.example>`, from: "Flood <flood@flood.example>" }), {
        from: "flood@flood.example",
      });
      expect(r.outcome.status, `email ${i}`).toBe("created");
    }
    const over = await deliver(simple({ messageId: "<burst-over@flood.example>", from: "Flood <flood@flood.example>" }), {
      from: "flood@flood.example",
    });
    expect(over.rejected).toBe(
      `Too many new conversations from this sender: at most ${limit} per hour. Reply in an existing conversation or try again later.`,
    );
    expect(await conversationCount()).toBe(limit);
    const replyInThread = await deliver(
      reply({ messageId: "<burst-reply@flood.example>", inReplyTo: "<burst-0@flood.example>", from: "Flood <flood@flood.example>" }),
      { from: "flood@flood.example" },
    );
    expect(replyInThread.outcome.status).toBe("appended");
    expect((await deliver(simple({ messageId: "<other-1@customer.example>" }), { from: "jane@customer.example" })).outcome.status).toBe(
      "created",
    );
  });

  it("unauthenticated senders share one company budget, so rotating From addresses does not get round it", async () => {
    // Globex: a company whose budget no other test of this file has touched (the limiter's state outlives a test)
    const globexAdmin = { id: "usr_globex_admin", email: "admin@globex.com", name: "Hank" };
    await enableEmailForwarding({ db: db(), companyId: "co_globex", env, actor: globexAdmin });
    const to = "support@globex.chat.buzzi.ai";
    const { limit } = LIMITS["email.unauthenticated"];
    const send = (i: number) =>
      deliver(simple({ messageId: `<rot-${i}@spam.example>`, from: `S${i} <s${i}@spam${i}.example>` }), {
        from: `s${i}@spam${i}.example`,
        auth: "none",
        to,
      });
    const outcomes = [];
    for (let i = 0; i <= limit; i++) outcomes.push(await send(i));
    expect(outcomes.slice(0, limit).map((o) => o.outcome.status)).toEqual(Array(limit).fill("created"));
    expect(outcomes[limit]!.rejected).toMatch(/^Too many new conversations from unauthenticated senders/);
    // an authenticated sender is not held back by it
    const jane = await deliver(simple({ messageId: "<auth-after@customer.example>" }), { from: "jane@customer.example", to });
    expect(jane.outcome.status).toBe("created");
  });
});
