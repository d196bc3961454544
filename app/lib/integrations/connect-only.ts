/**
 * The adapter of an integration that only connects so far: it stores the credential and shows the
 * account, and lists no feature as working (its catalog `features` stay "Coming soon").
 */

import type { ProviderAdapter } from "./adapter";
import { CATALOG, type ProviderId } from "./catalog";

export function connectOnlyAdapter(id: ProviderId): ProviderAdapter {
  const provider = CATALOG[id];
  return { id, provider, features: [], settings: provider.capabilities.includes("configure") ? provider.configSchema : undefined };
}
