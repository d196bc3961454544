import { json, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Outlet, useLoaderData, useSubmit } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { AvailableSection } from "~/components/available-list";
import { allProviderIds, availableListing } from "~/integration-routes.server";
import { connectionsByProviders } from "~/lib/integrations/connections.server";
import { requireAdminWith } from "~/sessions.server";
import { shellData } from "~/shell.server";

export const handle = { access: "admin" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const env = context.cloudflare.env;
  // one D1 round trip: the admin check and the connection statuses share a db.batch
  const {
    user,
    results: [connected],
  } = await requireAdminWith(
    request,
    context,
    (db, companyId) => [connectionsByProviders({ db, companyId, providers: [...allProviderIds] })] as const,
  );
  const url = new URL(request.url);
  // the detail modal keeps the search and the filter, so closing it returns to the same list
  const listing = availableListing({
    url,
    env,
    connected: new Set(connected.map((c) => c.provider)),
    href: (id) => `/integrations/available/${id}${url.search}`,
  });
  return json({ ...listing, shell: shellData(user, env) });
}

export default function AvailableTab() {
  const { q, category, chips, items } = useLoaderData<typeof loader>();
  const submit = useSubmit();
  const searchRef = useRef<HTMLInputElement>(null);
  // Keep the box in step when q changes by navigation (chips, Clear filters), not while typing.
  useEffect(() => {
    const input = searchRef.current;
    if (input && document.activeElement !== input) input.value = q;
  }, [q]);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => () => clearTimeout(timer.current), []);
  return (
    <>
      <AvailableSection
        path="/integrations/available"
        q={q}
        category={category}
        chips={chips}
        items={items}
        searchRef={searchRef}
        onSearchChange={(e) => {
          const form = e.currentTarget;
          clearTimeout(timer.current);
          timer.current = setTimeout(() => submit(form, { replace: true, preventScrollReset: true }), 250);
        }}
      />
      <Outlet />
    </>
  );
}
