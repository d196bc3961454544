import { getFormProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { EndpointFields, splitErrors } from "~/components/endpoint-fields";
import { SubmitButton, VALIDATE_ON } from "~/components/forms";
import { Modal } from "~/components/modal";
import { endpointDeps, userCaller } from "~/lib/deps.server";
import { eventDescriptions } from "~/lib/events/catalog";
import { sampleEvent } from "~/lib/events/samples";
import { clientIp } from "~/lib/http/client-ip";
import { notFound } from "~/lib/http/responses";
import { companyLimitResponse } from "~/lib/security/limits.server";
import { webhookEventTypes } from "~/lib/vocabulary";
import { DEFAULT_ENDPOINT_EVENTS, endpointFormSchema } from "~/lib/webhooks/endpoint-schema";
import { createEndpoint } from "~/lib/webhooks/endpoints.server";
import { stashSecretReveal } from "~/lib/webhooks/reveal.server";
import { describeUrlRule, guardPolicy } from "~/lib/webhooks/url-guard";
import { requireAdmin } from "~/sessions.server";
import { WhatYouReceive } from "./what-you-receive";

export const handle = { access: "admin" };
export const meta: MetaFunction = () => [{ title: "Add Webhook Endpoint · Integrations" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const events = webhookEventTypes.map((type) => ({
    type,
    description: eventDescriptions[type],
    sample: JSON.stringify(sampleEvent(type), null, 2),
  }));
  return json({ policy: guardPolicy(context.cloudflare.env), events });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireAdmin(request, context);
  const env = context.cloudflare.env;
  const submission = parseWithZod(await request.formData(), { schema: endpointFormSchema(guardPolicy(env)) });
  if (submission.status !== "success") return json({ result: submission.reply() }, { status: 400 });
  const spent = await companyLimitResponse(env, "webhook.create", user.company.id);
  if (spent)
    return json(
      { result: submission.reply({ formErrors: [spent.message] }) },
      { status: 429, headers: { "Retry-After": String(spent.retryAfter) } },
    );
  const deps = await endpointDeps(env, userCaller(user, clientIp(request)));
  const created = await createEndpoint(deps, submission.value);
  if (!created.ok) {
    if (created.status === 404) throw notFound();
    return json({ result: submission.reply(splitErrors(created.errors)) }, { status: 400 });
  }
  const { endpoint, secret } = created.value;
  await stashSecretReveal({ kv: env.KV, ring: deps.ring, companyId: user.company.id, userId: user.id, endpointId: endpoint.id }, secret);
  return redirect(`/integrations/developers/webhooks/${endpoint.id}?created=1`);
}

export default function NewWebhook() {
  const { policy, events } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [form, fields] = useForm({
    lastResult: actionData?.result,
    defaultValue: { events: [...DEFAULT_ENDPOINT_EVENTS] },
    ...VALIDATE_ON,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: endpointFormSchema(policy) }),
  });
  return (
    <Modal title="Add Webhook Endpoint" closeTo="/integrations/developers">
      <Form method="post" {...getFormProps(form)} className="space-y-6">
        <CsrfInput />
        <EndpointFields fields={fields} urlRule={describeUrlRule(policy)} formErrors={form.errors} formErrorId={form.errorId} />
        <WhatYouReceive events={events} />
        <div>
          <h3 className="text-sm font-semibold text-slate-900">Security</h3>
          <p className="mt-1 text-sm text-slate-600">
            A signing secret (<code className="font-mono">whsec_…</code>) is generated when you create the endpoint and shown once on the
            next screen. Use it to verify webhook signatures.
          </p>
        </div>
        <div className="flex flex-wrap justify-end gap-2 border-t border-slate-200 pt-4">
          <Link to="/integrations/developers" className="btn-secondary">
            Cancel
          </Link>
          <SubmitButton busyText="Creating…">Create Webhook</SubmitButton>
        </div>
      </Form>
    </Modal>
  );
}
