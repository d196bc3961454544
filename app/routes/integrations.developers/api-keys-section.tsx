import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { SubmissionResult } from "@conform-to/react";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { LocalTime } from "~/components/local-time";
import { apiScopes } from "~/lib/vocabulary";
import { CreateKeySchema, scopeLabels } from "./api-keys.schema";
import { RevealedKey } from "./revealed-key";

type KeyRow = { id: string; name: string; kind: string; masked: string; scopes: string[]; createdAt: string; lastUsedAt: string | null; expiresAt: string | null };
export type ApiKeysSectionData = { keys: KeyRow[]; reveal: { keyId: string; secret: string } | null; revealGone: boolean; apiBaseUrl: string };

/** "API Access" of the API & Webhooks tab: named keys, the one-time reveal, create/regenerate/revoke. */
export function ApiKeysSection({ data }: { data: ApiKeysSectionData }) {
  return (
    <section aria-labelledby="api-access-heading" className="card p-5 sm:p-6">
      <h2 id="api-access-heading" className="text-lg font-semibold text-slate-900">API Access</h2>
      {data.reveal ? <RevealedKey secret={data.reveal.secret} name={data.keys.find((k) => k.id === data.reveal!.keyId)?.name ?? "New key"} /> : null}
      {data.revealGone ? (
        <p role="status" className="mt-4 rounded-md bg-slate-100 px-3 py-2 text-sm text-slate-700">
          That key has already been shown. Live keys are shown only once; if you did not copy it, regenerate it.
        </p>
      ) : null}
      <p className="mt-4 text-sm text-amber-800">
        <span aria-hidden="true">⚠️ </span>Keep this key secret. Never expose it in client-side code.
      </p>
      <p className="mt-1 text-sm text-slate-600">
        Live keys are shown only once, right after you create or regenerate them; afterwards only their last four characters are
        kept, so there is no “Show” button. Lost a key? Regenerate it.
      </p>
      <KeyList keys={data.keys} />
      {/* a fresh form after each created key (conform keeps field state client-side) */}
      <CreateKeyForm key={data.reveal?.keyId ?? "create"} />
      <div className="mt-6 border-t border-slate-200 pt-4 text-sm">
        <p>
          API Endpoint: <code className="rounded bg-slate-100 px-1.5 py-0.5 break-all">{data.apiBaseUrl}</code>
        </p>
        <p className="mt-2">
          <Link to="/docs/api" className="font-medium text-brand-700 hover:underline">View API Documentation →</Link>
        </p>
      </div>
    </section>
  );
}

function KeyList({ keys }: { keys: KeyRow[] }) {
  if (keys.length === 0) return <p className="mt-4 text-sm text-slate-600">No API keys yet. Create one below.</p>;
  return (
    <ul className="mt-4 divide-y divide-slate-200 rounded-md border border-slate-200" aria-label="API keys">
      {keys.map((k) => (
        <li key={k.id} className="flex flex-col gap-3 p-4 sm:flex-row sm:items-center sm:justify-between">
          <div className="min-w-0">
            <p className="font-medium text-slate-900">
              {k.name} {k.kind === "default" ? <span className="badge bg-slate-100 text-slate-700">Default</span> : null}
            </p>
            <p className="mt-1 font-mono text-sm text-slate-700" aria-label={`Key ending in ${k.masked.slice(-4)}`}>{k.masked}</p>
            <p className="mt-1 text-xs text-slate-600">
              {k.lastUsedAt ? <>Last used <LocalTime value={k.lastUsedAt} /></> : "Never used"} · Created <LocalTime value={k.createdAt} style="date" />
              {k.expiresAt ? <> · <strong className="text-amber-800">Expires <LocalTime value={k.expiresAt} /></strong></> : null}
            </p>
            <p className="mt-1 text-xs text-slate-500">Scopes: {k.scopes.join(", ")}</p>
          </div>
          <div className="flex shrink-0 gap-2">
            <Link to={`keys/${k.id}/regenerate`} preventScrollReset className="btn-secondary">Regenerate</Link>
            <Link to={`keys/${k.id}/revoke`} preventScrollReset className="btn-danger-outline">Revoke</Link>
          </div>
        </li>
      ))}
    </ul>
  );
}

function CreateKeyForm() {
  const actionData = useActionData<{ intent: string | null; result: SubmissionResult | null }>();
  const navigation = useNavigation();
  const lastResult = actionData?.intent === "create-key" ? actionData.result : undefined;
  const [form, fields] = useForm({
    id: "create-key",
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: CreateKeySchema }),
    shouldRevalidate: "onBlur",
    defaultValue: { scopes: [...apiScopes] },
  });
  const busy = navigation.state !== "idle" && navigation.formData?.get("intent") === "create-key";
  const chosen = new Set((fields.scopes.initialValue as string[] | undefined) ?? apiScopes);
  return (
    <Form method="post" preventScrollReset {...getFormProps(form)} className="mt-6 rounded-md border border-slate-200 p-4">
      <h3 className="font-medium text-slate-900">Create a key</h3>
      <CsrfInput />
      <input type="hidden" name="intent" value="create-key" />
      <div className="mt-3">
        <label htmlFor={fields.name.id} className="label">Name</label>
        <input {...getInputProps(fields.name, { type: "text" })} className="input" placeholder="e.g. Production server" maxLength={60} />
        {fields.name.errors ? <p id={fields.name.errorId} className="field-error">{fields.name.errors.join(" ")}</p> : null}
      </div>
      <fieldset className="mt-3" aria-describedby={fields.scopes.errors ? fields.scopes.errorId : undefined}>
        <legend className="label">Scopes</legend>
        {apiScopes.map((scope) => (
          <label key={scope} className="mt-1 flex items-start gap-2 text-sm text-slate-800">
            <input type="checkbox" name={fields.scopes.name} value={scope} defaultChecked={chosen.has(scope)} className="mt-0.5" />
            <span><code>{scope}</code> — {scopeLabels[scope]}</span>
          </label>
        ))}
        {fields.scopes.errors ? <p id={fields.scopes.errorId} className="field-error">{fields.scopes.errors.join(" ")}</p> : null}
      </fieldset>
      <button type="submit" className="btn-primary mt-4" disabled={busy}>{busy ? "Creating…" : "Create key"}</button>
    </Form>
  );
}
