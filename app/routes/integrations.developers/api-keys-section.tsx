import type { SubmissionResult } from "@conform-to/react";
import { getFormProps, useForm } from "@conform-to/react";
import { Form, Link, useActionData } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { CheckboxGroup, Field, SubmitButton, VALIDATE_ON } from "~/components/forms";
import { Icon } from "~/components/icon";
import { useLazyValidator } from "~/components/lazy-validator";
import { LocalTime } from "~/components/local-time";
import { RevealedKey } from "~/components/revealed-key";
import { scopeLabels } from "~/lib/api-keys/labels";
import { apiScopes } from "~/lib/vocabulary";

type KeyRow = {
  id: string;
  name: string;
  kind: string;
  masked: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  replacedBy: string | null;
};
export type ApiKeysSectionData = {
  keys: KeyRow[];
  reveal: { keyId: string; secret: string } | null;
  revealGone: boolean;
  apiBaseUrl: string;
};

/** "API Access" of the API & Webhooks tab: named keys, the one-time reveal, create/regenerate/revoke. */
export function ApiKeysSection({ data }: { data: ApiKeysSectionData }) {
  return (
    <section aria-labelledby="api-access-heading" className="card p-5 sm:p-6">
      <h2 id="api-access-heading" className="text-lg font-semibold text-slate-900">
        API Access
      </h2>
      {data.reveal ? (
        <RevealedKey secret={data.reveal.secret} name={data.keys.find((k) => k.id === data.reveal!.keyId)?.name ?? "New key"} />
      ) : null}
      {data.revealGone ? (
        <p role="status" className="mt-4 rounded-md bg-slate-100 px-3 py-2 text-sm text-slate-700">
          That key has already been shown. Live keys are shown only once; if you did not copy it, regenerate it.
        </p>
      ) : null}
      <p className="mt-4 text-sm text-slate-600">
        Your systems call the API with these keys. A key is shown in full once, when you create it; copy it then and keep it on your server.
      </p>
      {/* the sprite's warning sign, not the ⚠️ emoji: an emoji sends the browser looking for a colour emoji font */}
      <p className="mt-1 flex items-start gap-1.5 text-sm text-amber-800">
        <Icon name="warning" className="nav-icon icon-sm mt-0.5" />
        <span>Keep keys secret. Never put one in client-side code.</span>
      </p>
      <KeyList keys={data.keys} />
      {/* a fresh form after each created key (conform keeps field state client-side) */}
      <CreateKeyForm key={data.reveal?.keyId ?? "create"} />
      <div className="mt-6 border-t border-slate-200 pt-4 text-sm">
        <p>
          API Endpoint: <code className="rounded bg-slate-100 px-1.5 py-0.5 break-all">{data.apiBaseUrl}</code>
        </p>
        <p className="mt-2">
          <Link to="/docs/api" className="font-medium text-brand-700 hover:underline">
            View API Documentation →
          </Link>
        </p>
      </div>
    </section>
  );
}

function KeyList({ keys }: { keys: KeyRow[] }) {
  if (keys.length === 0)
    return <p className="mt-4 text-sm text-slate-600">No API keys yet. Create one below to call the API from your own systems.</p>;
  const byId = new Map(keys.map((k) => [k.id, k]));
  return (
    <ul className="mt-4 divide-y divide-slate-200 rounded-md border border-slate-200" aria-label="API keys">
      {keys.map((k) => {
        const successor = k.replacedBy ? byId.get(k.replacedBy) : undefined;
        return (
          <li key={k.id} className="flex flex-col gap-3 p-4 sm:flex-row sm:items-center sm:justify-between">
            <div className="min-w-0">
              <p className="break-words font-medium text-slate-900">
                {k.name} {k.kind === "default" ? <span className="badge bg-slate-100 text-slate-700">Default</span> : null}
                {k.replacedBy ? <span className="badge bg-amber-100 text-amber-900">Old key</span> : null}
              </p>
              <p className="mt-1 font-mono text-sm text-slate-700">
                <span className="sr-only">Key ending in {k.masked.slice(-4)}: </span>
                {k.masked}
              </p>
              <p className="mt-1 text-xs text-slate-600">
                {k.lastUsedAt ? (
                  <>
                    Last used <LocalTime value={k.lastUsedAt} />
                  </>
                ) : (
                  "Never used"
                )}{" "}
                · Created <LocalTime value={k.createdAt} style="date" />
                {k.expiresAt ? (
                  <>
                    {" "}
                    ·{" "}
                    <strong className="text-amber-800">
                      Stops working <LocalTime value={k.expiresAt} />
                    </strong>
                  </>
                ) : null}
              </p>
              {k.replacedBy ? (
                <p className="mt-1 text-xs text-amber-900">
                  Replaced by{" "}
                  {successor ? (
                    <>
                      the key ending in <code>{successor.masked.slice(-4)}</code>
                    </>
                  ) : (
                    "a newer key"
                  )}
                  . Move your systems to it before this one stops working.
                </p>
              ) : null}
              <p className="mt-1 text-xs text-slate-500">Scopes: {k.scopes.join(", ")}</p>
            </div>
            <div className="flex shrink-0 gap-2">
              {k.replacedBy ? null : (
                <Link to={`keys/${k.id}/regenerate`} preventScrollReset className="btn-secondary" aria-label={`Regenerate ${k.name}`}>
                  Regenerate
                </Link>
              )}
              <Link
                to={`keys/${k.id}/revoke`}
                preventScrollReset
                className="btn-danger-outline"
                aria-label={`Revoke ${k.name}${k.replacedBy ? " (old key)" : ""}`}
              >
                {k.replacedBy ? "Revoke now" : "Revoke"}
              </Link>
            </div>
          </li>
        );
      })}
    </ul>
  );
}

const loadCreateKeyValidator = () => import("~/lib/api-keys/create-key.validate").then((m) => m.validateCreateKey);

function CreateKeyForm() {
  const { validate, start } = useLazyValidator(loadCreateKeyValidator);
  const actionData = useActionData<{ intent: string | null; result: SubmissionResult | null }>();
  const lastResult = actionData?.intent === "create-key" ? actionData.result : undefined;
  const [form, fields] = useForm({
    id: "create-key",
    lastResult,
    onValidate: validate && (({ formData }) => validate(formData)),
    ...VALIDATE_ON,
    defaultValue: { scopes: [...apiScopes] },
  });
  return (
    <Form
      method="post"
      preventScrollReset
      {...getFormProps(form)}
      onFocus={start}
      aria-labelledby="create-key-heading"
      className="mt-6 rounded-md border border-slate-200 p-4"
    >
      <h3 id="create-key-heading" className="font-medium text-slate-900">
        Create a key
      </h3>
      <CsrfInput />
      <input type="hidden" name="intent" value="create-key" />
      <Field meta={fields.name} label="Name" className="mt-3" inputProps={{ placeholder: "e.g. Production server", maxLength: 60 }} />
      <div className="mt-3">
        <CheckboxGroup
          meta={fields.scopes}
          legend="Scopes"
          options={apiScopes.map((scope) => ({
            value: scope,
            label: (
              <>
                <code>{scope}</code> — {scopeLabels[scope]}
              </>
            ),
          }))}
        />
      </div>
      <SubmitButton intent="create-key" busyText="Creating…" className="btn-primary mt-4">
        Create key
      </SubmitButton>
    </Form>
  );
}
