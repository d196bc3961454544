/**
 * Where alert emails go (ADR 0110), chosen by configuration only: Cloudflare Email Service's
 * `send_email` binding when the deployment has one (its structured form: from, to, subject, text;
 * Cloudflare builds the MIME and signs it), else a mail sink URL that takes the same message as JSON
 * (the sandbox's, locally and in tests), else none: the alert stays on the banner and in Slack.
 */
import { type Env, inboundEmailDomain } from "../env";

export type AlertEmail = { from: { email: string; name: string }; to: string[]; subject: string; text: string };
export type Mailer = (email: AlertEmail) => Promise<void>;

/** Cloudflare Email Service takes at most 50 recipients per message. */
export const MAX_RECIPIENTS = 50;

export function alertSender(env: Env): { email: string; name: string } {
  return { email: env.ALERT_EMAIL_FROM || `alerts@${inboundEmailDomain(env)}`, name: "Integrations Hub" };
}

export function mailerFromEnv(env: Env, fetch: typeof globalThis.fetch): Mailer | null {
  const binding = env.SEND_EMAIL;
  if (binding) {
    return async (email) => {
      await binding.send({ from: email.from, to: email.to.slice(0, MAX_RECIPIENTS), subject: email.subject, text: email.text });
    };
  }
  const sink = env.ALERT_EMAIL_SINK_URL;
  if (sink) {
    return async (email) => {
      const res = await fetch(sink, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ...email, to: email.to.slice(0, MAX_RECIPIENTS) }),
        signal: AbortSignal.timeout(10_000),
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`the mail sink answered HTTP ${res.status}`);
    };
  }
  return null;
}
