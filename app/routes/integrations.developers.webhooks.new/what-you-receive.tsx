import { InlineMarkdown } from "~/components/inline-markdown";

export type CatalogEntry = { type: string; description: string; sample: string };

/**
 * "What will I receive?": the event catalog on the Add Webhook screen, one disclosure per type
 * with its meaning and an example body. Plain <details>, so it opens without JS; the full schemas
 * are on /docs/api and in the OpenAPI document's `webhooks` section.
 */
export function WhatYouReceive({ events }: { events: CatalogEntry[] }) {
  return (
    <details className="rounded-md border border-slate-200 p-3">
      <summary className="cursor-pointer text-sm font-semibold text-slate-900">What will I receive?</summary>
      <p className="mt-2 text-sm text-slate-600">
        A signed JSON <code className="font-mono">POST</code> per event, the same shape from every channel. Full field lists:{" "}
        <a href="/docs/api#events" className="text-brand-700 underline">
          event catalog
        </a>
        .
      </p>
      <ul className="mt-2 space-y-2">
        {events.map((e) => (
          <li key={e.type}>
            <details>
              <summary className="cursor-pointer font-mono text-sm text-slate-900">{e.type}</summary>
              <p className="mt-1 text-sm text-slate-600">
                <InlineMarkdown text={e.description} />
              </p>
              {/* Wrapped, never scrolled: no scrollable region, and no label that would echo the event checkboxes'. */}
              <pre className="mt-1 whitespace-pre-wrap break-all rounded-md bg-slate-900 p-3 text-xs leading-5 text-slate-100">
                <code>{e.sample}</code>
              </pre>
            </details>
          </li>
        ))}
      </ul>
    </details>
  );
}
