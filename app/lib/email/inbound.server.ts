import type { Env } from "../env";

/** Cloudflare Email Routing entry (built by the Email forwarding issue). */
export async function handleInboundEmail(message: ForwardableEmailMessage, _env: Env, _ctx: ExecutionContext): Promise<void> {
  message.setReject("Email forwarding is not enabled for this address");
}
