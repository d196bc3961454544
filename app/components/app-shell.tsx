import { Form, Link } from "@remix-run/react";
import { type ReactNode, useEffect } from "react";
import { CsrfInput } from "./csrf";
import { FlashRegion } from "./flash";
import { Icon } from "./icon";

export type ShellUser = { name: string; email: string; initials: string; companyName: string };

/** `key` names the link's icon (components/icon.tsx). */
type NavItem = {
  key: "dashboard" | "agents" | "knowledge" | "conversations" | "widget" | "integrations" | "settings" | "billing";
  label: string;
  path: string;
  local?: boolean;
};

const MAIN_MENU: NavItem[] = [
  { key: "dashboard", label: "Dashboard", path: "/dashboard" },
  { key: "agents", label: "Agents", path: "/agents" },
  { key: "knowledge", label: "Knowledge", path: "/knowledge" },
  { key: "conversations", label: "Conversations", path: "/conversations" },
];
const CONFIGURE: NavItem[] = [
  { key: "widget", label: "Widget", path: "/widget" },
  { key: "integrations", label: "Integrations", path: "/integrations", local: true },
  { key: "settings", label: "Settings", path: "/settings" },
  { key: "billing", label: "Billing", path: "/billing" },
];

/**
 * Header + sidebar of the admin app. Sections other than Integrations live in the main app at
 * APP_BASE_URL. The phone drawer and the user menu are <details>, so they open without JS; with JS,
 * Escape closes them.
 */
export function AppShell({
  user,
  appBaseUrl,
  title,
  children,
}: {
  user: ShellUser;
  appBaseUrl: string;
  title: string;
  children: ReactNode;
}) {
  useEscapeClosesMenus();
  const href = (item: NavItem) => (item.local ? item.path : `${appBaseUrl}${item.path}`);
  return (
    <div className="min-h-full">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      {/* Desktop header */}
      <header className="top-bar hidden h-16 gap-4 px-4 md:flex">
        <a href={`${appBaseUrl}/dashboard`} className="flex w-56 shrink-0 items-center gap-2.5 font-semibold text-slate-900">
          <Icon name="mark" className="logo-mark size-8" />
          <span className="truncate">{user.companyName}</span>
        </a>
        {/* biome-ignore lint/a11y/useSemanticElements: <search> is not in React 18's JSX types; role="search" is its equivalent. */}
        <form method="get" action={`${appBaseUrl}/search`} role="search" className="mx-auto w-full max-w-md">
          <label htmlFor="global-search" className="sr-only">
            Search
          </label>
          <div className="relative">
            <Icon name="search" className="search-icon nav-icon icon-sm" />
            <input id="global-search" name="q" type="search" placeholder="Search..." className="input pl-9" />
          </div>
        </form>
        <nav aria-label="Account" className="flex items-center gap-1">
          <a href={`${appBaseUrl}/help`} className="icon-link" title="Help">
            <Icon name="help" />
            <span className="sr-only">Help</span>
          </a>
          <a href={`${appBaseUrl}/notifications`} className="icon-link" title="Notifications">
            <Icon name="bell" />
            <span className="sr-only">Notifications</span>
          </a>
          <UserMenu user={user} />
        </nav>
      </header>

      {/* Phone header */}
      <header className="top-bar flex h-14 justify-between px-3 md:hidden">
        <details className="drawer" data-menu="">
          <summary className="rounded-md p-2 text-slate-700 hover:bg-slate-100" aria-label="Open menu">
            <Icon name="menu" className="nav-icon icon-lg" />
          </summary>
          <div className="fixed inset-y-0 left-0 z-50 flex w-72 max-w-[85vw] flex-col overflow-y-auto bg-white shadow-xl">
            <div className="flex h-14 items-center gap-2.5 border-b border-slate-200 px-4 font-semibold">
              <Icon name="mark" className="logo-mark size-7" />
              <span className="truncate">{user.companyName}</span>
            </div>
            <SidebarNav href={href} />
            <div className="mt-auto border-t border-slate-200 p-4 text-sm">
              <p className="font-medium">{user.name}</p>
              <p className="truncate text-slate-600">{user.email}</p>
              <Form method="post" action="/logout" className="mt-3">
                <CsrfInput />
                <button type="submit" className="btn-secondary w-full">
                  Sign out
                </button>
              </Form>
            </div>
          </div>
        </details>
        <span className="text-base font-semibold">{title}</span>
        <a href={`${appBaseUrl}/notifications`} className="rounded-md p-2 text-slate-700 hover:bg-slate-100">
          <Icon name="bell" className="nav-icon icon-lg" />
          <span className="sr-only">Notifications</span>
        </a>
      </header>

      <div className="sidebar-split flex">
        <aside className="sticky top-16 hidden h-[calc(100vh-4rem)] w-60 shrink-0 overflow-y-auto border-r border-slate-200 bg-white md:block">
          <SidebarNav href={href} />
        </aside>
        <main id="main" className="min-w-0 flex-1 px-4 py-6 md:px-8 md:py-8">
          <div className="mx-auto max-w-6xl">
            <FlashRegion />
          </div>
          {children}
        </main>
      </div>
    </div>
  );
}

/**
 * Escape closes an open menu (<details data-menu>: the phone drawer, the account menu, a card's ⋮
 * menu) and puts focus back on its button, as it closes modals. Without JS a second tap closes them.
 */
function useEscapeClosesMenus() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      const open = [...document.querySelectorAll<HTMLDetailsElement>("details[data-menu][open]")];
      if (open.length === 0) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      for (const menu of open) menu.open = false;
      open[open.length - 1]!.querySelector("summary")?.focus();
    };
    // capture: a menu closes before a modal underneath sees the same Escape
    document.addEventListener("keydown", onKey, true);
    return () => document.removeEventListener("keydown", onKey, true);
  }, []);
}

function SidebarNav({ href }: { href: (item: NavItem) => string }) {
  return (
    <nav aria-label="Main" className="space-y-6 px-3 py-5">
      <NavGroup title="Main menu" items={MAIN_MENU} href={href} />
      <NavGroup title="Configure" items={CONFIGURE} href={href} />
    </nav>
  );
}

function NavGroup({ title, items, href }: { title: string; items: NavItem[]; href: (item: NavItem) => string }) {
  const headingId = `nav-${title.toLowerCase().replace(/\s+/g, "-")}`;
  return (
    <div>
      <h2 id={headingId} className="px-3 pb-2 text-xs font-semibold uppercase tracking-wider text-slate-500">
        {title}
      </h2>
      <ul aria-labelledby={headingId} className="space-y-0.5">
        {items.map((item) => {
          const icon = <Icon name={item.key} />;
          return (
            <li key={item.key}>
              {item.local ? (
                <Link to={item.path} className="nav-link" aria-current="page">
                  {icon}
                  {item.label}
                </Link>
              ) : (
                <a href={href(item)} className="nav-link">
                  {icon}
                  {item.label}
                </a>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function UserMenu({ user }: { user: ShellUser }) {
  return (
    <details className="relative ml-1" data-menu="">
      <summary className="flex items-center gap-1 rounded-md p-1 hover:bg-slate-100">
        <span className="flex size-8 items-center justify-center rounded-full bg-brand-600 text-xs font-semibold text-white">
          {user.initials}
        </span>
        <span className="sr-only">Account menu for {user.name}</span>
        <Icon name="chevron" className="nav-icon icon-sm text-slate-600" />
      </summary>
      <div className="menu-panel z-40 mt-2 w-64 p-2">
        <div className="px-3 py-2 text-sm">
          <p className="font-medium text-slate-900">{user.name}</p>
          <p className="truncate text-slate-600">{user.email}</p>
        </div>
        <Form method="post" action="/logout" className="border-t border-slate-100 pt-1">
          <CsrfInput />
          <button type="submit" className="menu-item rounded-md">
            Sign out
          </button>
        </Form>
      </div>
    </details>
  );
}
