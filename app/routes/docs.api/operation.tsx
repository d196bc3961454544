import type { ReactNode } from "react";
import { InlineMarkdown } from "~/components/inline-markdown";

type TypeLabel = { text: string; ref: string | null };
type FieldRow = { name: string; required: boolean; type: TypeLabel; description: string; notes: string[] };
type Operation = {
  id: string;
  method: string;
  path: string;
  summary: string;
  description: string | null;
  scope: string | null;
  parameters: { name: string; in: string; required: boolean; description: string; type: TypeLabel; notes: string[] }[];
  requestBody: { required: boolean; schema: string | null; fields: FieldRow[]; example: string | null } | null;
  responses: { status: string; description: string; type: TypeLabel | null }[];
  curl: string;
};

export function Code({ children, label }: { children: ReactNode; label?: string }) {
  const className = "mt-2 overflow-x-auto rounded-md bg-slate-900 p-3 text-xs leading-5 text-slate-100";
  // A labelled sample is a named, scrollable region (reachable by keyboard); an unlabelled one is plain text.
  return label ? (
    <section aria-label={label}>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable block must be focusable to scroll by keyboard (axe: scrollable-region-focusable). */}
      <pre tabIndex={0} className={className}>
        <code>{children}</code>
      </pre>
    </section>
  ) : (
    <pre className={className}>
      <code>{children}</code>
    </pre>
  );
}

/** A type in words; a named schema links to its section below. */
export function TypeName({ type }: { type: TypeLabel }) {
  if (!type.ref) return <span className="font-mono text-xs">{type.text}</span>;
  const [before, after] = type.text.split(type.ref) as [string, string | undefined];
  return (
    <span className="font-mono text-xs">
      {before}
      <a href={`#schema-${type.ref}`} className="text-brand-700 underline">
        {type.ref}
      </a>
      {after ?? ""}
    </span>
  );
}

export function FieldTable({ rows, caption }: { rows: FieldRow[]; caption: string }) {
  return (
    <div className="mt-2 overflow-x-auto">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="py-1 pr-3 font-medium">Field</th>
            <th className="py-1 pr-3 font-medium">Type</th>
            <th className="py-1 font-medium">Description</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((f) => (
            <tr key={f.name} className="align-top">
              <td className="py-1.5 pr-3 font-mono text-xs">
                {f.name}
                {f.required ? <span className="ml-1 font-sans text-[11px] font-semibold text-red-800">required</span> : null}
              </td>
              <td className="py-1.5 pr-3">
                <TypeName type={f.type} />
              </td>
              <td className="py-1.5 text-slate-700">
                {f.description ? <InlineMarkdown text={f.description} /> : null}
                {f.notes.length ? <span className="block text-xs text-slate-600">{f.notes.join(" · ")}</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One endpoint of /docs/api: summary, scope, parameters, body with an example, responses and a curl example. */
export function OperationSection({ op }: { op: Operation }) {
  return (
    <section id={op.id} aria-labelledby={`${op.id}-h`} className="mt-6 border-t border-slate-200 pt-4">
      <h3 id={`${op.id}-h`} className="font-mono text-base font-semibold text-slate-900 [overflow-wrap:anywhere]">
        <span className="mr-2 rounded bg-slate-200 px-1.5 py-0.5 text-xs">{op.method}</span>
        {op.path}
      </h3>
      <p className="mt-1">{op.summary}.</p>
      {op.description ? (
        <p className="mt-1 text-sm">
          <InlineMarkdown text={op.description} />
        </p>
      ) : null}
      <p className="mt-1 text-sm">Scope: {op.scope ? <code>{op.scope}</code> : "any valid key"}</p>
      {op.parameters.length ? (
        <>
          <p className="mt-3 text-sm font-medium">Parameters</p>
          <FieldTable
            caption={`Parameters of ${op.method} ${op.path}`}
            rows={op.parameters.map((p) => ({ ...p, name: `${p.name} (${p.in})`, description: p.description }))}
          />
        </>
      ) : null}
      {op.requestBody ? (
        <>
          <p className="mt-3 text-sm font-medium">
            Request body{op.requestBody.required ? "" : " (optional)"}
            {op.requestBody.schema ? (
              <>
                : <TypeName type={{ text: op.requestBody.schema, ref: op.requestBody.schema }} />
              </>
            ) : null}
          </p>
          <FieldTable caption={`Request body of ${op.method} ${op.path}`} rows={op.requestBody.fields} />
          {op.requestBody.example ? <Code label={`Example request body of ${op.method} ${op.path}`}>{op.requestBody.example}</Code> : null}
        </>
      ) : null}
      <p className="mt-3 text-sm font-medium">Responses</p>
      <ul className="mt-1 space-y-1 text-sm">
        {op.responses.map((r) => (
          <li key={r.status}>
            <code className="font-semibold">{r.status}</code> <InlineMarkdown text={r.description} />
            {r.type ? (
              <>
                {" "}
                · <TypeName type={r.type} />
              </>
            ) : null}
          </li>
        ))}
      </ul>
      <p className="mt-3 text-sm font-medium">Example</p>
      <Code>{op.curl}</Code>
    </section>
  );
}
