import type * as z from "zod";
import type { OAuthSpec } from "../oauth/spec";

export const categoryIds = ["crm", "communication", "analytics", "ecommerce", "support", "marketing", "automation"] as const;
export type CategoryId = (typeof categoryIds)[number];

export const CATEGORY_LABELS: Record<CategoryId, string> = {
  crm: "CRM",
  communication: "Communication",
  analytics: "Analytics",
  ecommerce: "E-commerce",
  support: "Support",
  marketing: "Marketing",
  automation: "Automation",
};

export type AuthKind = "oauth2" | "api_key" | "built_in";

/** What the product really does with a connection today. The UI shows only these as working. */
export type Capability = "connect" | "show_account" | "configure" | "disconnect" | "notifications" | "inbound_email" | "zapier_triggers";

export type { OAuthSpec } from "../oauth/spec";

/**
 * A shape check on a credential field before anything is sent to the provider, each with a message
 * written for people (the credential check itself is the adapter's `verifyCredential`).
 */
export type ApiKeyFieldFormat = "subdomain" | "email" | "hostname" | "https_url" | "digits";

export type ApiKeyField = {
  name: string;
  label: string;
  secret: boolean;
  placeholder?: string;
  hint?: string;
  format?: ApiKeyFieldFormat;
  /** The message when the field is left empty; default "Enter the <label>". */
  missing?: string;
};

export type ApiKeySpec = {
  fields: readonly ApiKeyField[];
  /** Which non-secret field names the account label (e.g. the shop domain). */
  labelField: string;
  /** Where to find the key, in plain words. */
  help: string;
  /**
   * Base-URL env vars of the provider's API with their real defaults (e.g. `FRESHDESK_BASE`):
   * set → the sandbox badge shows and the adapter's client talks to that URL.
   */
  baseUrls?: Record<string, string>;
};

export type Provider = {
  id: string;
  name: string;
  /** The `performed_by.type` of changes made with this integration's dedicated key (public contract), when it has its own. */
  actsAs?: string;
  category: CategoryId;
  shortDescription: string;
  longDescription: string;
  /** What the product will do with it: listed under "Coming soon" unless it is in `worksToday`. */
  features: readonly string[];
  /** Plain-word permissions shown before connecting. */
  permissions: readonly string[];
  authKind: AuthKind;
  capabilities: readonly Capability[];
  /** One honest line: what connecting does today. */
  worksToday: string;
  /** Features that are planned but not built: shown as "Coming soon", never as working. */
  comingSoon: readonly string[];
  disconnectEffects: readonly string[];
  /** Brand-ish colour and letters for the project's own logo mark. */
  logo: { bg: string; fg: string; text: string; shape: "rounded" | "circle" | "hex" | "diamond" };
  oauth?: OAuthSpec;
  apiKey?: ApiKeySpec;
  /** Settings shown on the Configure screen (booleans, enums, short strings). */
  configSchema?: z.ZodObject<z.ZodRawShape>;
};
