import { getFormProps, getInputProps, type SubmissionResult, useForm } from "@conform-to/react";
import { Form, Link, useNavigation } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { FeatureList } from "~/components/feature-list";
import { VALIDATE_ON } from "~/components/forms";
import { IntegrationLogo, SandboxBadge } from "~/components/integration-logo";
import type { ApiKeyField, Provider } from "~/lib/integrations/catalog";

type Data = {
  provider: {
    id: string;
    name: string;
    logo: Provider["logo"];
    authKind: string;
    permissions: string[];
    features: string[];
    apiKey: { fields: ApiKeyField[]; help: string } | null;
  };
  reconnect: boolean;
  forwardingAddress: string | null;
  notConfigured: string | null;
  sandbox: boolean;
};

export function ConnectBody({
  data,
  closeTo,
  lastResult,
  formError,
}: {
  data: Data;
  closeTo: string;
  lastResult?: SubmissionResult<string[]>;
  formError: string | null;
}) {
  const { provider } = data;
  const busy = useNavigation().state !== "idle";
  return (
    <div>
      <div className="flex items-center gap-3">
        <IntegrationLogo provider={provider} className="size-12" />
        {data.sandbox ? <SandboxBadge /> : null}
      </div>
      {formError ? (
        <p role="alert" className="mt-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {formError}
        </p>
      ) : null}
      <div className="mt-4">
        <FeatureList name={provider.name} features={provider.features} heading="Once connected:" />
      </div>
      {provider.authKind === "oauth2" ? (
        <>
          <p className="mt-4 text-slate-800">You will be redirected to {provider.name} to authorize access.</p>
          <p className="mt-3 text-sm font-medium text-slate-900">We will request permission to:</p>
          <ul className="mt-1 list-disc space-y-0.5 pl-5 text-sm text-slate-700">
            {provider.permissions.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
          {data.notConfigured ? (
            <p className="mt-4 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
              {provider.name} is not set up on this server yet ({data.notConfigured} is missing).
            </p>
          ) : null}
          <Form method="post" className="mt-6 flex flex-wrap justify-end gap-2">
            <CsrfInput />
            <Link to={closeTo} className="btn-secondary">
              Cancel
            </Link>
            <button type="submit" name="intent" value="oauth" className="btn-primary" disabled={busy || Boolean(data.notConfigured)}>
              Continue to {provider.name}
            </button>
          </Form>
        </>
      ) : null}
      {provider.apiKey ? (
        <ApiKeyForm provider={provider} apiKey={provider.apiKey} closeTo={closeTo} lastResult={lastResult} busy={busy} />
      ) : null}
      {data.forwardingAddress ? (
        <>
          <p className="mt-4 text-slate-800">Turn on your company's forwarding address:</p>
          <p className="mt-2 break-all rounded-md bg-slate-100 px-3 py-2 font-mono text-sm">{data.forwardingAddress}</p>
          <Form method="post" className="mt-6 flex flex-wrap justify-end gap-2">
            <CsrfInput />
            <Link to={closeTo} className="btn-secondary">
              Cancel
            </Link>
            <button type="submit" name="intent" value="enable" className="btn-primary" disabled={busy}>
              Turn on email forwarding
            </button>
          </Form>
        </>
      ) : null}
    </div>
  );
}

function ApiKeyForm({
  provider,
  apiKey,
  closeTo,
  lastResult,
  busy,
}: {
  provider: Data["provider"];
  apiKey: { fields: ApiKeyField[]; help: string };
  closeTo: string;
  lastResult?: SubmissionResult<string[]>;
  busy: boolean;
}) {
  const [form, fields] = useForm({ lastResult, ...VALIDATE_ON });
  return (
    <Form method="post" className="mt-4 space-y-4" {...getFormProps(form)}>
      <CsrfInput />
      <p className="text-sm text-slate-700">{apiKey.help} Your credentials are stored encrypted and never shown again.</p>
      {apiKey.fields.map((f) => {
        const field = fields[f.name]!;
        const props = getInputProps(field, { type: f.secret ? "password" : "text" });
        const hintId = `${field.id}-hint`;
        const describedBy = [props["aria-describedby"], f.hint ? hintId : null].filter(Boolean).join(" ") || undefined;
        return (
          <div key={f.name}>
            <label htmlFor={field.id} className="label">
              {f.label}
            </label>
            <input {...props} aria-describedby={describedBy} placeholder={f.placeholder} autoComplete="off" className="input" required />
            {f.hint ? (
              <p id={hintId} className="mt-1 text-xs text-slate-600">
                {f.hint}
              </p>
            ) : null}
            {field.errors ? (
              <p id={field.errorId} className="field-error">
                {field.errors.join(" ")}
              </p>
            ) : null}
          </div>
        );
      })}
      <div className="flex flex-wrap justify-end gap-2 pt-2">
        <Link to={closeTo} className="btn-secondary">
          Cancel
        </Link>
        <button type="submit" name="intent" value="api_key" className="btn-primary" disabled={busy}>
          Connect {provider.name}
        </button>
      </div>
    </Form>
  );
}
