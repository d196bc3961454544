import { sandboxedProviderIds } from "~/integration-routes.server";
import type { CurrentUser } from "~/lib/auth/users.server";
import type { Env } from "~/lib/env";
import type { ConnectedOverview } from "~/lib/integrations/connections.server";
import { readSettings } from "~/lib/integrations/pipeline.server";
import { configureScreenOf, findAdapter } from "~/lib/integrations/registry";
import type { ConnectedCardData } from "./connected-card";

/**
 * The Connected tab's cards, each line from the provider's adapter. Kept in a .server module so
 * the registry (and zod with it) never reaches the browser bundle of /integrations.
 */
export function connectedCards({ env, user, overview }: { env: Env; user: CurrentUser; overview: ConnectedOverview }): ConnectedCardData[] {
  const sandboxed = new Set(sandboxedProviderIds(env));
  const cards: ConnectedCardData[] = [];
  for (const c of overview.connections) {
    const adapter = findAdapter(c.provider);
    if (!adapter) continue;
    const { provider } = adapter;
    const line = adapter.card?.info({
      connection: c,
      settings: readSettings(adapter, c.config),
      company: user.company,
      env,
      queried: overview.cardRows[adapter.id],
    }) ?? {
      info: c.accountLabel ? `Account: ${c.accountLabel}` : "Connected",
    };
    cards.push({
      id: provider.id,
      name: provider.name,
      logo: provider.logo,
      // an integration that does nothing yet says so instead of its pitch
      description: line.description ?? (adapter.features.length ? provider.shortDescription : provider.worksToday),
      status: c.status,
      info: line.info,
      copy: line.copy ?? null,
      lastError: c.status === "connected" ? null : c.lastError,
      lastSuccessAt: (line.health ? line.health.lastSuccessAt : c.lastSuccessAt)?.toISOString() ?? null,
      errors24h: line.health?.errors24h ?? overview.failures24h[provider.id] ?? 0,
      actions24h: line.health?.actions24h ?? overview.actions24h[provider.id] ?? 0,
      configurable: configureScreenOf(adapter),
      sandbox: sandboxed.has(provider.id),
    });
  }
  return cards;
}
