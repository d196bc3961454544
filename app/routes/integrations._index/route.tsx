import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Link } from "@remix-run/react";
import { requireAdmin } from "~/sessions.server";

export const handle = { access: "admin" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  return null;
}

export default function ConnectedTab() {
  return (
    <section aria-labelledby="connected-heading" className="card p-8 text-center">
      <h2 id="connected-heading" className="text-lg font-semibold">Connected Integrations (0)</h2>
      <p className="mx-auto mt-2 max-w-md text-sm text-slate-600">
        Nothing is connected yet. Browse the available integrations to connect Slack, your CRM, or email forwarding.
      </p>
      <Link to="/integrations/available" className="btn-primary mt-5">Browse available integrations</Link>
    </section>
  );
}
