import { getFormProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { ActivityList } from "~/components/activity-list";
import { ConnectionFacts } from "~/components/connection-facts";
import { CsrfInput } from "~/components/csrf";
import { ConfigureFooter, FormMessages, VALIDATE_ON } from "~/components/forms";
import { Modal } from "~/components/modal";
import { SetupValues } from "~/components/setup-values";
import { redirectWithFlash } from "~/flash.server";
import { adapterOf, adminWithRequiredConnection, connectDeps, requireConnection, requireProvider } from "~/integration-routes.server";
import { clientIp } from "~/lib/http/client-ip";
import { listActivity } from "~/lib/integrations/activity.server";
import { configFormSchema, configWithDefaults, describeConfigFields } from "~/lib/integrations/config-form";
import { saveConnectionConfig } from "~/lib/integrations/manage.server";
import { checkChoices, forgetSettingsChoices, loadSettingsChoices } from "~/lib/integrations/settings-choices.server";
import { requireAdmin } from "~/sessions.server";
import { ConfigFields } from "./config-fields";

export const handle = { access: "admin" };

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Configure ${data.provider.name} · Integrations` : "Integrations" },
];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  // one D1 round trip: the admin, the connection and its activity in the request's batch
  const {
    provider,
    connection,
    extras: [activity],
  } = await adminWithRequiredConnection(request, context, params.provider, (db, companyId, provider) => [
    listActivity({ db, companyId, provider: provider.id, inbound: adapterOf(provider).inboundActivity }),
  ]);
  const adapter = adapterOf(provider);
  const schema = adapter.settings;
  const picked = await loadSettingsChoices(connectDeps(context), adapter, connection);
  return json({
    choices: picked.choices,
    choicesError: picked.ok ? null : picked.error,
    activity,
    retried: new URL(request.url).searchParams.has("retried"),
    setup: adapter.setup ? adapter.setup({ connection, origin: new URL(request.url).origin }) : null,
    provider: { id: provider.id, name: provider.name },
    accountLabel: connection.accountLabel,
    connectedByEmail: connection.connectedByEmail,
    connectedAt: connection.connectedAt.toISOString(),
    fields: schema ? describeConfigFields(schema) : [],
    values: schema ? configWithDefaults(schema, connection.config) : {},
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireAdmin(request, context);
  const provider = requireProvider(params.provider);
  const connection = await requireConnection(context, user, provider);
  const adapter = adapterOf(provider);
  const schema = adapter.settings;
  if (!schema) return json({ result: null }, { status: 400 });
  const form = await request.formData();
  const intent = form.get("intent") ?? "save";
  if (intent === "refresh" && adapter.settingsChoices) {
    await forgetSettingsChoices(connectDeps(context).kv, connection.id);
    return redirect(`/integrations/${provider.id}/configure`);
  }
  if (intent !== "save") return json({ result: null }, { status: 400 });
  const submission = parseWithZod(form, { schema: configFormSchema(schema) });
  if (submission.status !== "success") return json({ result: submission.reply() }, { status: 400 });
  const config = schema.parse(submission.value) as Record<string, unknown>;
  if (adapter.settingsChoices) {
    const errors = checkChoices(config, await loadSettingsChoices(connectDeps(context), adapter, connection));
    if (Object.keys(errors).length) {
      const { "": formErrors, ...fieldErrors } = errors;
      return json({ result: submission.reply({ fieldErrors, formErrors }) }, { status: 400 });
    }
  }
  await saveConnectionConfig(connectDeps(context), { connection, user, ip: clientIp(request), config });
  return redirectWithFlash(context.cloudflare.env, "/integrations", `${provider.name} settings saved.`);
}

export default function ConfigureModal() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [form, fields] = useForm({
    lastResult: actionData?.result ?? undefined,
    defaultValue: data.values as Record<string, string | boolean | number>,
    ...VALIDATE_ON,
  });
  const base = `/integrations/${data.provider.id}`;
  return (
    <Modal title={`Configure ${data.provider.name}`} closeTo="/integrations">
      <ConnectionFacts
        account={data.accountLabel ? { label: "Connected account", value: data.accountLabel } : null}
        connectedByEmail={data.connectedByEmail}
        connectedAt={data.connectedAt}
      />
      {data.setup ? <SetupValues setup={data.setup} /> : null}
      <hr className="my-4 border-slate-200" />
      {data.fields.length === 0 ? (
        <div>
          <p className="text-sm text-slate-700">{data.provider.name} has no settings yet.</p>
          <div className="mt-6 flex flex-wrap justify-end gap-2">
            <Link to={`${base}/disconnect?from=configure`} className="btn-danger-outline">
              Disconnect
            </Link>
            <Link to="/integrations" className="btn-primary">
              Done
            </Link>
          </div>
        </div>
      ) : (
        <Form method="post" {...getFormProps(form)} className="space-y-4">
          <CsrfInput />
          {/* Enter saves: the first submit button in the form is its default, so this hidden Save comes before Refresh. */}
          <button type="submit" name="intent" value="save" className="sr-only" tabIndex={-1} aria-hidden="true">
            Save
          </button>
          <FormMessages messages={[data.choicesError, form.errors?.join(" ")]} />
          <ConfigFields specs={data.fields} fields={fields} choices={data.choices} />
          <ConfigureFooter provider={data.provider.id} />
        </Form>
      )}
      <ActivityList provider={data.provider.id} providerName={data.provider.name} items={data.activity} retried={data.retried} />
    </Modal>
  );
}
