import { Form, useNavigation } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { LocalTime } from "~/components/local-time";

type Subscription = {
  id: string;
  event: string;
  targetHost: string;
  status: "active" | "disabled";
  createdAt: string;
  lastDelivery: { status: "pending" | "succeeded" | "failed"; statusCode: number | null; at: string | null } | null;
};

const DELIVERY_LABEL = { pending: "Pending", succeeded: "Delivered", failed: "Failed" } as const;
const DELIVERY_TONE = { pending: "text-slate-700", succeeded: "text-emerald-800", failed: "text-red-800" } as const;

/** One row per subscription; Remove is a plain form POST (works without JavaScript). */
export function SubscriptionList({ subscriptions }: { subscriptions: Subscription[] }) {
  const navigation = useNavigation();
  const removing = navigation.state === "submitting" ? navigation.formData?.get("id") : null;
  if (subscriptions.length === 0) {
    return (
      <p className="mt-3 rounded-md bg-slate-50 px-3 py-4 text-center text-sm text-slate-700">
        No Zaps have subscribed yet. Turn a Zap on in Zapier and it appears here.
      </p>
    );
  }
  return (
    <ul className="mt-3 divide-y divide-slate-200 rounded-md border border-slate-200">
      {subscriptions.map((s) => (
        <li key={s.id} className="flex flex-col gap-2 p-3 sm:flex-row sm:items-center sm:justify-between">
          <div className="min-w-0 text-sm">
            <p className="font-mono font-medium text-slate-900">{s.event}</p>
            <p className="break-all text-slate-700">
              to {s.targetHost}
              {s.status === "disabled" ? (
                <span className="badge ml-2 bg-amber-50 text-amber-900 ring-1 ring-amber-200">Disabled</span>
              ) : null}
            </p>
            <p className="text-xs text-slate-600">
              Subscribed <LocalTime value={s.createdAt} style="date" />
              {" · "}
              {s.lastDelivery ? (
                <span className={DELIVERY_TONE[s.lastDelivery.status]}>
                  Last delivery: {DELIVERY_LABEL[s.lastDelivery.status]}
                  {s.lastDelivery.statusCode ? ` (HTTP ${s.lastDelivery.statusCode})` : ""}
                  {s.lastDelivery.at ? (
                    <>
                      {" "}
                      <LocalTime value={s.lastDelivery.at} style="relative" />
                    </>
                  ) : null}
                </span>
              ) : (
                "No deliveries yet"
              )}
            </p>
          </div>
          <Form method="post" className="shrink-0">
            <CsrfInput />
            <input type="hidden" name="id" value={s.id} />
            <button
              type="submit"
              name="intent"
              value="remove"
              className="btn-danger-outline"
              disabled={removing === s.id}
              aria-label={`Remove the ${s.event} subscription to ${s.targetHost}`}
            >
              {removing === s.id ? "Removing…" : "Remove"}
            </button>
          </Form>
        </li>
      ))}
    </ul>
  );
}
