import { getFormProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { Modal } from "~/components/modal";
import { clientIp } from "~/lib/http/client-ip";
import { endpointDeps, userCaller } from "~/lib/deps.server";
import { EndpointInputSchema } from "~/lib/webhooks/endpoint-schema";
import { createEndpoint } from "~/lib/webhooks/endpoints.server";
import { stashSecretReveal } from "~/lib/webhooks/reveal.server";
import { requireAdmin } from "~/sessions.server";
import { EndpointFields, splitErrors } from "../integrations.developers/endpoint-fields";

export const handle = { access: "admin" };
export const meta: MetaFunction = () => [{ title: "Add Webhook Endpoint · Integrations" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireAdmin(request, context);
  const env = context.cloudflare.env;
  const submission = parseWithZod(await request.formData(), { schema: EndpointInputSchema });
  if (submission.status !== "success") return json({ result: submission.reply() }, { status: 400 });
  const deps = await endpointDeps(env, userCaller(user, clientIp(request)));
  const created = await createEndpoint(deps, submission.value);
  if (!created.ok) {
    if (created.status === 404) throw new Response("Not found", { status: 404 });
    return json({ result: submission.reply(splitErrors(created.errors)) }, { status: 400 });
  }
  const { endpoint, secret } = created.value;
  await stashSecretReveal({ kv: env.KV, ring: deps.ring, companyId: user.company.id, userId: user.id, endpointId: endpoint.id }, secret);
  return redirect(`/integrations/developers/webhooks/${endpoint.id}?created=1`);
}

export default function NewWebhook() {
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const [form, fields] = useForm({
    lastResult: actionData?.result,
    defaultValue: { events: [] },
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: EndpointInputSchema }),
  });
  return (
    <Modal title="Add Webhook Endpoint" closeTo="/integrations/developers">
      <Form method="post" {...getFormProps(form)} className="space-y-6">
        <CsrfInput />
        <EndpointFields fields={fields} formErrors={form.errors} formErrorId={form.errorId} />
        <div>
          <h3 className="text-sm font-semibold text-slate-900">Security</h3>
          <p className="mt-1 text-sm text-slate-600">
            A signing secret (<code className="font-mono">whsec_…</code>) is generated when you create the endpoint and shown once on the next
            screen, with a Copy button. Use it to verify webhook signatures.
          </p>
        </div>
        <div className="flex flex-wrap justify-end gap-2 border-t border-slate-200 pt-4">
          <Link to="/integrations/developers" className="btn-secondary">Cancel</Link>
          <button type="submit" className="btn-primary" disabled={busy}>{busy ? "Creating…" : "Create Webhook"}</button>
        </div>
      </Form>
    </Modal>
  );
}
