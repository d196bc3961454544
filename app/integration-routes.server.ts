/**
 * What the integration screens share (the Connected tab, Available, connect, configure, callback,
 * activity, disconnect): the provider and connection named in the URL, or the one 404; the
 * adapter; the dependencies. Kept out of any route folder so no route imports from another's.
 */
import type { AppLoadContext } from "@remix-run/cloudflare";
import type { AvailableItem, CategoryChip } from "~/components/available-list";
import type { CurrentUser } from "~/lib/auth/users.server";
import { createDb, type Db } from "~/lib/db/client";
import { appDeps } from "~/lib/deps.server";
import type { Env } from "~/lib/env";
import { notFound } from "~/lib/http/responses";
import type { ProviderAdapter } from "~/lib/integrations/adapter";
import {
  CATEGORY_CHIPS,
  CategoryFilterSchema,
  categoryLabel,
  findProvider,
  isSandboxed,
  listProviders,
  type Provider,
  type ProviderId,
  providerIds,
  searchCatalog,
} from "~/lib/integrations/catalog";
import type { ConnectDeps } from "~/lib/integrations/connect.server";
import { type ConnectionRow, findConnection } from "~/lib/integrations/connections.server";
import { configureScreenOf, findAdapter } from "~/lib/integrations/registry";
import { requireAdminWith } from "~/sessions.server";

/** The provider named in the URL, or a 404. */
/** Every provider id, for loaders: routes take it from here so the catalog (and the zod in its entries) stays out of their browser JS. */
export const allProviderIds = providerIds;

export function requireProvider(id: string | undefined): Provider & { id: ProviderId } {
  const provider = findProvider(id);
  if (!provider) throw notFound("There is no such integration.");
  return provider;
}

/** This company's connection to the provider, or a 404 (another company's connection is invisible). */
export async function requireConnection(context: AppLoadContext, user: CurrentUser, provider: Provider) {
  const connection = await findConnection({ db: createDb(context.cloudflare.env.DB), companyId: user.company.id, provider: provider.id });
  if (!connection) throw notFound(`${provider.name} is not connected.`);
  return connection;
}

/**
 * The admin, the provider named in the URL and this company's connection to it (or null), with
 * `extra` reads, all in the request's one D1 round trip (ADR 0045). An unknown provider is a 404
 * once the admin check has passed.
 */
export async function adminWithConnection<T extends readonly unknown[]>(
  request: Request,
  context: AppLoadContext,
  providerId: string | undefined,
  extra?: (db: Db, companyId: string, provider: Provider & { id: ProviderId }) => T,
) {
  const provider = findProvider(providerId);
  const { user, results } = await requireAdminWith(request, context, (db, companyId) =>
    provider
      ? ([findConnection({ db, companyId, provider: provider.id }), ...(extra?.(db, companyId, provider) ?? [])] as const)
      : ([] as const),
  );
  if (!provider) throw notFound("There is no such integration.");
  const [connection, ...rest] = results as unknown as [ConnectionRow | undefined, ...unknown[]];
  return { user, provider, connection: connection ?? null, extras: rest as unknown as { -readonly [K in keyof T]: Awaited<T[K]> } };
}

/** adminWithConnection, with a 404 when the provider is not connected. */
export async function adminWithRequiredConnection<T extends readonly unknown[]>(
  request: Request,
  context: AppLoadContext,
  providerId: string | undefined,
  extra?: (db: Db, companyId: string, provider: Provider & { id: ProviderId }) => T,
) {
  const found = await adminWithConnection(request, context, providerId, extra);
  if (!found.connection) throw notFound(`${found.provider.name} is not connected.`);
  return { ...found, connection: found.connection };
}

export function connectDeps(context: AppLoadContext): ConnectDeps {
  return appDeps(context.cloudflare.env);
}

/** The provider's adapter (server-only: route files must not pull the registry into the browser). */
export function adapterOf(provider: Pick<Provider, "id">): ProviderAdapter {
  const adapter = findAdapter(provider.id);
  if (!adapter) throw notFound("There is no such integration.");
  return adapter;
}

/** Whether the connected card offers Configure (settings, or a screen of the adapter's own). */
export function hasConfigureScreen(provider: Pick<Provider, "id">): boolean {
  return configureScreenOf(adapterOf(provider));
}

export function sandboxedProviderIds(env: Env): string[] {
  return listProviders()
    .filter((p) => isSandboxed(p, env))
    .map((p) => p.id);
}

export type AvailableListing = { q: string; category: string; chips: CategoryChip[]; items: AvailableItem[] };

/**
 * The "Available Integrations" list for a request's `?q=` and `?category=`. `hide` leaves out
 * providers (the Connected tab lists only what is not connected yet); `href` says where each
 * card's Connect leads.
 */
export function availableListing({
  url,
  env,
  connected,
  hide = false,
  href,
}: {
  url: URL;
  env: Env;
  connected: ReadonlySet<string>;
  hide?: boolean;
  href: (id: ProviderId, connected: boolean) => string;
}): AvailableListing {
  const q = (url.searchParams.get("q") ?? "").slice(0, 100);
  const category = CategoryFilterSchema.parse(url.searchParams.get("category") ?? "all");
  const sandboxed = new Set(sandboxedProviderIds(env));
  const items = searchCatalog({ q, category })
    .filter((p) => !(hide && connected.has(p.id)))
    .map((p) => {
      const id = p.id as ProviderId;
      return {
        id,
        name: p.name,
        logo: p.logo,
        category: categoryLabel(p.category),
        connected: connected.has(id),
        sandbox: sandboxed.has(id),
        href: href(id, connected.has(id)),
      };
    });
  return { q, category, chips: CATEGORY_CHIPS, items };
}

/**
 * What the modals list for a provider: its adapter's features (what is built), and the catalog's
 * planned ones that the adapter does not do yet.
 */
export function featuresOf(provider: Pick<Provider, "id" | "comingSoon">): { features: string[]; comingSoon: string[] } {
  const features = [...adapterOf(provider).features];
  return { features, comingSoon: provider.comingSoon.filter((f) => !features.includes(f)) };
}
