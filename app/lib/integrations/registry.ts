/**
 * Every integration's adapter, by provider id: the one place generic code asks "what does this
 * integration do?" (DESIGN §5b). Adding an integration = one folder + one line here. Server-only
 * (adapters import their clients); the browser-safe catalog is `catalog.ts`.
 */
import { activeCampaignAdapter } from "./activecampaign";
import type { ProviderAdapter } from "./adapter";
import type { ProviderId } from "./catalog";
import { connectOnlyAdapter } from "./connect-only";
import { emailForwardingAdapter } from "./email-forwarding";
import { freshdeskAdapter } from "./freshdesk";
import { hubspotAdapter } from "./hubspot";
import { mailchimpAdapter } from "./mailchimp";
import { pipedriveAdapter } from "./pipedrive";
import { salesforceAdapter } from "./salesforce";
import { shopifyAdapter } from "./shopify";
import { slackAdapter } from "./slack";
import { wooCommerceAdapter } from "./woocommerce";
import { zapierAdapter } from "./zapier";
import { zendeskAdapter } from "./zendesk";

export type Registry = Readonly<Record<ProviderId, ProviderAdapter>>;

export const REGISTRY: Registry = {
  slack: slackAdapter,
  "microsoft-teams": connectOnlyAdapter("microsoft-teams"),
  discord: connectOnlyAdapter("discord"),
  salesforce: salesforceAdapter,
  hubspot: hubspotAdapter,
  pipedrive: pipedriveAdapter,
  zendesk: zendeskAdapter,
  freshdesk: freshdeskAdapter,
  "google-analytics": connectOnlyAdapter("google-analytics"),
  segment: connectOnlyAdapter("segment"),
  shopify: shopifyAdapter,
  woocommerce: wooCommerceAdapter,
  mailchimp: mailchimpAdapter,
  activecampaign: activeCampaignAdapter,
  "whatsapp-business": connectOnlyAdapter("whatsapp-business"),
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

export function listAdapters(registry: Registry = REGISTRY): ProviderAdapter[] {
  return Object.values(registry);
}
