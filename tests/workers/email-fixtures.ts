/** Raw messages in the shapes real mail clients produce. */
import { createMimeMessage } from "mimetext";

export function plainFromMimetext(
  opts: {
    messageId?: string;
    from?: { name: string; addr: string };
    subject?: string;
    text?: string;
    headers?: Record<string, string>;
  } = {},
) {
  const msg = createMimeMessage();
  msg.setSender(opts.from ?? { name: "Jane Doe", addr: "jane@customer.example" });
  msg.setRecipient("Acme Support <support@acme.chat.buzzi.ai>");
  msg.setSubject(opts.subject ?? "Order #1234 hasn't arrived");
  if (opts.messageId) msg.setHeader("Message-ID", opts.messageId);
  for (const [k, v] of Object.entries(opts.headers ?? {})) msg.setHeader(k, v);
  msg.addMessage({
    contentType: "text/plain",
    data:
      opts.text ??
      "Hi,\n\nI ordered a blue kettle two weeks ago (order #1234) and it still hasn't arrived.\nCan you check where it is?\n\n-- \nJane Doe\n+1 555 0100",
  });
  return msg.asRaw();
}

export function multipartWithAttachments(messageId: string) {
  const msg = createMimeMessage();
  msg.setSender({ name: "Priya Patel", addr: "priya@bigcorp.example" });
  msg.setRecipient("support@acme.chat.buzzi.ai");
  msg.setSubject("Invoice INV-88 is wrong");
  msg.setHeader("Message-ID", messageId);
  msg.addMessage({
    contentType: "text/plain",
    data: "Hello,\n\nThe attached invoice charges us twice for March. Screenshot attached too.\n\nSent from my iPhone",
  });
  msg.addMessage({
    contentType: "text/html",
    data: "<p>Hello,</p><p>The attached invoice charges us twice for March. Screenshot attached too.</p>",
  });
  msg.addAttachment({ filename: "INV-88.pdf", contentType: "application/pdf", data: btoa(`%PDF-1.4 ${"x".repeat(3000)}`) });
  msg.addAttachment({ filename: "screenshot.png", contentType: "image/png", data: btoa(`\x89PNG\r\n${"y".repeat(1200)}`) });
  return msg.asRaw();
}

export const htmlOnly = (messageId: string) =>
  `Return-Path: <bob@customer.io>
From: "Bob Smith" <bob@customer.io>
To: support@acme.chat.buzzi.ai
Subject: Can't log in
Message-ID: ${messageId}
Date: Tue, 24 Nov 2026 10:01:02 +0000
MIME-Version: 1.0
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<html><head><style>p{color:red}</style><title>x</title></head><body><div dir=3D"l=
tr"><p>Hi team,</p><p>I can&#39;t log in since yesterday &amp; the <a href=3D"h=
ttps://app.example.com/reset">reset link</a> fails.</p><ul><li>Browser: Firefox=
</li><li>OS: macOS</li></ul></div><br><div class=3D"gmail_quote"><blockquote>=
Earlier thread text</blockquote></div></body></html>
`.replace(/\n/g, "\r\n");

export const windows1252 = (messageId: string) =>
  `From: =?iso-8859-1?Q?Ren=E9e_Dupr=E9?= <renee@exemple.fr>
To: support@acme.chat.buzzi.ai
Subject: =?windows-1252?Q?Probl=E8me_de_facturation_=96_urgent?=
Message-ID: ${messageId}
Date: Tue, 24 Nov 2026 11:00:00 +0100
MIME-Version: 1.0
Content-Type: text/plain; charset="windows-1252"
Content-Transfer-Encoding: quoted-printable

Bonjour,

J'ai =E9t=E9 factur=E9e deux fois =96 merci de v=E9rifier =93rapidement=94.

Ren=E9e
`.replace(/\n/g, "\r\n");

export const gmailForward = (messageId: string, forwarder = "John Carter <john@acme.com>") =>
  `From: ${forwarder}
To: support@acme.chat.buzzi.ai
Subject: Fwd: Refund request
Message-ID: ${messageId}
Date: Wed, 25 Nov 2026 08:30:00 +0000
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="000000000000f1a2b3"

--000000000000f1a2b3
Content-Type: text/plain; charset="UTF-8"

Can you handle this one?

---------- Forwarded message ---------
From: Maria Garcia <maria@shopper.example>
Date: Tue, Nov 24, 2026 at 9:12 AM
Subject: Refund request
To: <support@acme.com>


Hello, I would like a refund for order 5521. It arrived broken.

Thanks,
Maria

--000000000000f1a2b3
Content-Type: text/html; charset="UTF-8"

<div dir="ltr">Can you handle this one?<br><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>From: <strong>Maria Garcia</strong> &lt;maria@shopper.example&gt;<br>Subject: Refund request<br></div><br>Hello, I would like a refund for order 5521. It arrived broken.</div></div>

--000000000000f1a2b3--
`.replace(/\n/g, "\r\n");

export const reply = (opts: { messageId: string; inReplyTo?: string; references?: string; from?: string; extraHeaders?: string }) =>
  `From: ${opts.from ?? "Jane Doe <jane@customer.example>"}
To: Acme Support <support@acme.chat.buzzi.ai>
Subject: Re: Order #1234 hasn't arrived
Message-ID: ${opts.messageId}
${opts.inReplyTo ? `In-Reply-To: ${opts.inReplyTo}\n` : ""}${opts.references ? `References: ${opts.references}\n` : ""}${opts.extraHeaders ?? ""}Date: Wed, 25 Nov 2026 09:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset="UTF-8"

It arrived this morning, thank you!

On Tue, Nov 24, 2026 at 9:12 AM Acme Support <support@acme.chat.buzzi.ai> wrote:
> Hi Jane, we are checking with the courier.
>
> > I ordered a blue kettle two weeks ago
`.replace(/\n/g, "\r\n");

export const simple = (opts: { messageId: string; from?: string; subject?: string; headers?: string; body?: string }) =>
  `From: ${opts.from ?? "Jane Doe <jane@customer.example>"}
To: support@acme.chat.buzzi.ai
Subject: ${opts.subject ?? "Question"}
Message-ID: ${opts.messageId}
${opts.headers ?? ""}Date: Wed, 25 Nov 2026 09:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset="UTF-8"

${opts.body ?? "Do you ship to Canada?"}
`.replace(/\n/g, "\r\n");
