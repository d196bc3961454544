import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from "@remix-run/cloudflare";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { ActivityList } from "~/components/activity-list";
import { ConnectionFacts } from "~/components/connection-facts";
import { CsrfInput } from "~/components/csrf";
import { ConfigureFooter, FormMessages, Toggle, VALIDATE_ON } from "~/components/forms";
import { Modal } from "~/components/modal";
import { redirectWithFlash } from "~/flash.server";
import { adminWithRequiredConnection, requireConnection, requireProvider } from "~/integration-routes.server";
import { appDeps } from "~/lib/deps.server";
import { clientIp } from "~/lib/http/client-ip";
import { listEmailActivity } from "~/lib/integrations/email-forwarding/activity.server";
import { getEmailForwarding, saveEmailForwardingSettings, sendTestEmail } from "~/lib/integrations/email-forwarding/forwarding.server";
import { emailForwardingFormSchema } from "~/lib/integrations/email-forwarding/settings";
import { forwardingSetupGuides } from "~/lib/integrations/email-forwarding/setup-help";
import { requireAdmin } from "~/sessions.server";
import { Activity, AddressField, SetupGuides, type TestResult, TestResultNotice } from "./parts";

/** Email Forwarding's own Configure screen (overrides the generic $provider.configure). */
export const handle = { access: "admin" };

export const meta: MetaFunction = () => [{ title: "Configure Email Forwarding · Integrations" }];

const SELF = "/integrations/email-forwarding/configure";
const TEST_STATUSES = new Set(["created", "appended", "duplicate", "rejected"]);

/** "?test=created&conversation=conv_…" after "Send test email"; a refusal's reason is read from the row, never the URL. */
function testResultFrom(url: URL, lastRefusal: { reason: string } | null): TestResult | null {
  const status = url.searchParams.get("test");
  if (!status || !TEST_STATUSES.has(status)) return null;
  if (status === "rejected") return { status, reason: lastRefusal?.reason ?? null };
  const conversationId = url.searchParams.get("conversation");
  return {
    status: status as "created" | "appended" | "duplicate",
    conversationId: conversationId && /^conv_[A-Za-z0-9_-]{1,64}$/.test(conversationId) ? conversationId : null,
  };
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const env = context.cloudflare.env;
  // one D1 round trip: the admin, the connection, the settings and the activity in the request's batch
  const {
    connection,
    extras: [state, activity],
  } = await adminWithRequiredConnection(request, context, "email-forwarding", (db, companyId) => [
    getEmailForwarding({ db, companyId, env }),
    listEmailActivity({ db, companyId }),
  ]);
  const lastRefusal = state.lastRefusal ? { reason: state.lastRefusal.reason, at: state.lastRefusal.at?.toISOString() ?? null } : null;
  return json({
    activity,
    address: state.address,
    connectedByEmail: connection.connectedByEmail,
    connectedAt: connection.connectedAt.toISOString(),
    values: {
      enabled: state.settings.enabled,
      autoAcknowledge: state.settings.autoAcknowledge,
      allowedSenderDomains: state.settings.allowedSenderDomains.join(", "),
    },
    lastReceived: state.lastReceived
      ? { at: state.lastReceived.at.toISOString(), from: state.lastReceived.from, subject: state.lastReceived.subject }
      : null,
    lastRefusal,
    sizeLimitMb: Math.floor(state.sizeLimitBytes / (1024 * 1024)),
    guides: forwardingSetupGuides(state.address),
    testResult: testResultFrom(new URL(request.url), lastRefusal),
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireAdmin(request, context);
  await requireConnection(context, user, requireProvider("email-forwarding"));
  const env = context.cloudflare.env;
  const base = { db: appDeps(env).db, companyId: user.company.id, env, actor: { id: user.id, email: user.email, name: user.name } };
  const form = await request.formData();
  const intent = form.get("intent");
  if (intent === "test") {
    const outcome = await sendTestEmail(base);
    const query = new URLSearchParams({ test: outcome.status });
    if (outcome.status !== "rejected") query.set("conversation", outcome.conversationId);
    return redirect(`${SELF}?${query}`);
  }
  if (intent !== "save") return json({ result: null, error: "Unknown action." }, { status: 400 });
  const submission = parseWithZod(form, { schema: emailForwardingFormSchema });
  if (submission.status !== "success") return json({ result: submission.reply(), error: null }, { status: 400 });
  const saved = await saveEmailForwardingSettings({ ...base, ip: clientIp(request), input: Object.fromEntries(form) });
  if (!saved.ok) return json({ result: submission.reply({ fieldErrors: saved.fieldErrors }), error: null }, { status: 400 });
  return redirectWithFlash(env, "/integrations", "Email Forwarding settings saved.");
}

export default function EmailForwardingConfigure() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const submitting = navigation.state === "submitting" ? navigation.formData?.get("intent") : null;
  const [form, fields] = useForm({ lastResult: actionData?.result ?? undefined, defaultValue: data.values, ...VALIDATE_ON });
  const domainsHint = `${fields.allowedSenderDomains.id}-hint`;
  return (
    <Modal title="Configure Email Forwarding" closeTo="/integrations" size="lg">
      <ConnectionFacts connectedByEmail={data.connectedByEmail} connectedAt={data.connectedAt} />
      <div className="mt-4">
        <AddressField address={data.address} />
      </div>
      <hr className="my-4 border-slate-200" />
      <Form method="post" action={SELF} {...getFormProps(form)} className="space-y-4">
        <CsrfInput />
        <FormMessages messages={[actionData?.error, form.errors?.join(" ")]} />
        <Toggle inputProps={getInputProps(fields.enabled, { type: "checkbox" })} label="Accept forwarded email" />
        <div>
          <label htmlFor={fields.allowedSenderDomains.id} className="label">
            Allowed sender domains (optional)
          </label>
          <input
            {...getInputProps(fields.allowedSenderDomains, { type: "text" })}
            aria-describedby={domainsHint}
            className="input"
            placeholder="example.com, partner.org"
            autoComplete="off"
            spellCheck={false}
          />
          <p id={domainsHint} className="mt-1 text-xs text-slate-600">
            Separate domains with commas. Subdomains are included. Empty accepts everyone.
          </p>
          {fields.allowedSenderDomains.errors ? (
            <p id={fields.allowedSenderDomains.errorId} className="field-error">
              {fields.allowedSenderDomains.errors.join(" ")}
            </p>
          ) : null}
        </div>
        <Toggle inputProps={getInputProps(fields.autoAcknowledge, { type: "checkbox" })} label="Auto-acknowledge" />
        <p className="pl-6 text-xs text-slate-600">
          Reply once to each new conversation to say the email was received. Emails over {data.sizeLimitMb} MB are refused.
        </p>
        <ConfigureFooter provider="email-forwarding" />
      </Form>
      <hr className="my-4 border-slate-200" />
      <div className="space-y-3">
        {data.testResult ? <TestResultNotice result={data.testResult} /> : null}
        <Activity lastReceived={data.lastReceived} lastRefusal={data.lastRefusal} />
        <Form method="post" action={SELF}>
          <CsrfInput />
          <button type="submit" name="intent" value="test" className="btn-secondary" disabled={submitting === "test"}>
            {submitting === "test" ? "Sending…" : "Send test email"}
          </button>
          <p className="mt-1 text-xs text-slate-600">
            Sends a real email from you to the address through the same checks, and creates a conversation.
          </p>
        </Form>
      </div>
      <ActivityList
        provider="email-forwarding"
        providerName="Email Forwarding"
        items={data.activity}
        emptyText="No email received yet. Each forwarded email that becomes a conversation or a message is listed here."
      />
      <hr className="my-4 border-slate-200" />
      <SetupGuides guides={data.guides} />
    </Modal>
  );
}
