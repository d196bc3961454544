import { Form } from "@remix-run/react";
import { CsrfInput } from "./csrf";
import { LocalTime } from "./local-time";

export type ActivityRow = {
  id: string;
  direction: "outbound" | "inbound";
  at: string;
  event: string;
  summary: string | null;
  status: "pending" | "succeeded" | "failed";
  error: string | null;
  remoteUrl: string | null;
  attempts: number;
};

const RESULT: Record<ActivityRow["status"], { label: string; className: string }> = {
  succeeded: { label: "Succeeded", className: "bg-emerald-100 text-emerald-800" },
  failed: { label: "Failed", className: "bg-red-100 text-red-800" },
  pending: { label: "Pending", className: "bg-slate-100 text-slate-700" },
};

/**
 * A connection's last actions (its deliveries) and, for a channel, what it received, newest first,
 * with Retry for a failed delivery: a plain POST form, so it works without JavaScript.
 */
export function ActivityList({
  provider,
  providerName,
  items,
  retried,
  canRetry = true,
  emptyText,
}: {
  provider: string;
  providerName: string;
  items: ActivityRow[];
  retried?: boolean;
  /** false where a failed row is retried by another screen or by the schedule (Zapier's deliveries). */
  canRetry?: boolean;
  emptyText?: string;
}) {
  return (
    <section aria-labelledby="activity-heading" className="mt-6">
      <h3 id="activity-heading" className="text-sm font-semibold text-slate-900">
        Recent activity
      </h3>
      {retried ? (
        <p role="status" className="mt-2 text-sm text-emerald-800">
          The action was queued again.
        </p>
      ) : null}
      {items.length === 0 ? (
        <p className="mt-2 text-sm text-slate-600">
          {emptyText ?? `No actions yet. ${providerName} acts when the events it listens to happen.`}
        </p>
      ) : (
        <ul className="mt-2 divide-y divide-slate-200 rounded-md border border-slate-200">
          {items.map((item) => (
            <li key={item.id} className="flex flex-wrap items-start justify-between gap-2 p-3 text-sm">
              <div className="min-w-0 flex-1">
                <p className="text-slate-900">
                  <span className="font-mono text-xs">{item.event}</span>
                  {" · "}
                  <LocalTime value={item.at} />
                </p>
                {item.summary ? <p className="mt-0.5 break-words text-slate-700">{item.summary}</p> : null}
                {item.error ? <p className="mt-0.5 break-words text-red-800">{item.error}</p> : null}
                <p className="mt-0.5 text-xs text-slate-600">
                  {item.direction === "inbound"
                    ? `Received from ${providerName}`
                    : `${item.attempts} attempt${item.attempts === 1 ? "" : "s"}`}
                  {item.remoteUrl ? (
                    <>
                      {" · "}
                      <a href={item.remoteUrl} className="underline" target="_blank" rel="noreferrer noopener">
                        Open in {providerName}
                      </a>
                    </>
                  ) : null}
                </p>
              </div>
              <div className="flex items-center gap-2">
                {item.direction === "inbound" ? (
                  <span className="rounded-full bg-sky-100 px-2 py-0.5 text-xs font-medium text-sky-800">Received</span>
                ) : (
                  <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${RESULT[item.status].className}`}>
                    {RESULT[item.status].label}
                  </span>
                )}
                {item.direction === "outbound" && item.status === "failed" && canRetry ? (
                  <Form method="post" action={`/integrations/${provider}/activity`}>
                    <CsrfInput />
                    <input type="hidden" name="deliveryId" value={item.id} />
                    <button
                      type="submit"
                      name="intent"
                      value="retry"
                      className="btn-secondary px-2 py-1 text-xs"
                      aria-label={`Retry ${item.event} from ${item.at}`}
                    >
                      Retry
                    </button>
                  </Form>
                ) : null}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
