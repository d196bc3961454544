import type { MetaFunction } from "@remix-run/cloudflare";
import { Outlet, useLoaderData, useLocation, useMatches } from "@remix-run/react";
import { AppShell } from "~/components/app-shell";
import { HealthAlerts } from "~/components/health-alerts";
import { TabNav } from "~/components/tabs";
import type { ShellData } from "~/shell.server";
// The loader lives in loader.server.ts: a browser-safe module the loader alone uses (e.g. the alert wording,
// which reads the catalog) would otherwise be bundled for the browser, zod and all.
import type { loader } from "./layout-loader.server";

export { loader } from "./layout-loader.server";

export const handle = { access: "admin" };

export const meta: MetaFunction = () => [{ title: "Integrations" }];

export const TABS = [
  { to: "/integrations", label: "Connected", end: true },
  { to: "/integrations/available", label: "Available" },
  { to: "/integrations/developers", label: "API & Webhooks" },
];

export default function IntegrationsLayout() {
  const shell = useMatches()
    .map((m) => (m.data as { shell?: ShellData } | undefined)?.shell)
    .find(Boolean);
  if (!shell) throw new Error("an /integrations tab must return `shell` from its loader");
  const { user, appBaseUrl } = shell;
  const { alerts } = useLoaderData<typeof loader>();
  const location = useLocation();
  // Connected-tab modals (/integrations/:provider/…) keep the Connected tab current.
  const tabs = TABS.map((t) => (t.end && isConnectedTabChild(location.pathname) ? { ...t, end: false } : t));
  return (
    <AppShell user={user} appBaseUrl={appBaseUrl} title="Integrations">
      <div className="mx-auto max-w-6xl">
        <h1 className="sr-only md:not-sr-only md:mb-5 md:block md:text-2xl md:font-semibold md:tracking-tight">Integrations</h1>
        <TabNav label="Integrations sections" tabs={tabs} />
        <div className="pt-6">
          <HealthAlerts alerts={alerts} />
          <Outlet />
        </div>
      </div>
    </AppShell>
  );
}

function isConnectedTabChild(pathname: string) {
  return (
    !pathname.startsWith("/integrations/available") && !pathname.startsWith("/integrations/developers") && pathname !== "/integrations"
  );
}
