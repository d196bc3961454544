#!/usr/bin/env node
// Sends a signed WhatsApp Cloud API webhook to the app, as Meta would: a customer's text message,
// or a status update for one of our outbound messages.
//   node scripts/whatsapp-inbound.mjs "<text>" [--from 14155550123] [--name "Ana Lopez"]
//        [--phone-number-id 109876543210987] [--secret <app secret>] [--app http://127.0.0.1:8787]
//        [--id wamid.…]                     (send the same id twice to see a retry dropped)
//   node scripts/whatsapp-inbound.mjs --status delivered --id <wamid>   (sent | delivered | read | failed)
// The defaults are the sandbox's: connect WhatsApp Business with phone number id 109876543210987,
// business account id 102290129340398, token sandbox_whatsapp_token, app secret
// sandbox_app_secret_0123456789 (or pass --phone-number-id / --secret for your own).
import { createHmac, randomUUID } from "node:crypto";
import { SANDBOX_APP_SECRET, SANDBOX_BUSINESS_ACCOUNT_ID, SANDBOX_PHONE_NUMBER_ID } from "./sandbox/whatsapp.mjs";

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

/** `sha256=` + hex HMAC-SHA256 of the exact body bytes, keyed with the Meta app secret. */
export function signMetaPayload(appSecret, body) {
  return `sha256=${createHmac("sha256", appSecret).update(body).digest("hex")}`;
}

export function buildPayload({ text, from, name, id, phoneNumberId, status }) {
  const now = String(Math.floor(Date.now() / 1000));
  const value = { messaging_product: "whatsapp", metadata: { display_phone_number: "15550100000", phone_number_id: phoneNumberId } };
  if (status) value.statuses = [{ id, status, timestamp: now, recipient_id: from }];
  else {
    value.contacts = [{ profile: { name }, wa_id: from }];
    value.messages = [{ from, id, timestamp: now, type: "text", text: { body: text } }];
  }
  return { object: "whatsapp_business_account", entry: [{ id: SANDBOX_BUSINESS_ACCOUNT_ID, changes: [{ field: "messages", value }] }] };
}

async function main() {
  const text = process.argv[2] && !process.argv[2].startsWith("--") ? process.argv[2] : "Hi! Where is my order #1042?";
  const app = arg("app", process.env.APP_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`).replace(/\/+$/, "");
  const status = arg("status");
  const id = arg("id", status ? undefined : `wamid.LOCAL${randomUUID().replace(/-/g, "").slice(0, 20).toUpperCase()}`);
  if (!id)
    throw new Error(
      "--status needs --id <wamid> (see GET /v1/conversations/:id → channel_delivery, or the sandbox's /__sandbox/whatsapp/sent)",
    );
  const payload = buildPayload({
    text,
    from: arg("from", "14155550123").replace(/^\+/, ""),
    name: arg("name", "Ana Lopez"),
    id,
    phoneNumberId: arg("phone-number-id", SANDBOX_PHONE_NUMBER_ID),
    status,
  });
  const body = JSON.stringify(payload);
  const res = await fetch(`${app}/integrations/whatsapp-business/webhook`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-Hub-Signature-256": signMetaPayload(arg("secret", process.env.WHATSAPP_APP_SECRET ?? SANDBOX_APP_SECRET), body),
    },
    body,
  });
  console.log(`${res.status} ${await res.text()} (${status ? `status ${status} for` : "message"} ${id})`);
  if (!res.ok) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
