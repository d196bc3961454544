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

/** An inbound email shaped like Cloudflare's ForwardableEmailMessage, recording what happens to it. */
export function inbound(raw: string, opts: { from: string; to?: string; size?: number; withReply?: boolean }) {
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

export async function deliver(raw: string, opts: { from: string; to?: string; size?: number; withReply?: boolean; now?: Date }) {
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
