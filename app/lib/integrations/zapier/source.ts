import type { HookSubscriptions } from "../adapter";

/** Zapier's subscriptions are REST hooks: webhook endpoints with this source, managed by Zapier. */
export const ZAPIER_HOOKS = {
  source: "rest_hook",
  urlManagedMessage: "Zapier manages this subscription's URL. Change the Zap in Zapier instead.",
} as const satisfies HookSubscriptions;
