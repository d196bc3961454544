import { env } from "cloudflare:test";
import { createDb } from "~/lib/db/client";
import type { EventMessage, EventsMessage } from "~/lib/env";
import type { OutgoingReply } from "~/lib/integrations/email-forwarding/auto-ack";
import { enableEmailForwarding, saveEmailForwardingSettings } from "~/lib/integrations/email-forwarding/forwarding.server";
import { type InboundEmail, receiveEmail } from "~/lib/integrations/email-forwarding/receive.server";

export const ACME_ADDRESS = "support@acme.chat.buzzi.ai";
export const JOHN = { id: "usr_john", email: "john@acme.com", name: "John Carter" };
export const db = () => createDb(env.DB);

/** Header fields of a raw message as Cloudflare gives them in `message.headers`. */
export function headersOf(raw: string): Headers {
  const end = raw.search(/\r?\n\r?\n/);
  const block = (end < 0 ? raw : raw.slice(0, end)).replace(/\r?\n[ \t]+/g, " ");
  const headers = new Headers();
  for (const line of block.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return headers;
}

export function recordingQueue() {
  const sent: string[] = [];
  const queue = {
    async send(body: EventMessage) {
      sent.push(body.eventId);
    },
    async sendBatch(list: Iterable<{ body: EventMessage }>) {
      for (const m of list) sent.push(m.body.eventId);
    },
  } as unknown as Queue<EventsMessage>;
  return { queue, sent };
}

/** The header From's domain of a raw message (its first From line). */
function headerFromDomain(raw: string): string | null {
  const line = /^From:(.*)$/im.exec(raw.slice(0, Math.max(0, raw.search(/\r?\n\r?\n/))) || raw)?.[1] ?? "";
  const address = /<([^<>]+)>/.exec(line)?.[1] ?? line.trim();
  const at = address.lastIndexOf("@");
  return at > 0
    ? address
        .slice(at + 1)
        .trim()
        .toLowerCase()
    : null;
}

/**
 * How Cloudflare Email Routing vouches for a message: it prepends `Authentication-Results:
 * mx.cloudflare.net; …` with its SPF, DKIM and DMARC verdicts above the sender's own headers.
 * "pass": the sender's domain signed it and the envelope passed SPF (most real mail); "none": no
 * header at all; a string: that header value as Cloudflare would stamp it.
 */
export type AuthStamp = "pass" | "none" | string;

export function stampAuthentication(raw: string, envelopeFrom: string, auth: AuthStamp = "pass"): string {
  if (auth === "none") return raw;
  const newline = raw.includes("\r\n") ? "\r\n" : "\n";
  let value = auth;
  if (auth === "pass") {
    const from = headerFromDomain(raw) ?? "invalid.example";
    value = `mx.cloudflare.net; dkim=pass header.d=${from} header.s=s1 header.b=AbCdEf12; dmarc=pass header.from=${from} policy.dmarc=reject; spf=pass (mx.cloudflare.net: domain of ${envelopeFrom} designates 192.0.2.25 as permitted sender) smtp.mailfrom=${envelopeFrom}; arc=none smtp.remote-ip=192.0.2.25`;
  }
  return `Authentication-Results: ${value}${newline}${raw}`;
}

/** An inbound email shaped like Cloudflare's ForwardableEmailMessage, recording what happens to it. */
export function inbound(raw: string, opts: { from: string; to?: string; size?: number; withReply?: boolean; auth?: AuthStamp }) {
  raw = stampAuthentication(raw, opts.from, opts.auth);
  const bytes = new TextEncoder().encode(raw);
  const record = { rejected: null as string | null, replies: [] as OutgoingReply[] };
  const email: InboundEmail = {
    from: opts.from,
    to: opts.to ?? ACME_ADDRESS,
    raw: new Response(bytes).body!,
    headers: headersOf(raw),
    size: opts.size ?? bytes.byteLength,
    setReject: (reason) => {
      record.rejected = reason;
    },
    reply: opts.withReply === false ? undefined : async (r) => void record.replies.push(r),
  };
  return { email, record };
}

export async function deliver(
  raw: string,
  opts: { from: string; to?: string; size?: number; withReply?: boolean; now?: Date; auth?: AuthStamp },
) {
  const { email, record } = inbound(raw, opts);
  const { queue, sent } = recordingQueue();
  const outcome = await receiveEmail({ db: db(), env, now: () => opts.now ?? new Date(), queue }, email);
  return { outcome, ...record, enqueued: sent };
}

export async function enableAcme(settings: Record<string, unknown> = {}) {
  await enableEmailForwarding({ db: db(), companyId: "co_acme", env, actor: JOHN });
  if (Object.keys(settings).length > 0) {
    const saved = await saveEmailForwardingSettings({
      db: db(),
      companyId: "co_acme",
      env,
      actor: JOHN,
      input: { enabled: "on", ...settings },
    });
    if (!saved.ok) throw new Error(JSON.stringify(saved.fieldErrors));
  }
}

export const rows = {
  conversations: () =>
    env.DB.prepare("SELECT * FROM conversations WHERE company_id = 'co_acme' ORDER BY rowid")
      .all<Record<string, any>>()
      .then((r) => r.results),
  messages: () =>
    env.DB.prepare("SELECT * FROM messages WHERE company_id = 'co_acme' ORDER BY rowid")
      .all<Record<string, any>>()
      .then((r) => r.results),
  events: () =>
    env.DB.prepare("SELECT * FROM events WHERE company_id = 'co_acme' ORDER BY rowid")
      .all<Record<string, any>>()
      .then((r) => r.results),
};

export async function clearConversations() {
  await env.DB.batch([
    env.DB.prepare("DELETE FROM messages"),
    env.DB.prepare("DELETE FROM conversations"),
    env.DB.prepare("DELETE FROM events"),
  ]);
}
