import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { Modal } from "~/components/modal";
import { createDb } from "~/lib/db/client";
import { clientIp } from "~/lib/http/client-ip";
import { endpointDeps, userCaller } from "~/lib/deps.server";
import { deleteEndpoint, getEndpoint } from "~/lib/webhooks/endpoints.server";
import { requireAdmin } from "~/sessions.server";

export const handle = { access: "admin" };
export const meta: MetaFunction = () => [{ title: "Delete Webhook Endpoint · Integrations" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireAdmin(request, context);
  const endpoint = await getEndpoint({ db: createDb(context.cloudflare.env.DB), companyId: user.company.id }, params.id!);
  if (!endpoint) throw new Response("Not found", { status: 404 });
  return json({ endpoint: { id: endpoint.id, url: endpoint.url } });
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireAdmin(request, context);
  const deps = await endpointDeps(context.cloudflare.env, userCaller(user, clientIp(request)));
  const result = await deleteEndpoint(deps, params.id!);
  if (!result.ok) throw new Response("Not found", { status: 404 });
  return redirect("/integrations/developers");
}

export default function DeleteWebhook() {
  const { endpoint } = useLoaderData<typeof loader>();
  const busy = useNavigation().state === "submitting";
  return (
    <Modal title="Delete webhook endpoint?" closeTo="/integrations/developers" size="sm">
      <Form method="post" className="space-y-4 text-sm">
        <CsrfInput />
        <p>
          <span className="break-all font-mono">{endpoint.url}</span> will stop receiving events, and its delivery history is deleted. This cannot
          be undone.
        </p>
        <div className="flex justify-end gap-2">
          <Link to="/integrations/developers" className="btn-secondary">Cancel</Link>
          <button type="submit" className="btn-danger" disabled={busy}>{busy ? "Deleting…" : "Delete endpoint"}</button>
        </div>
      </Form>
    </Modal>
  );
}
