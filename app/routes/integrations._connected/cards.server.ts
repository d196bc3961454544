import type { CurrentUser } from "~/lib/auth/users.server";
import type { Env } from "~/lib/env";
import { findProvider, hasConfigureScreen } from "~/lib/integrations/catalog";
import type { ConnectedOverview } from "~/lib/integrations/connections.server";
import { activeZapsLine } from "~/lib/integrations/zapier/hooks.server";
import type { ConnectedCardData } from "./connected-card";
import { forwardingAddress, sandboxedProviderIds } from "./shared.server";

/**
 * The Connected tab's cards. Kept in a .server module so the catalog (and zod with it) never
 * reaches the browser bundle of /integrations.
 */
export function connectedCards({ env, user, overview }: { env: Env; user: CurrentUser; overview: ConnectedOverview }): ConnectedCardData[] {
  const sandboxed = new Set(sandboxedProviderIds(env));
  const cards: ConnectedCardData[] = [];
  for (const c of overview.connections) {
    const provider = findProvider(c.provider);
    if (!provider) continue;
    const channel = typeof c.config.channel === "string" && c.config.channel ? c.config.channel : null;
    let copy: string | null = null;
    let info = c.accountLabel ? `Account: ${c.accountLabel}` : "Connected";
    if (provider.id === "slack") info = channel ? `Connected to: ${channel.startsWith("#") ? channel : `#${channel}`}` : `Workspace: ${c.accountLabel ?? "unknown"} · no channel chosen yet`;
    if (provider.id === "email-forwarding") info = copy = forwardingAddress(env, user.company.slug);
    if (provider.id === "zapier") info = activeZapsLine(overview.zapierSubscriptions);
    cards.push({
      id: provider.id,
      name: provider.name,
      logo: provider.logo,
      shortDescription: provider.shortDescription,
      worksToday: provider.worksToday,
      status: c.status,
      info,
      copy,
      lastError: c.status === "connected" ? null : c.lastError,
      lastSuccessAt: c.lastSuccessAt?.toISOString() ?? null,
      errors24h: overview.failures24h[provider.id] ?? 0,
      configurable: hasConfigureScreen(provider),
      sandbox: sandboxed.has(provider.id),
    });
  }
  return cards;
}
