import { json, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Outlet, useLoaderData } from "@remix-run/react";
import { createDb } from "~/lib/db/client";
import { webhooksSection } from "~/lib/webhooks/section.server";
import { requireAdmin } from "~/sessions.server";
import { WebhooksSection } from "./webhooks-section";

export const handle = { access: "admin" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireAdmin(request, context);
  const webhooks = await webhooksSection({ db: createDb(context.cloudflare.env.DB), companyId: user.company.id, now: new Date() });
  return json({ webhooks });
}

export default function DevelopersTab() {
  const { webhooks } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-6">
      <section aria-labelledby="api-heading" className="card p-8 text-center">
        <h2 id="api-heading" className="text-lg font-semibold">API &amp; Webhooks</h2>
        <p className="mx-auto mt-2 max-w-md text-sm text-slate-600">API keys and webhook endpoints are not available yet.</p>
      </section>
      <WebhooksSection data={webhooks} />
      <Outlet />
    </div>
  );
}
