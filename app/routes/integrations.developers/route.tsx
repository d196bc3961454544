import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { requireAdmin } from "~/sessions.server";

export const handle = { access: "admin" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  return null;
}

export default function DevelopersTab() {
  return (
    <section aria-labelledby="api-heading" className="card p-8 text-center">
      <h2 id="api-heading" className="text-lg font-semibold">API &amp; Webhooks</h2>
      <p className="mx-auto mt-2 max-w-md text-sm text-slate-600">API keys and webhook endpoints are not available yet.</p>
    </section>
  );
}
