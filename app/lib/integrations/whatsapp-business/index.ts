/**
 * WhatsApp Business (Cloud API) as a channel: signed inbound webhooks become conversations
 * (`webhook.server.ts` → `inbound.server.ts`), and agents' and the AI's replies (`message.sent` in a
 * WhatsApp conversation) are delivered through the Cloud API (`outbound.server.ts`). Connecting
 * checks the token and app secret (appsecret_proof) with `GET /{phone-number-id}`, and that the
 * number belongs to the business account with `GET /{waba-id}/phone_numbers`.
 */
import { randomToken } from "../../security/crypto";
import { defineAdapter, type VerifyInput, type VerifyResult } from "../adapter";
import { CATALOG } from "../catalog";
import { whatsAppInboundActivity } from "./activity.server";
import { businessAccountHasNumber, GraphApiError, getPhoneNumber, type PhoneNumberInfo } from "./client.server";
import { processWhatsAppJob } from "./inbound.server";
import { deliverWhatsAppReply, isWhatsAppReply, whatsAppReplyRefusal } from "./outbound.server";
import { whatsAppSettingsSchema } from "./settings";
import { WEBHOOK_PATH } from "./webhook.server";

const fieldError = (field: string, message: string): VerifyResult => ({ ok: false, fieldErrors: { [field]: [message] } });

export async function verifyWhatsApp(input: VerifyInput): Promise<VerifyResult> {
  const f = input.fields ?? {};
  const phoneNumberId = (f.phone_number_id ?? "").trim();
  const businessAccountId = (f.business_account_id ?? "").trim();
  if (!/^\d{5,30}$/.test(phoneNumberId))
    return fieldError("phone_number_id", "The phone number ID is the number shown under API Setup (digits only).");
  if (!/^\d{5,30}$/.test(businessAccountId))
    return fieldError("business_account_id", "The WhatsApp Business Account ID is a number (digits only).");
  if (!/^[A-Za-z0-9_]{8,200}$/.test(f.app_secret ?? ""))
    return fieldError("app_secret", "The app secret is the string under App settings → Basic (letters and digits).");
  const deps = { env: input.env, fetch: input.fetch, signal: input.signal };
  const auth = { token: f.access_token ?? "", appSecret: f.app_secret ?? "" };
  let info: PhoneNumberInfo | undefined;
  try {
    info = await getPhoneNumber(deps, { ...auth, phoneNumberId });
    if (!(await businessAccountHasNumber(deps, { ...auth, businessAccountId, phoneNumberId })))
      return fieldError("business_account_id", "This phone number ID is not in that WhatsApp Business Account. Check both in API Setup.");
  } catch (error) {
    if (error instanceof GraphApiError && error.badToken)
      return fieldError("access_token", "Meta did not accept this access token (it is invalid or expired).");
    if (error instanceof GraphApiError && error.badAppSecret)
      return fieldError("app_secret", "This is not the app secret of the app this access token belongs to.");
    if (error instanceof GraphApiError && error.status !== 429 && error.status < 500)
      return info
        ? fieldError("business_account_id", "This token cannot read that WhatsApp Business Account. Check the ID in API Setup.")
        : fieldError("phone_number_id", "This token cannot use that phone number ID. Check both in API Setup.");
    return { ok: false, fieldErrors: { "": ["The WhatsApp Cloud API did not answer (or asked us to slow down). Try again in a moment."] } };
  }
  const label = [info.verifiedName, info.displayPhoneNumber].filter(Boolean).join(" · ") || phoneNumberId;
  return {
    ok: true,
    accountLabel: label,
    accountId: phoneNumberId,
    context: {
      business_account_id: businessAccountId,
      display_phone_number: info.displayPhoneNumber ?? "",
      verified_name: info.verifiedName ?? "",
      // Ours, not Meta's: Meta sends it back in the callback URL handshake.
      verify_token: `whv_${randomToken(24)}`,
    },
  };
}

export const whatsAppAdapter = defineAdapter({
  id: "whatsapp-business",
  provider: CATALOG["whatsapp-business"],
  features: CATALOG["whatsapp-business"].features,
  settings: whatsAppSettingsSchema,
  configureScreen: true,
  verifyCredential: verifyWhatsApp,
  setup: ({ connection, origin }) => ({
    title: "Set up in Meta for Developers",
    values: [
      {
        label: "Callback URL",
        value: `${origin}${WEBHOOK_PATH}`,
        hint: "Meta for Developers → your app → WhatsApp → Configuration → Callback URL",
      },
      {
        label: "Verify token",
        value: connection.context?.verify_token ?? "",
        hint: "Paste it next to the callback URL, then subscribe to the messages field",
      },
    ],
  }),
  inboundActivity: whatsAppInboundActivity,
  inbound: (rt, id) => processWhatsAppJob({ db: rt.db, env: rt.env, now: rt.now }, id),
  replyRefusal: whatsAppReplyRefusal,
  replyRulesChannels: ["whatsapp"],
  card: {
    info: ({ connection }) => {
      const display = connection.context?.display_phone_number || connection.accountId || "your number";
      return { info: `Messages to ${display} become conversations; replies go back on WhatsApp` };
    },
  },
  subscriptions: {
    "message.sent": { wants: ({ event }) => isWhatsAppReply(event.payload), deliver: deliverWhatsAppReply },
  },
});
