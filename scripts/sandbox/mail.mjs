// A loopback mail sink standing in for Cloudflare Email Service's send_email binding (ADR 0110):
// the app's alert mailer POSTs each message as the binding's structured form would take it
// ({ from: { email, name }, to: [addresses], subject, text }) to {sandbox}/mail/send, selected by
// ALERT_EMAIL_SINK_URL. It checks what Email Service checks of that form (a sender, 1–50
// recipients, a subject, a body) and keeps every accepted message for tests to read
// (GET /__sandbox/state/mail, and each call in GET /__sandbox/calls).
import { createFake, isEmail, isObject, json } from "./kit.mjs";

const bad = (message) => json({ success: false, errors: [{ code: 10001, message }] }, 400);

export function createMailSinkFake({ onCall, credentials } = {}) {
  let counter = 0;
  return createFake({
    provider: "mail",
    onCall,
    credentials,
    seed: () => ({ messages: [] }),
    snapshot: (state) => ({ messages: state.messages }),
    authenticate: () => true,
    unauthorized: () => json({ success: false }, 401),
    rateLimited: () => ({ success: false, errors: [{ code: 10004, message: "rate limited" }] }),
    notFound: () => json({ success: false, errors: [{ code: 7003, message: "not found" }] }, 404),
    routes: async ({ method, path, body, state }) => {
      if (method !== "POST" || path !== "/send") return null;
      const from = isObject(body.from) ? body.from.email : body.from;
      const to = Array.isArray(body.to) ? body.to : [body.to];
      if (!isEmail(from)) return bad("from must be an email address");
      if (to.length < 1 || to.length > 50 || !to.every(isEmail)) return bad("to must be 1 to 50 email addresses");
      if (typeof body.subject !== "string" || !body.subject.trim()) return bad("subject is required");
      if (typeof body.text !== "string" && typeof body.html !== "string") return bad("text or html is required");
      const messageId = `<sandbox-${++counter}@mail.sandbox>`;
      state.messages.push({ messageId, from: body.from, to, subject: body.subject, text: body.text ?? null, at: new Date().toISOString() });
      return json({ success: true, result: { messageId } });
    },
  });
}
