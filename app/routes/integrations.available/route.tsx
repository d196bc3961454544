import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { requireAdmin } from "~/sessions.server";

export const handle = { access: "admin" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  return null;
}

export default function AvailableTab() {
  return (
    <section aria-labelledby="available-heading" className="card p-8 text-center">
      <h2 id="available-heading" className="text-lg font-semibold">Available Integrations</h2>
      <p className="mx-auto mt-2 max-w-md text-sm text-slate-600">The integration catalog is not available yet.</p>
    </section>
  );
}
