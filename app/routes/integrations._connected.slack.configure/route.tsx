import { getFormProps, getInputProps, getSelectProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from "@remix-run/cloudflare";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { ActivityList } from "~/components/activity-list";
import { ConnectionFacts } from "~/components/connection-facts";
import { CsrfInput } from "~/components/csrf";
import { ConfigureFooter, FormMessages, Toggle, VALIDATE_ON } from "~/components/forms";
import { Modal } from "~/components/modal";
import { redirectWithFlash } from "~/flash.server";
import { adminWithRequiredConnection, connectDeps, requireConnection, requireProvider } from "~/integration-routes.server";
import { clientIp } from "~/lib/http/client-ip";
import { listActivity } from "~/lib/integrations/activity.server";
import { readSlackConfig, slackConfigFormSchema } from "~/lib/integrations/slack/config";
import { loadChannelList, refreshChannelList, saveSlackSettings } from "~/lib/integrations/slack/settings.server";
import { requireAdmin } from "~/sessions.server";
import { ChannelField } from "./fields";

/** Slack's own Configure screen (overrides the generic $provider.configure for /integrations/slack/configure). */
export const handle = { access: "admin" };

export const meta: MetaFunction = () => [{ title: "Configure Slack · Integrations" }];

const SELF = "/integrations/slack/configure";

export async function loader({ request, context }: LoaderFunctionArgs) {
  // one D1 round trip: the admin, the connection and the activity; then the channels (KV, or Slack)
  const {
    user,
    connection,
    extras: [activity],
  } = await adminWithRequiredConnection(request, context, "slack", (db, companyId) => [listActivity({ db, companyId, provider: "slack" })]);
  const list = await loadChannelList(connectDeps(context), connection);
  const config = readSlackConfig(connection.config);
  return json({
    activity,
    retried: new URL(request.url).searchParams.has("retried"),
    accountLabel: connection.accountLabel,
    connectedByEmail: connection.connectedByEmail,
    connectedAt: connection.connectedAt.toISOString(),
    timezone: user.company.timezone,
    channels: list.ok ? list.channels : [],
    channelsError: list.ok ? null : list.error,
    values: { ...config, channel_id: config.channel_id ?? "", summary_hour: String(config.summary_hour) },
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireAdmin(request, context);
  const connection = await requireConnection(context, user, requireProvider("slack"));
  const rt = connectDeps(context);
  const form = await request.formData();
  const intent = form.get("intent");
  if (intent === "refresh") {
    await refreshChannelList(rt, connection);
    return redirect(SELF);
  }
  if (intent !== "save") return json({ result: null, error: "Unknown action." }, { status: 400 });
  const submission = parseWithZod(form, { schema: slackConfigFormSchema });
  if (submission.status !== "success") return json({ result: submission.reply(), error: null }, { status: 400 });
  const saved = await saveSlackSettings(rt, { connection, user, ip: clientIp(request), value: submission.value });
  if (!saved.ok) {
    return json(
      {
        result: submission.reply({ fieldErrors: saved.fieldErrors, formErrors: saved.formError ? [saved.formError] : undefined }),
        error: null,
      },
      { status: 400 },
    );
  }
  return redirectWithFlash(context.cloudflare.env, "/integrations", "Slack settings saved.");
}

export default function SlackConfigure() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [form, fields] = useForm({
    lastResult: actionData?.result ?? undefined,
    defaultValue: data.values,
    ...VALIDATE_ON,
  });
  const hours = Array.from({ length: 24 }, (_, h) => h);
  return (
    <Modal title="Configure Slack" closeTo="/integrations">
      <ConnectionFacts
        account={{ label: "Connected Workspace", value: data.accountLabel ?? "Unknown workspace" }}
        connectedByEmail={data.connectedByEmail}
        connectedAt={data.connectedAt}
      />
      <hr className="my-4 border-slate-200" />
      <Form method="post" action={SELF} {...getFormProps(form)} className="space-y-5">
        <CsrfInput />
        {/* Enter in the form saves: the first submit button in the form is its default, so this hidden Save comes before Refresh. */}
        <button type="submit" name="intent" value="save" className="sr-only" tabIndex={-1} aria-hidden="true">
          Save
        </button>
        <FormMessages messages={[actionData?.error, form.errors?.join(" ")]} />
        <ChannelField
          field={fields.channel_id}
          channels={data.channels}
          error={data.channelsError}
          selectProps={getSelectProps(fields.channel_id)}
        />
        <fieldset className="space-y-2">
          <legend className="mb-1 text-sm font-semibold text-slate-900">Notifications</legend>
          <Toggle inputProps={getInputProps(fields.notify_new_conversations, { type: "checkbox" })} label="New conversations" />
          <Toggle inputProps={getInputProps(fields.notify_escalations, { type: "checkbox" })} label="Escalations to human" />
          <Toggle inputProps={getInputProps(fields.notify_all_messages, { type: "checkbox" })} label="All messages (high volume)" />
          <Toggle inputProps={getInputProps(fields.daily_summary, { type: "checkbox" })} label="Daily summary" />
          <div className="pl-6">
            <label htmlFor={fields.summary_hour.id} className="label">
              Summary time ({data.timezone})
            </label>
            <select {...getSelectProps(fields.summary_hour)} className="input max-w-40">
              {hours.map((h) => (
                <option key={h} value={String(h)}>{`${String(h).padStart(2, "0")}:00`}</option>
              ))}
            </select>
            {fields.summary_hour.errors ? (
              <p id={fields.summary_hour.errorId} className="field-error">
                {fields.summary_hour.errors.join(" ")}
              </p>
            ) : null}
          </div>
        </fieldset>
        <fieldset className="space-y-2">
          <legend className="mb-1 text-sm font-semibold text-slate-900">Reply from Slack</legend>
          <Toggle inputProps={getInputProps(fields.allow_replies, { type: "checkbox" })} label="Allow agents to reply from Slack" />
          <p className="pl-6 text-xs text-slate-600">A reply in a conversation's thread is sent to the customer as an agent message.</p>
        </fieldset>
        <ConfigureFooter provider="slack" />
      </Form>
      <ActivityList provider="slack" providerName="Slack" items={data.activity} retried={data.retried} />
    </Modal>
  );
}
