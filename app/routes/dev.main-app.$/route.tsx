import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { isDevelopment } from "~/lib/env";
import { notFound } from "~/lib/http/responses";

export const handle = { access: "public" };
export const meta: MetaFunction = () => [{ title: "Main app (not part of this project) · Integrations" }];

const PRODUCTION_APP = "https://app.chat.buzzi.ai";

/**
 * In development the header search and the sidebar's other sections point here (`npm start` sets
 * APP_BASE_URL to this page) instead of the production main app. Anywhere else it does not exist.
 */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  if (!isDevelopment(context.cloudflare.env)) throw notFound();
  const url = new URL(request.url);
  const path = `/${params["*"] ?? ""}`;
  return json({ path, query: url.searchParams.get("q"), production: `${PRODUCTION_APP}${path}` });
}

export default function MainAppPlaceholder() {
  const { path, query, production } = useLoaderData<typeof loader>();
  return (
    <main className="mx-auto flex min-h-full max-w-xl flex-col justify-center px-6 py-16">
      <p className="text-sm font-semibold text-brand-700">Development</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight text-slate-900">
        <code>{path}</code> belongs to the main app
      </h1>
      <p className="mt-3 text-slate-700">
        This project is only the Integrations section. In production this link opens <code className="break-all">{production}</code>
        {query ? <> with the search “{query}”</> : null}; the main app does not run locally, so it lands on this page instead.
      </p>
      <div className="mt-8">
        <Link to="/integrations" className="btn-primary">
          Back to Integrations
        </Link>
      </div>
    </main>
  );
}
