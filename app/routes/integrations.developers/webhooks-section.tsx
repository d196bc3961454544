import { Form, Link } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { EVENT_DESCRIPTIONS, webhookEventTypes } from "~/lib/vocabulary";
import { sampleEventBody } from "~/lib/webhooks/samples";
import type { WebhooksSectionData } from "~/lib/webhooks/section.server";

type Serialized = {
  endpoints: (Omit<
    WebhooksSectionData["endpoints"][number],
    "createdAt" | "updatedAt" | "disabledAt" | "failingSince" | "previousSecretExpiresAt" | "rotationEndsAt"
  > & {
    disabledAt: string | null;
  })[];
  autoDisabled: WebhooksSectionData["autoDisabled"];
};

const BASE = "/integrations/developers/webhooks";

/** The Webhooks section of the API & Webhooks tab (its data comes from webhooksSection()). */
export function WebhooksSection({ data }: { data: Serialized }) {
  return (
    <section aria-labelledby="webhooks-heading" className="card p-5 sm:p-6">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <h2 id="webhooks-heading" className="text-lg font-semibold">
            Webhooks
          </h2>
          <p className="mt-1 text-sm text-slate-600">Receive real-time updates when events occur.</p>
        </div>
        <Link to={`${BASE}/new`} preventScrollReset className="btn-primary">
          + Add Webhook Endpoint
        </Link>
      </div>
      {data.autoDisabled.length > 0 ? (
        <div role="status" className="mt-4 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          {data.autoDisabled.length === 1 ? "An endpoint was" : `${data.autoDisabled.length} endpoints were`} disabled automatically after
          failing for 5 days:{" "}
          {data.autoDisabled.map((e, i) => (
            <span key={e.id}>
              {i > 0 ? ", " : ""}
              <Link className="underline" to={`${BASE}/${e.id}`}>
                {e.url}
              </Link>
            </span>
          ))}
          . Fix the receiver, then re-enable it.
        </div>
      ) : null}
      {data.endpoints.length === 0 ? (
        <p className="mt-5 rounded-md border border-dashed border-slate-300 p-6 text-center text-sm text-slate-600">
          No webhook endpoints yet.
        </p>
      ) : (
        <ul className="mt-5 space-y-3">
          {data.endpoints.map((e) => (
            <li key={e.id} className="rounded-md border border-slate-200 p-4">
              <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
                <div className="min-w-0 flex-1">
                  <Link
                    to={`${BASE}/${e.id}`}
                    className="block font-mono text-xs font-medium text-slate-900 [overflow-wrap:anywhere] hover:underline sm:text-sm"
                  >
                    <BreakableUrl url={e.url} />
                  </Link>
                  {e.description ? <p className="mt-0.5 text-sm text-slate-600">{e.description}</p> : null}
                  <p className="mt-1 text-sm text-slate-700">
                    <span className="font-medium">Events:</span> {e.events.join(", ")}
                  </p>
                  <p className="mt-1 text-sm">
                    <span className="font-medium">Status:</span>{" "}
                    {e.status === "active" ? (
                      <span className="badge bg-green-100 text-green-800">● Active</span>
                    ) : (
                      <>
                        <span className="badge bg-red-100 text-red-800">● Disabled</span>
                        {e.disabledReason ? <span className="ml-1 text-slate-600">{e.disabledReason}</span> : null}
                      </>
                    )}
                  </p>
                </div>
                <Sparkline rates={e.rates} />
              </div>
              <div className="mt-3 flex flex-wrap justify-end gap-2">
                <Link to={`${BASE}/${e.id}/edit`} preventScrollReset className="btn-secondary">
                  Edit
                </Link>
                <Form method="post" action={`${BASE}/${e.id}`}>
                  <CsrfInput />
                  <input type="hidden" name="intent" value="test" />
                  <button type="submit" className="btn-secondary" aria-label={`Send a test event to ${e.url}`}>
                    Test
                  </button>
                </Form>
                <Link to={`${BASE}/${e.id}/delete`} preventScrollReset className="btn-danger-outline">
                  Delete
                </Link>
              </div>
            </li>
          ))}
        </ul>
      )}
      <h3 className="mt-6 text-sm font-semibold text-slate-900">Available events</h3>
      <ul className="mt-2 space-y-2">
        {webhookEventTypes.map((type) => (
          <li key={type} className="text-sm">
            <details>
              <summary className="cursor-pointer">
                <code className="font-mono">{type}</code> <span className="text-slate-600">— {EVENT_DESCRIPTIONS[type]}</span>
              </summary>
              <pre className="mt-2 overflow-x-auto rounded-md bg-slate-900 p-3 text-xs text-slate-100">
                {JSON.stringify(sampleEventBody(type), null, 2)}
              </pre>
            </details>
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * A URL that wraps after a "/" when it must (never in the middle of the host name first); only a
 * single segment longer than the line breaks anywhere.
 */
function BreakableUrl({ url }: { url: string }) {
  const parts = url.split(/(?<=[^/]\/)(?=[^/])/);
  return (
    <>
      {parts.map((part, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the URL's segments are positional.
        <span key={i}>
          {i > 0 ? <wbr /> : null}
          {part}
        </span>
      ))}
    </>
  );
}

/** A 24-bar success-rate chart drawn as SVG on the server (no JS), with a visible caption and total. */
export function Sparkline({ rates }: { rates: (number | null)[] }) {
  const known = rates.filter((r): r is number => r !== null);
  const overall = known.length ? Math.round((known.reduce((a, b) => a + b, 0) / known.length) * 100) : null;
  const label = overall === null ? "No deliveries in the last 24 hours" : `Success rate over the last 24 hours: ${overall}%`;
  return (
    <figure className="shrink-0 text-xs text-slate-600">
      <figcaption className="mb-1 font-medium text-slate-700">Delivery success, last 24 h</figcaption>
      <div className="flex items-center gap-2">
        <svg role="img" aria-label={label} width="96" height="24" viewBox="0 0 96 24" className="shrink-0">
          <title>{label}</title>
          {rates.map((r, i) => {
            const h = r === null ? 2 : Math.max(2, Math.round(r * 22));
            const color = r === null ? "#cbd5e1" : r >= 0.95 ? "#16a34a" : r >= 0.5 ? "#d97706" : "#dc2626";
            // biome-ignore lint/suspicious/noArrayIndexKey: the 24 hourly bars are positional; the hour is the identity.
            return <rect key={i} x={i * 4} y={24 - h} width="3" height={h} fill={color} />;
          })}
        </svg>
        <span aria-hidden="true" className="whitespace-nowrap">
          {overall === null ? "No deliveries" : `${overall}%`}
        </span>
      </div>
    </figure>
  );
}
