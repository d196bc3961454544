/** Email Forwarding: a channel. Mail to the company's address becomes conversations (Worker `email()`). */
import { inboundEmailDomain } from "../../env";
import { defineAdapter } from "../adapter";
import { CATALOG } from "../catalog";
import { forwardingAddress } from "./address";
import { emailForwardingSettingsSchema } from "./settings";

const addressOf = (env: Parameters<typeof inboundEmailDomain>[0], slug: string) => forwardingAddress(slug, inboundEmailDomain(env));

export const emailForwardingAdapter = defineAdapter({
  id: "email-forwarding",
  provider: CATALOG["email-forwarding"],
  features: CATALOG["email-forwarding"].features,
  settings: emailForwardingSettingsSchema,
  card: {
    info: ({ env, company }) => {
      const address = addressOf(env, company.slug);
      return { info: address, copy: address };
    },
  },
  // Built in: nothing to check at the provider; the account is the company's address.
  verifyCredential: async ({ env, company }) => ({ ok: true, accountLabel: addressOf(env, company.slug), accountId: null }),
  connectHint: ({ env, company }) => ({ copy: addressOf(env, company.slug) }),
});
