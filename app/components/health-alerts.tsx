import { Link } from "@remix-run/react";
import type { AlertView } from "~/lib/alerts/describe";

/**
 * The Integrations page's health alerts (issue 18 item 4, ADR 0110): every open problem with the
 * link that fixes it, on every tab, until it is resolved. A labelled region, so screen reader users
 * can jump to it; plain links, so it works without JavaScript.
 */
export function HealthAlerts({ alerts }: { alerts: AlertView[] }) {
  if (alerts.length === 0) return null;
  return (
    <section aria-labelledby="health-alerts-heading" className="alert-banner">
      <h2 id="health-alerts-heading" className="text-base font-semibold">
        {alerts.length === 1 ? "1 problem needs attention" : `${alerts.length} problems need attention`}
      </h2>
      <ul className="mt-2 space-y-3">
        {alerts.map((a) => (
          <li key={a.key} className="alert-banner-item">
            <div className="min-w-0 break-words">
              <p className="font-medium">{a.title}</p>
              {a.detail ? <p className="text-sm text-amber-900">{a.detail}</p> : null}
            </div>
            <Link to={a.fixUrl} className="alert-banner-fix">
              {a.fixLabel}
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
