/**
 * What the integration screens share (the Connected tab, Available, connect, configure, callback,
 * activity, disconnect): the provider and connection named in the URL, or the one 404; the
 * adapter; the dependencies. Kept out of any route folder so no route imports from another's.
 */
import type { AppLoadContext } from "@remix-run/cloudflare";
import type { CurrentUser } from "~/lib/auth/users.server";
import { createDb } from "~/lib/db/client";
import { appDeps } from "~/lib/deps.server";
import type { Env } from "~/lib/env";
import { notFound } from "~/lib/http/responses";
import type { ProviderAdapter } from "~/lib/integrations/adapter";
import { findProvider, isSandboxed, listProviders, type Provider, type ProviderId } from "~/lib/integrations/catalog";
import type { ConnectDeps } from "~/lib/integrations/connect.server";
import { findConnection } from "~/lib/integrations/connections.server";
import { configureScreenOf, findAdapter } from "~/lib/integrations/registry";

/** The provider named in the URL, or a 404. */
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
