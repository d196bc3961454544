import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { SubmitButton } from "~/components/forms";
import { Modal } from "~/components/modal";
import { redirectWithFlash } from "~/flash.server";
import { endpointDeps, userCaller } from "~/lib/deps.server";
import { clientIp } from "~/lib/http/client-ip";
import { notFound } from "~/lib/http/responses";
import { deleteEndpoint, getEndpoint } from "~/lib/webhooks/endpoints.server";
import { requireAdmin, requireAdminWith } from "~/sessions.server";

export const handle = { access: "admin" };
export const meta: MetaFunction = () => [{ title: "Delete Webhook Endpoint · Integrations" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const {
    results: [endpoint],
  } = await requireAdminWith(request, context, (db, companyId) => [getEndpoint({ db, companyId }, params.id!)] as const);
  if (!endpoint) throw notFound();
  return json({ endpoint: { id: endpoint.id, url: endpoint.url } });
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireAdmin(request, context);
  const deps = await endpointDeps(context.cloudflare.env, userCaller(user, clientIp(request)));
  const endpoint = await getEndpoint(deps, params.id!);
  const result = endpoint ? await deleteEndpoint(deps, endpoint.id) : null;
  if (!endpoint || !result?.ok) throw notFound();
  return redirectWithFlash(context.cloudflare.env, "/integrations/developers", `Webhook endpoint ${endpoint.url} deleted.`);
}

export default function DeleteWebhook() {
  const { endpoint } = useLoaderData<typeof loader>();
  return (
    <Modal title="Delete webhook endpoint?" closeTo="/integrations/developers" size="sm">
      <Form method="post" className="space-y-4 text-sm">
        <CsrfInput />
        <p>
          <span className="break-all font-mono">{endpoint.url}</span> will stop receiving events, and its delivery history is deleted. This
          cannot be undone.
        </p>
        <div className="flex justify-end gap-2">
          <Link to="/integrations/developers" className="btn-secondary">
            Cancel
          </Link>
          <SubmitButton className="btn-danger" busyText="Deleting…">
            Delete endpoint
          </SubmitButton>
        </div>
      </Form>
    </Modal>
  );
}
