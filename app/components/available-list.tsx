import { Form, Link } from "@remix-run/react";
import type { FormEvent, Ref } from "react";
import type { Provider } from "~/lib/integrations/types";
import { Icon } from "./icon";
import { IntegrationLogo, SandboxBadge } from "./integration-logo";

export type AvailableItem = {
  id: string;
  name: string;
  logo: Provider["logo"];
  category: string;
  connected: boolean;
  sandbox: boolean;
  /** Where its Connect button (or its Connected badge) leads. */
  href: string;
};

export type CategoryChip = { id: string; label: string };

/**
 * "Available Integrations": a GET search form, category chips and a grid of cards, as the spec
 * draws it under the Connected list and on the Available tab. `path` is the page the search and
 * the chips stay on. The chips come from the loader, so the catalog (and zod) stay on the server.
 */
export function AvailableSection({
  path,
  q,
  category,
  chips,
  items,
  searchRef,
  onSearchChange,
}: {
  path: string;
  q: string;
  category: string;
  chips: CategoryChip[];
  items: AvailableItem[];
  searchRef?: Ref<HTMLInputElement>;
  onSearchChange?: (e: FormEvent<HTMLFormElement>) => void;
}) {
  return (
    <section aria-labelledby="available-heading">
      <h2 id="available-heading" className="mb-4 text-lg font-semibold">
        Available Integrations
      </h2>
      <Form method="get" action={path} role="search" aria-label="Search integrations" onChange={onSearchChange} preventScrollReset>
        {category !== "all" ? <input type="hidden" name="category" value={category} /> : null}
        <div className="flex gap-2">
          <label htmlFor="integration-search" className="sr-only">
            Search integrations
          </label>
          <div className="relative flex-1">
            <Icon name="search" className="search-icon nav-icon icon-sm" />
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
        {chips.map((chip) => {
          const params = new URLSearchParams();
          if (q) params.set("q", q);
          if (chip.id !== "all") params.set("category", chip.id);
          return (
            <Link
              key={chip.id}
              to={`${path}${params.size ? `?${params}` : ""}`}
              replace
              preventScrollReset
              aria-current={chip.id === category ? "page" : undefined}
              className="chip"
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
          <Link to={path} className="btn-secondary mt-4" preventScrollReset>
            Clear filters
          </Link>
        </div>
      ) : (
        <ul className="mt-5 grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-4" aria-label="Integrations">
          {items.map((item) => (
            <li key={item.id} className="card flex min-w-0 flex-col items-center p-3 text-center sm:p-4">
              <IntegrationLogo provider={item} className="size-12" />
              <h3 className="mt-3 max-w-full break-words font-semibold text-slate-900">{item.name}</h3>
              <p className="text-sm text-slate-600">{item.category}</p>
              {item.sandbox ? (
                <div className="mt-1">
                  <SandboxBadge />
                </div>
              ) : null}
              <div className="mt-auto pt-3">
                {item.connected ? (
                  <Link to={item.href} preventScrollReset className="badge-ok" aria-label={`${item.name}: connected, view details`}>
                    ✓ Connected
                  </Link>
                ) : (
                  <Link to={item.href} className="btn-primary" aria-label={`Connect ${item.name}`} preventScrollReset>
                    Connect
                  </Link>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
