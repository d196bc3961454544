import { Form } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { LocalTime } from "~/components/local-time";

type Attempt = {
  id: string;
  n: number;
  at: string;
  durationMs: number;
  statusCode: number | null;
  requestHeaders: Record<string, string> | null;
  responseExcerpt: string | null;
  error: string | null;
};
export type DeliveryRowView = {
  id: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastDurationMs: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  body: string;
  attemptsList: Attempt[];
};

const STATUS_STYLE: Record<string, string> = {
  succeeded: "bg-green-100 text-green-800",
  failed: "bg-red-100 text-red-800",
  pending: "bg-amber-100 text-amber-900",
};

/** Deliveries with their attempts; each attempt opens (no JS) to its headers, body and response. */
export function DeliveriesTable({ deliveries }: { deliveries: DeliveryRowView[] }) {
  if (deliveries.length === 0) return <p className="text-sm text-slate-600">No deliveries yet. Send a test event to see one here.</p>;
  return (
    <ul className="divide-y divide-slate-200 rounded-md border border-slate-200">
      {deliveries.map((d) => (
        <li key={d.id} className="p-3 text-sm">
          <div className="flex flex-wrap items-center gap-x-4 gap-y-1">
            <code className="font-mono font-medium">{d.eventType}</code>
            <span className={`badge ${STATUS_STYLE[d.status] ?? ""}`}>{d.status}</span>
            <span>{attemptsLabel(d)}</span>
            <span>Last status: {d.lastStatusCode ?? "—"}</span>
            <span>Latency: {d.lastDurationMs === null ? "—" : `${d.lastDurationMs} ms`}</span>
            {d.status === "pending" && d.nextAttemptAt ? (
              <span>
                Next retry: <LocalTime value={d.nextAttemptAt} />
              </span>
            ) : null}
            <span className="text-slate-500">
              <LocalTime value={d.createdAt} />
            </span>
            <Form method="post" className="ml-auto">
              <CsrfInput />
              <input type="hidden" name="intent" value="resend" />
              <input type="hidden" name="deliveryId" value={d.id} />
              <button type="submit" className="btn-secondary py-1" aria-label={`Resend delivery of ${d.eventType} ${d.eventId}`}>
                Resend
              </button>
            </Form>
          </div>
          {d.lastError ? <p className="mt-1 text-red-700">{d.lastError}</p> : null}
          <details className="mt-2">
            <summary className="cursor-pointer text-slate-700">
              Request body and {d.attemptsList.length} attempt{d.attemptsList.length === 1 ? "" : "s"}
            </summary>
            <pre className="mt-2 overflow-x-auto rounded bg-slate-900 p-2 text-xs text-slate-100">{pretty(d.body)}</pre>
            <ol className="mt-2 space-y-2">
              {d.attemptsList.map((a) => (
                <li key={a.id} className="rounded border border-slate-200 p-2">
                  <p>
                    #{a.n} · <LocalTime value={a.at} /> · {a.statusCode ?? "no response"} · {a.durationMs} ms
                    {a.error ? <span className="text-red-700"> · {a.error}</span> : null}
                  </p>
                  <p className="mt-1 font-medium">Request headers</p>
                  <pre className="overflow-x-auto rounded bg-slate-100 p-2 text-xs">
                    {Object.entries(a.requestHeaders ?? {})
                      .map(([k, v]) => `${k}: ${v}`)
                      .join("\n")}
                  </pre>
                  <p className="mt-1 font-medium">Response excerpt</p>
                  <pre className="overflow-x-auto whitespace-pre-wrap break-all rounded bg-slate-100 p-2 text-xs">
                    {a.responseExcerpt || "(empty)"}
                  </pre>
                </li>
              ))}
            </ol>
          </details>
        </li>
      ))}
    </ul>
  );
}

/** The count the expander lists; a resend restarts the delivery's own counter, so say so. */
function attemptsLabel(d: DeliveryRowView) {
  const total = Math.max(d.attempts, d.attemptsList.length);
  return d.attempts < total ? `Attempts: ${total} (${d.attempts} since resent)` : `Attempts: ${total}`;
}

function pretty(body: string) {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}
