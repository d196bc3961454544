import { CopyButton } from "./forms";

export type SetupValuesData = { title: string; values: { label: string; value: string; hint?: string }[] };

/**
 * What the admin pastes into the provider's dashboard (a callback URL, a verify token), each with
 * a Copy button once JavaScript and the clipboard are there; without them the text is selectable.
 */
export function SetupValues({ setup }: { setup: SetupValuesData }) {
  return (
    <section aria-labelledby="setup-values-heading" className="mt-4 text-left">
      <h3 id="setup-values-heading" className="text-sm font-semibold text-slate-900">
        {setup.title}
      </h3>
      <dl className="mt-2 space-y-3">
        {setup.values.map((v) => (
          <div key={v.label}>
            <dt className="text-xs font-medium text-slate-600">{v.label}</dt>
            <dd className="mt-1 flex items-center gap-2">
              <code className="min-w-0 flex-1 break-all rounded bg-slate-100 px-2 py-1 text-xs text-slate-900">{v.value}</code>
              <CopyButton text={v.value} name={v.label} className="btn-secondary shrink-0 px-2 py-1 text-xs" />
            </dd>
            {v.hint ? <dd className="mt-1 text-xs text-slate-600">{v.hint}</dd> : null}
          </div>
        ))}
      </dl>
    </section>
  );
}
