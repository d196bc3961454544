import type { LinksFunction, MetaFunction } from "@remix-run/cloudflare";
import {
  isRouteErrorResponse,
  Links,
  Meta,
  Outlet,
  ScrollRestoration,
  useLoaderData,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { ErrorScreen, ForbiddenScreen } from "~/components/error-screen";
import { IconSprite } from "~/components/icon";
import { PageScripts } from "~/components/page-scripts";
import type { ShellData } from "~/shell.server";
import stylesheet from "~/styles/app.css";
import type { loader } from "./root.server";

export { loader } from "./root.server";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

/** The title of a page without one of its own (an error page); each screen's route names itself. */
export const meta: MetaFunction = () => [{ title: "Integrations" }];

/**
 * zod 4 probes `new Function("")` when its first object schema is made, to decide whether it may
 * compile parsers; under this app's CSP (no 'unsafe-eval') the probe is caught, but the browser
 * still reports a violation on every page (Lighthouse's best-practices: "Issues were logged").
 * Its jitless setting skips the probe. It must be set before any route module makes a schema, and
 * route modules are evaluated before entry.client, so it is set here, in the global that
 * `z.config` itself writes to (`globalThis.__zod_globalConfig`, shared by every copy of zod; ADR 0162).
 */
const ZOD_JITLESS = "globalThis.__zod_globalConfig=Object.assign(globalThis.__zod_globalConfig||{},{jitless:true})";

export function Layout({ children }: { children: React.ReactNode }) {
  const data = useRouteLoaderData<typeof loader>("root");
  const nonce = data?.nonce;
  return (
    <html lang="en" className="h-full">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
        <script nonce={nonce} suppressHydrationWarning>
          {ZOD_JITLESS}
        </script>
      </head>
      <body className="h-full">
        <IconSprite />
        {children}
        <ScrollRestoration nonce={nonce} />
        <PageScripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  useLoaderData<typeof loader>();
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const data = useRouteLoaderData<typeof loader>("root");
  if (isRouteErrorResponse(error) && error.status === 403 && isShellData(error.data)) {
    return <ForbiddenScreen user={error.data.shell.user} appBaseUrl={error.data.shell.appBaseUrl} message={error.data.message} />;
  }
  if (isRouteErrorResponse(error)) {
    return <ErrorScreen status={error.status} message={typeof error.data === "string" ? error.data : undefined} />;
  }
  const detail = data?.isDevelopment && error instanceof Error ? (error.stack ?? error.message) : undefined;
  return <ErrorScreen status={500} detail={detail} />;
}

function isShellData(data: unknown): data is { message?: string; shell: ShellData } {
  return typeof data === "object" && data !== null && "shell" in data && typeof (data as { shell: unknown }).shell === "object";
}
