import type { ReactNode } from "react";

type Operation = {
  id: string;
  method: string;
  path: string;
  summary: string;
  description: string | null;
  scope: string | null;
  parameters: { name: string; in: string; required: boolean; description: string; schema: string }[];
  requestBody: { required: boolean; schema: string } | null;
  responses: { status: string; description: string; schema: string | null }[];
  curl: string;
};

export function Code({ children }: { children: ReactNode }) {
  return <pre className="mt-2 overflow-x-auto rounded-md bg-slate-900 p-3 text-xs leading-5 text-slate-100"><code>{children}</code></pre>;
}

/** One endpoint of /docs/api: summary, scope, parameters, body, responses and a curl example. */
export function OperationSection({ op }: { op: Operation }) {
  return (
    <section id={op.id} aria-labelledby={`${op.id}-h`} className="mt-6 border-t border-slate-200 pt-4">
      <h3 id={`${op.id}-h`} className="font-mono text-base font-semibold text-slate-900">
        <span className="mr-2 rounded bg-slate-200 px-1.5 py-0.5 text-xs">{op.method}</span>
        {op.path}
      </h3>
      <p className="mt-1">{op.summary}.</p>
      {op.description ? <p className="mt-1 text-sm">{op.description}</p> : null}
      <p className="mt-1 text-sm">Scope: {op.scope ? <code>{op.scope}</code> : "any valid key"}</p>
      {op.parameters.length ? (
        <div className="mt-2 overflow-x-auto">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Parameters of {op.method} {op.path}</caption>
            <thead><tr><th className="pr-3">Parameter</th><th className="pr-3">In</th><th className="pr-3">Required</th><th>Schema</th></tr></thead>
            <tbody>
              {op.parameters.map((p) => (
                <tr key={`${p.in}-${p.name}`} className="align-top">
                  <td className="pr-3 font-mono">{p.name}</td>
                  <td className="pr-3">{p.in}</td>
                  <td className="pr-3">{p.required ? "yes" : "no"}</td>
                  <td><code className="text-xs break-all">{p.schema}</code>{p.description ? <span className="block text-xs text-slate-600">{p.description}</span> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {op.requestBody ? (
        <>
          <p className="mt-2 text-sm font-medium">Request body (JSON{op.requestBody.required ? "" : ", optional"})</p>
          <Code>{op.requestBody.schema}</Code>
        </>
      ) : null}
      <p className="mt-2 text-sm font-medium">Responses</p>
      <ul className="mt-1 list-disc pl-5 text-sm">
        {op.responses.map((r) => (
          <li key={r.status}>
            <code>{r.status}</code> {r.description} {r.schema ? <code className="text-xs break-all">{r.schema}</code> : null}
          </li>
        ))}
      </ul>
      <p className="mt-2 text-sm font-medium">Example</p>
      <Code>{op.curl}</Code>
    </section>
  );
}
