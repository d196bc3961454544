/**
 * Cloudflare Email Routing entry (wired from workers/app.ts). The pipeline itself is
 * receiveEmail (receive.server.ts); this module only adapts ForwardableEmailMessage to it and
 * turns an acknowledgement into `message.reply(new EmailMessage(...))`. It is the only module
 * that imports "cloudflare:email", so the Remix bundle (which imports receive.server.ts for
 * "Send test email") never needs it.
 */
import { EmailMessage } from "cloudflare:email";
import { createDb } from "../../db/client";
import type { Env } from "../../env";
import { type InboundEmail, receiveEmail } from "./receive.server";

export type ReplySender = (message: ForwardableEmailMessage, reply: { from: string; to: string; raw: string }) => Promise<void>;

const replyWithEmailMessage: ReplySender = async (message, reply) => {
  await message.reply(new EmailMessage(reply.from, reply.to, reply.raw));
};

export async function handleInboundEmail(
  message: ForwardableEmailMessage,
  env: Env,
  _ctx: ExecutionContext,
  sendReply: ReplySender = replyWithEmailMessage,
): Promise<void> {
  const email: InboundEmail = {
    from: message.from,
    to: message.to,
    raw: message.raw,
    headers: message.headers,
    size: message.rawSize,
    setReject: (reason) => message.setReject(reason),
    reply: (reply) => sendReply(message, reply),
  };
  await receiveEmail({ db: createDb(env.DB), env, now: () => new Date(), queue: env.EVENTS }, email);
}
