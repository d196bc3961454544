/**
 * The integration catalog (architecture.md §5): a typed registry the browser may use too (no secrets here,
 * only env var *names*). Each entry says plainly what works today (`worksToday`, `capabilities`)
 * and what is still coming (`comingSoon`); the UI never presents the latter as working.
 */
import * as z from "zod";
import { activeCampaign, googleAnalytics, mailchimp, segment } from "./entries/analytics-marketing";
import { emailForwarding, zapier } from "./entries/built-in";
import { discord, slack, teams } from "./entries/communication";
import { hubspot, pipedrive, salesforce } from "./entries/crm";
import { freshdesk, shopify, whatsapp, woocommerce, zendesk } from "./entries/support-commerce";
import { CATEGORY_LABELS, type CategoryId, categoryIds, type Provider } from "./types";

export * from "./types";

export const providerIds = [
  "slack",
  "microsoft-teams",
  "discord",
  "salesforce",
  "hubspot",
  "pipedrive",
  "zendesk",
  "freshdesk",
  "google-analytics",
  "segment",
  "shopify",
  "woocommerce",
  "mailchimp",
  "activecampaign",
  "whatsapp-business",
  "zapier",
  "email-forwarding",
] as const;
export const ProviderIdSchema = z.enum(providerIds);
export type ProviderId = z.infer<typeof ProviderIdSchema>;

export const CATALOG: Record<ProviderId, Provider> = {
  slack,
  "microsoft-teams": teams,
  discord,
  salesforce,
  hubspot,
  pipedrive,
  zendesk,
  freshdesk,
  "google-analytics": googleAnalytics,
  segment,
  shopify,
  woocommerce,
  mailchimp,
  activecampaign: activeCampaign,
  "whatsapp-business": whatsapp,
  zapier,
  "email-forwarding": emailForwarding,
};

/** The `performed_by.type` values integrations add to the contract's own (contact, ai, agent, api_key, system). */
export const INTEGRATION_PERFORMERS: readonly string[] = Object.values(CATALOG).flatMap((p) => (p.actsAs ? [p.actsAs] : []));

export function listProviders(): Provider[] {
  return providerIds.map((id) => CATALOG[id]);
}

/** The provider for a URL segment, or null (unknown ids are a 404, never a throw). */
export function findProvider(id: string | undefined | null): (Provider & { id: ProviderId }) | null {
  const parsed = ProviderIdSchema.safeParse(id);
  return parsed.success ? (CATALOG[parsed.data] as Provider & { id: ProviderId }) : null;
}

export const CategoryFilterSchema = z.enum(["all", ...categoryIds]).catch("all");
export const CATEGORY_CHIPS: { id: "all" | CategoryId; label: string }[] = [
  { id: "all", label: "All" },
  ...categoryIds.map((id) => ({ id, label: CATEGORY_LABELS[id] })),
];

/** Available-tab filtering: case-insensitive match on name, category and descriptions. */
export function searchCatalog({ q, category }: { q?: string | null; category?: string | null }): Provider[] {
  const cat = CategoryFilterSchema.parse(category ?? "all");
  const needle = (q ?? "").trim().toLowerCase().slice(0, 100);
  return listProviders().filter((p) => {
    if (cat !== "all" && p.category !== cat) return false;
    if (!needle) return true;
    const hay = [p.name, CATEGORY_LABELS[p.category], p.shortDescription, p.longDescription].join(" ").toLowerCase();
    return hay.includes(needle);
  });
}

type EnvLike = Record<string, unknown>;

/** The provider's base-URL env vars (OAuth and API) with their real defaults. */
export function providerBaseUrls(provider: Provider): Record<string, string> {
  return { ...provider.oauth?.baseUrls, ...provider.apiKey?.baseUrls };
}

/** True when any of the provider's base URLs points somewhere other than the real provider. */
export function isSandboxed(provider: Provider, env: EnvLike): boolean {
  return Object.entries(providerBaseUrls(provider)).some(([name, real]) => {
    const value = env[name];
    return typeof value === "string" && value.trim() !== "" && value.trim().replace(/\/+$/, "") !== real;
  });
}

/** Every provider base-URL env var with its real default (the sandbox maps these to itself). */
export function providerBaseUrlVars(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of listProviders()) Object.assign(out, providerBaseUrls(p));
  return out;
}

export function categoryLabel(id: CategoryId): string {
  return CATEGORY_LABELS[id];
}
