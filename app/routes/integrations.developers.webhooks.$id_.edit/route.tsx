import { getFormProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { EndpointFields, splitErrors } from "~/components/endpoint-fields";
import { SubmitButton, VALIDATE_ON } from "~/components/forms";
import { Modal } from "~/components/modal";
import { redirectWithFlash } from "~/flash.server";
import { endpointDeps, userCaller } from "~/lib/deps.server";
import { clientIp } from "~/lib/http/client-ip";
import { notFound } from "~/lib/http/responses";
import { endpointFormSchema } from "~/lib/webhooks/endpoint-schema";
import { getEndpoint, updateEndpoint } from "~/lib/webhooks/endpoints.server";
import { describeUrlRule, guardPolicy } from "~/lib/webhooks/url-guard";
import { requireAdmin, requireAdminWith } from "~/sessions.server";

export const handle = { access: "admin" };
export const meta: MetaFunction = () => [{ title: "Edit Webhook Endpoint · Integrations" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const {
    results: [endpoint],
  } = await requireAdminWith(request, context, (db, companyId) => [getEndpoint({ db, companyId }, params.id!)] as const);
  if (!endpoint) throw notFound();
  return json({
    endpoint: { id: endpoint.id, url: endpoint.url, description: endpoint.description, events: endpoint.events },
    policy: guardPolicy(context.cloudflare.env),
  });
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireAdmin(request, context);
  const env = context.cloudflare.env;
  const deps = await endpointDeps(env, userCaller(user, clientIp(request)));
  if (!(await getEndpoint(deps, params.id!))) throw notFound();
  const submission = parseWithZod(await request.formData(), { schema: endpointFormSchema(guardPolicy(env)) });
  if (submission.status !== "success") return json({ result: submission.reply() }, { status: 400 });
  const updated = await updateEndpoint(deps, params.id!, submission.value);
  if (!updated.ok) {
    if (updated.status === 404) throw notFound();
    return json({ result: submission.reply(splitErrors(updated.errors)) }, { status: 400 });
  }
  return redirectWithFlash(env, "/integrations/developers", `Changes to ${submission.value.url} saved.`);
}

export default function EditWebhook() {
  const { endpoint, policy } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [form, fields] = useForm({
    lastResult: actionData?.result,
    defaultValue: { url: endpoint.url, description: endpoint.description, events: endpoint.events },
    ...VALIDATE_ON,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: endpointFormSchema(policy) }),
  });
  return (
    <Modal title="Edit Webhook Endpoint" closeTo="/integrations/developers">
      <Form method="post" {...getFormProps(form)} className="space-y-6">
        <CsrfInput />
        <EndpointFields fields={fields} urlRule={describeUrlRule(policy)} formErrors={form.errors} formErrorId={form.errorId} />
        <div className="flex flex-wrap justify-end gap-2 border-t border-slate-200 pt-4">
          <Link to="/integrations/developers" className="btn-secondary">
            Cancel
          </Link>
          <SubmitButton busyText="Saving…">Save Changes</SubmitButton>
        </div>
      </Form>
    </Modal>
  );
}
