import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Outlet, useLoaderData, useLocation, useMatches } from "@remix-run/react";
import { AppShell } from "~/components/app-shell";
import { HealthAlerts } from "~/components/health-alerts";
import { TabNav } from "~/components/tabs";
// Only .server imports here besides components: a browser-safe module the loader alone uses (e.g. the
// alert wording, which reads the catalog) would still be bundled for the browser, zod and all.
import { openAlertsQuery, openAlertViews } from "~/lib/alerts/alerts.server";
import { requireAdminWith } from "~/sessions.server";
import type { ShellData } from "~/shell.server";

export const handle = { access: "admin" };

export const meta: MetaFunction = () => [{ title: "Integrations" }];

// Every tab's loader checks the admin and returns `shell` (see shell.server.ts). This one reads the
// open health alerts (ADR 0110) for the banner: its statement joins the tab's in the request's one
// D1 batch (requireAdminWith), so the banner costs no round trip of its own.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const {
    results: [rows],
  } = await requireAdminWith(request, context, (db, companyId) => [openAlertsQuery(db, companyId)] as const);
  return { alerts: openAlertViews(rows) };
}

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
