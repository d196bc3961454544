import { json, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Link, Outlet, useLoaderData } from "@remix-run/react";
import { findProvider, hasConfigureScreen } from "~/lib/integrations/catalog";
import { loadConnectedOverview } from "~/lib/integrations/connections.server";
import { activeZapsLine } from "~/lib/integrations/zapier/hooks.server";
import { requireAdmin } from "~/sessions.server";
import { ConnectedCard, type ConnectedCardData } from "./connected-card";
import { forwardingAddress, sandboxedProviderIds } from "./shared.server";

export const handle = { access: "admin" };

/** The Connected tab, and the layout its modals (connect, configure, disconnect…) render over. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireAdmin(request, context);
  const env = context.cloudflare.env;
  const now = new Date();
  // One D1 round trip for the whole list (connections + 24 h failure counts in one batch).
  const overview = await loadConnectedOverview({ d1: env.DB, companyId: user.company.id, now });
  const sandboxed = new Set(sandboxedProviderIds(env));
  const cards: ConnectedCardData[] = [];
  for (const c of overview.connections) {
    const provider = findProvider(c.provider);
    if (!provider) continue;
    const channel = typeof c.config.channel === "string" && c.config.channel ? c.config.channel : null;
    let info = c.accountLabel ? `Account: ${c.accountLabel}` : "Connected";
    if (provider.id === "slack") info = channel ? `Connected to: ${channel.startsWith("#") ? channel : `#${channel}`}` : `Workspace: ${c.accountLabel ?? "unknown"} · no channel chosen yet`;
    if (provider.id === "email-forwarding") info = forwardingAddress(env, user.company.slug);
    if (provider.id === "zapier") info = activeZapsLine(overview.zapierSubscriptions);
    cards.push({
      id: provider.id,
      name: provider.name,
      logo: provider.logo,
      shortDescription: provider.shortDescription,
      worksToday: provider.worksToday,
      status: c.status,
      info,
      lastError: c.status === "connected" ? null : c.lastError,
      lastSuccessAt: c.lastSuccessAt?.toISOString() ?? null,
      errors24h: overview.failures24h[provider.id] ?? 0,
      configurable: hasConfigureScreen(provider),
      sandbox: sandboxed.has(provider.id),
    });
  }
  return json({ cards });
}

export default function ConnectedLayout() {
  const { cards } = useLoaderData<typeof loader>();
  return (
    <>
      <section aria-labelledby="connected-heading">
        <h2 id="connected-heading" className="mb-4 text-lg font-semibold">{`Connected Integrations (${cards.length})`}</h2>
        {cards.length === 0 ? (
          <div className="card p-8 text-center">
            <p className="mx-auto max-w-md text-sm text-slate-600">
              Nothing is connected yet. Browse the available integrations to connect Slack, your CRM, or email forwarding.
            </p>
            <Link to="/integrations/available" className="btn-primary mt-5">Browse available integrations</Link>
          </div>
        ) : (
          <ul className="space-y-4">
            {cards.map((card) => (
              <li key={card.id}>
                <ConnectedCard card={card} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <Outlet />
    </>
  );
}
