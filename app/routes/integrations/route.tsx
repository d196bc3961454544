import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Outlet, useLoaderData, useLocation } from "@remix-run/react";
import { AppShell } from "~/components/app-shell";
import { TabNav } from "~/components/tabs";
import { initials } from "~/lib/auth/users.server";
import { appBaseUrl } from "~/lib/env";
import { requireAdmin } from "~/sessions.server";

export const handle = { access: "admin" };

export const meta: MetaFunction = () => [{ title: "Integrations" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireAdmin(request, context);
  return json({
    user: { name: user.name, email: user.email, initials: initials(user.name), companyName: user.company.name },
    appBaseUrl: appBaseUrl(context.cloudflare.env),
  });
}

export const TABS = [
  { to: "/integrations", label: "Connected", end: true },
  { to: "/integrations/available", label: "Available" },
  { to: "/integrations/developers", label: "API & Webhooks" },
];

export default function IntegrationsLayout() {
  const { user, appBaseUrl } = useLoaderData<typeof loader>();
  const location = useLocation();
  // Connected-tab modals (/integrations/:provider/…) keep the Connected tab current.
  const tabs = TABS.map((t) => (t.end && isConnectedTabChild(location.pathname) ? { ...t, end: false } : t));
  return (
    <AppShell user={user} appBaseUrl={appBaseUrl} title="Integrations">
      <div className="mx-auto max-w-6xl">
        <h1 className="sr-only md:not-sr-only md:mb-5 md:block md:text-2xl md:font-semibold md:tracking-tight">Integrations</h1>
        <TabNav label="Integrations sections" tabs={tabs} />
        <div className="pt-6">
          <Outlet />
        </div>
      </div>
    </AppShell>
  );
}

function isConnectedTabChild(pathname: string) {
  return !pathname.startsWith("/integrations/available") && !pathname.startsWith("/integrations/developers") && pathname !== "/integrations";
}
