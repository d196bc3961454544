import type { ConversationChannel } from "../vocabulary";
/**
 * Every integration's adapter, by provider id: the one place generic code asks "what does this
 * integration do?" (architecture.md §5b). Adding an integration = one folder + one line here. Server-only
 * (adapters import their clients); the browser-safe catalog is `catalog.ts`.
 */

import type { EndpointSource } from "../vocabulary";
import { activeCampaignAdapter } from "./activecampaign";
import type { HookSubscriptions, ProviderAdapter } from "./adapter";
import type { ProviderId } from "./catalog";
import { discordAdapter } from "./discord";
import { emailForwardingAdapter } from "./email-forwarding";
import { freshdeskAdapter } from "./freshdesk";
import { googleAnalyticsAdapter } from "./google-analytics";
import { hubspotAdapter } from "./hubspot";
import { mailchimpAdapter } from "./mailchimp";
import { teamsAdapter } from "./microsoft-teams";
import { pipedriveAdapter } from "./pipedrive";
import { salesforceAdapter } from "./salesforce";
import { segmentAdapter } from "./segment";
import { shopifyAdapter } from "./shopify";
import { slackAdapter } from "./slack";
import { whatsAppAdapter } from "./whatsapp-business";
import { wooCommerceAdapter } from "./woocommerce";
import { zapierAdapter } from "./zapier";
import { zendeskAdapter } from "./zendesk";

export type Registry = Readonly<Record<ProviderId, ProviderAdapter>>;

export const REGISTRY: Registry = {
  slack: slackAdapter,
  "microsoft-teams": teamsAdapter,
  discord: discordAdapter,
  salesforce: salesforceAdapter,
  hubspot: hubspotAdapter,
  pipedrive: pipedriveAdapter,
  zendesk: zendeskAdapter,
  freshdesk: freshdeskAdapter,
  "google-analytics": googleAnalyticsAdapter,
  segment: segmentAdapter,
  shopify: shopifyAdapter,
  woocommerce: wooCommerceAdapter,
  mailchimp: mailchimpAdapter,
  activecampaign: activeCampaignAdapter,
  "whatsapp-business": whatsAppAdapter,
  zapier: zapierAdapter,
  "email-forwarding": emailForwardingAdapter,
};

/** The adapter for a provider id from a URL or a row; null for an unknown id (a 404, never a throw). */
export function findAdapter(id: string | null | undefined, registry: Registry = REGISTRY): ProviderAdapter | null {
  return id && Object.hasOwn(registry, id) ? registry[id as ProviderId] : null;
}

/** Whether the connected card offers Configure: a settings form, or a screen of the adapter's own (Zapier's). */
export function configureScreenOf(adapter: ProviderAdapter): boolean {
  return Boolean(adapter.settings) || Boolean(adapter.configureScreen);
}

/**
 * The integration whose managed subscriptions (REST hooks) carry this endpoint source; null for
 * the company's own endpoints. The one place an endpoint's source is tied to a provider.
 */
export function hookSubscriptionOwner(
  source: EndpointSource,
  registry: Registry = REGISTRY,
): (ProviderAdapter & { hookSubscriptions: HookSubscriptions }) | null {
  if (source === "user") return null;
  for (const adapter of listAdapters(registry)) {
    if (adapter.hookSubscriptions?.source === source) return adapter as ProviderAdapter & { hookSubscriptions: HookSubscriptions };
  }
  return null;
}

export function listAdapters(registry: Registry = REGISTRY): ProviderAdapter[] {
  return Object.values(registry);
}

/** Why a customer channel refuses an agent's or the AI's reply in this conversation now; null when none does. */
/** The channels some adapter's reply rule covers; null when a rule names none (it covers every channel). */
export function channelsWithReplyRules(registry: Registry = REGISTRY): ConversationChannel[] | null {
  const out: ConversationChannel[] = [];
  for (const adapter of listAdapters(registry)) {
    if (!adapter.replyRefusal) continue;
    if (!adapter.replyRulesChannels) return null;
    out.push(...adapter.replyRulesChannels);
  }
  return out;
}

export async function channelReplyRefusal(
  input: Parameters<NonNullable<ProviderAdapter["replyRefusal"]>>[0],
  registry: Registry = REGISTRY,
): Promise<string | null> {
  for (const adapter of listAdapters(registry)) {
    const reason = adapter.replyRefusal ? await adapter.replyRefusal(input) : null;
    if (reason) return reason;
  }
  return null;
}
