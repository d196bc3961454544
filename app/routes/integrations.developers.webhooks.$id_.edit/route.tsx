import { getFormProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { Modal } from "~/components/modal";
import { createDb } from "~/lib/db/client";
import { clientIp } from "~/lib/http/client-ip";
import { endpointDeps, userCaller } from "~/lib/deps.server";
import { EndpointInputSchema } from "~/lib/webhooks/endpoint-schema";
import { getEndpoint, updateEndpoint } from "~/lib/webhooks/endpoints.server";
import { requireAdmin } from "~/sessions.server";
import { EndpointFields, splitErrors } from "../integrations.developers/endpoint-fields";

export const handle = { access: "admin" };
export const meta: MetaFunction = () => [{ title: "Edit Webhook Endpoint · Integrations" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireAdmin(request, context);
  const endpoint = await getEndpoint({ db: createDb(context.cloudflare.env.DB), companyId: user.company.id }, params.id!);
  if (!endpoint) throw new Response("Not found", { status: 404 });
  return json({ endpoint: { id: endpoint.id, url: endpoint.url, description: endpoint.description, events: endpoint.events } });
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireAdmin(request, context);
  const deps = await endpointDeps(context.cloudflare.env, userCaller(user, clientIp(request)));
  if (!(await getEndpoint(deps, params.id!))) throw new Response("Not found", { status: 404 });
  const submission = parseWithZod(await request.formData(), { schema: EndpointInputSchema });
  if (submission.status !== "success") return json({ result: submission.reply() }, { status: 400 });
  const updated = await updateEndpoint(deps, params.id!, submission.value);
  if (!updated.ok) {
    if (updated.status === 404) throw new Response("Not found", { status: 404 });
    return json({ result: submission.reply(splitErrors(updated.errors)) }, { status: 400 });
  }
  return redirect("/integrations/developers");
}

export default function EditWebhook() {
  const { endpoint } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const [form, fields] = useForm({
    lastResult: actionData?.result,
    defaultValue: { url: endpoint.url, description: endpoint.description, events: endpoint.events },
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: EndpointInputSchema }),
  });
  return (
    <Modal title="Edit Webhook Endpoint" closeTo="/integrations/developers">
      <Form method="post" {...getFormProps(form)} className="space-y-6">
        <CsrfInput />
        <EndpointFields fields={fields} formErrors={form.errors} formErrorId={form.errorId} />
        <div className="flex flex-wrap justify-end gap-2 border-t border-slate-200 pt-4">
          <Link to="/integrations/developers" className="btn-secondary">Cancel</Link>
          <button type="submit" className="btn-primary" disabled={busy}>{busy ? "Saving…" : "Save Changes"}</button>
        </div>
      </Form>
    </Modal>
  );
}
