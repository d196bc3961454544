import { json, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, Link, Outlet, useLoaderData, useSubmit } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { SearchIcon } from "~/components/icons";
import { IntegrationLogo, SandboxBadge } from "~/components/integration-logo";
import { sandboxedProviderIds } from "~/integration-routes.server";
import { CATEGORY_CHIPS, CategoryFilterSchema, categoryLabel, providerIds, searchCatalog } from "~/lib/integrations/catalog";
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
    (db, companyId) => [connectionsByProviders({ db, companyId, providers: [...providerIds] })] as const,
  );
  const url = new URL(request.url);
  const q = (url.searchParams.get("q") ?? "").slice(0, 100);
  const category = CategoryFilterSchema.parse(url.searchParams.get("category") ?? "all");
  const status = new Map(connected.map((c) => [c.provider, c.status]));
  const sandboxed = new Set(sandboxedProviderIds(env));
  const items = searchCatalog({ q, category }).map((p) => ({
    id: p.id,
    name: p.name,
    logo: p.logo,
    category: categoryLabel(p.category),
    shortDescription: p.shortDescription,
    connected: status.has(p.id),
    sandbox: sandboxed.has(p.id),
  }));
  return json({ q, category, items, shell: shellData(user, context.cloudflare.env) });
}

export default function AvailableTab() {
  const { q, category, items } = useLoaderData<typeof loader>();
  const submit = useSubmit();
  const formRef = useRef<HTMLFormElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  // Keep the box in step when q changes by navigation (chips, Clear filters), not while typing.
  useEffect(() => {
    const input = searchRef.current;
    if (input && document.activeElement !== input) input.value = q;
  }, [q]);
  const keep = new URLSearchParams();
  if (q) keep.set("q", q);
  if (category !== "all") keep.set("category", category);
  const suffix = keep.size ? `?${keep}` : "";
  const timer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => () => clearTimeout(timer.current), []);
  const submitSoon = (form: HTMLFormElement) => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => submit(form, { replace: true, preventScrollReset: true }), 250);
  };
  return (
    <>
      <section aria-labelledby="available-heading">
        <h2 id="available-heading" className="mb-4 text-lg font-semibold">
          Available Integrations
        </h2>
        <Form method="get" ref={formRef} role="search" aria-label="Search integrations" onChange={(e) => submitSoon(e.currentTarget)}>
          {category !== "all" ? <input type="hidden" name="category" value={category} /> : null}
          <div className="flex gap-2">
            <label htmlFor="integration-search" className="sr-only">
              Search integrations
            </label>
            <div className="relative flex-1">
              <SearchIcon className="pointer-events-none absolute left-3 top-1/2 size-4 -translate-y-1/2 text-slate-500" />
              <input
                ref={searchRef}
                id="integration-search"
                type="search"
                name="q"
                defaultValue={q}
                placeholder="Search integrations..."
                className="input pl-9"
                maxLength={100}
              />
            </div>
            <button type="submit" className="btn-secondary">
              Search
            </button>
          </div>
        </Form>
        <nav className="mt-3 flex flex-wrap gap-2" aria-label="Filter by category">
          {CATEGORY_CHIPS.map((chip) => {
            const active = chip.id === category;
            const params = new URLSearchParams();
            if (q) params.set("q", q);
            if (chip.id !== "all") params.set("category", chip.id);
            return (
              <Link
                key={chip.id}
                to={`/integrations/available${params.size ? `?${params}` : ""}`}
                replace
                preventScrollReset
                aria-current={active ? "page" : undefined}
                className={`rounded-full border px-3 py-1 text-sm font-medium ${active ? "border-brand-600 bg-brand-600 text-white" : "border-slate-300 bg-white text-slate-700 hover:bg-slate-50"}`}
              >
                {chip.label}
              </Link>
            );
          })}
        </nav>
        {items.length === 0 ? (
          <div className="card mt-5 p-8 text-center">
            <p className="text-sm text-slate-700">
              No integrations match{q ? ` “${q}”` : ""}
              {category !== "all" ? " in this category" : ""}.
            </p>
            <Link to="/integrations/available" className="btn-secondary mt-4">
              Clear filters
            </Link>
          </div>
        ) : (
          <ul className="mt-5 grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-4" aria-label="Integrations">
            {items.map((item) => (
              <li key={item.id} className="card flex flex-col items-center p-4 text-center">
                <IntegrationLogo provider={item} className="size-12" />
                <h3 className="mt-3 font-semibold text-slate-900">{item.name}</h3>
                <p className="text-sm text-slate-600">{item.category}</p>
                {item.sandbox ? (
                  <div className="mt-1">
                    <SandboxBadge />
                  </div>
                ) : null}
                <div className="mt-auto pt-3">
                  {item.connected ? (
                    <Link
                      to={`/integrations/available/${item.id}${suffix}`}
                      preventScrollReset
                      className="badge bg-emerald-50 text-emerald-800 ring-1 ring-emerald-200"
                      aria-label={`${item.name}: connected, view details`}
                    >
                      ✓ Connected
                    </Link>
                  ) : (
                    <Link
                      to={`/integrations/available/${item.id}${suffix}`}
                      className="btn-primary"
                      aria-label={`Connect ${item.name}`}
                      preventScrollReset
                    >
                      Connect
                    </Link>
                  )}
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
      <Outlet />
    </>
  );
}
