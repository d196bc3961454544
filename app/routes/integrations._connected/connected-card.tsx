import { Link } from "@remix-run/react";
import { useEffect, useState } from "react";
import { Icon } from "~/components/icon";
import { ConnectionStatusBadge, IntegrationLogo, SandboxBadge } from "~/components/integration-logo";
import { LocalTime } from "~/components/local-time";
import type { Provider } from "~/lib/integrations/catalog";

export type ConnectedCardData = {
  id: string;
  name: string;
  logo: Provider["logo"];
  /** What it does for this company now (the adapter's line, e.g. which Slack notifications are on). */
  description: string;
  status: "connected" | "needs_reauth" | "error";
  info: string;
  /** Text the card offers to copy next to `info` (Email Forwarding's address). */
  copy: string | null;
  lastError: string | null;
  lastSuccessAt: string | null;
  errors24h: number;
  /** Actions (deliveries) the integration took in the last 24 h: its activity list. */
  actions24h: number;
  configurable: boolean;
  sandbox: boolean;
};

export function ConnectedCard({ card }: { card: ConnectedCardData }) {
  const base = `/integrations/${card.id}`;
  const primary =
    card.status === "needs_reauth"
      ? { to: `${base}/connect`, label: "Reconnect" }
      : card.configurable
        ? { to: `${base}/configure`, label: "Configure" }
        : { to: `/integrations/available/${card.id}`, label: "Details" };
  return (
    <article className="card p-4 sm:p-5" aria-labelledby={`card-${card.id}`}>
      <div className="flex items-start gap-4">
        <IntegrationLogo provider={card} className="size-10 sm:size-12" />
        <div className="min-w-0 flex-1">
          {/* on a phone the badge has its own line under the name (the spec's mobile card), never a stray wrap */}
          <div className="flex flex-col items-start gap-1 sm:flex-row sm:items-center sm:justify-between sm:gap-2">
            <h3 id={`card-${card.id}`} className="flex flex-wrap items-center gap-2 font-semibold text-slate-900">
              {card.name}
              {card.sandbox ? <SandboxBadge /> : null}
            </h3>
            <ConnectionStatusBadge status={card.status} />
          </div>
          <p className="mt-1 text-sm text-slate-700">{card.description}</p>
          <p className="mt-1 flex items-center gap-2 break-all text-sm font-medium text-slate-900">
            {card.info}
            {card.copy ? <CopyButton text={card.copy} /> : null}
          </p>
          {card.lastError ? <p className="mt-1 text-sm text-amber-900">{card.lastError}</p> : null}
          <p className="mt-1 text-xs text-slate-600">
            {card.lastSuccessAt ? (
              <>
                Last success <LocalTime value={card.lastSuccessAt} style="relative" />
              </>
            ) : (
              "No successful call yet"
            )}
            {" · "}
            {/* no-break spaces: "in 24 h" never wraps as "24 / h" */}
            {`${card.actions24h} action${card.actions24h === 1 ? "" : "s"} and ${card.errors24h}\u00a0error${card.errors24h === 1 ? "" : "s"} in\u00a024\u00a0h`}
          </p>
          <div className="mt-3 flex items-center justify-end gap-2">
            {card.status === "needs_reauth" && card.configurable ? (
              <Link to={`${base}/configure`} className="btn-secondary hidden sm:inline-flex">
                Configure
              </Link>
            ) : null}
            <Link to={primary.to} className={card.status === "needs_reauth" ? "btn-primary" : "btn-secondary"}>
              {primary.label}
            </Link>
            <Link to={`${base}/disconnect`} className="btn-danger-outline hidden sm:inline-flex">
              Disconnect
            </Link>
            <details className="relative sm:hidden" data-menu="">
              <summary className="btn-secondary px-2" aria-label={`More actions for ${card.name}`}>
                <Icon name="dots" />
              </summary>
              <div className="menu-panel z-10 mt-1 w-44 py-1">
                {card.status === "needs_reauth" && card.configurable ? (
                  <Link to={`${base}/configure`} className="menu-item">
                    Configure
                  </Link>
                ) : null}
                <Link to={`/integrations/available/${card.id}`} className="menu-item">
                  Details
                </Link>
                <Link to={`${base}/disconnect`} className="menu-item text-red-700">
                  Disconnect
                </Link>
              </div>
            </details>
          </div>
        </div>
      </div>
    </article>
  );
}

/**
 * Copy for the card's address, shown once JS runs and the clipboard exists (without JS the text
 * stays selectable). Defined here rather than shared with the configure modal: a module imported
 * by two routes becomes its own chunk, which costs the /integrations JS budget more than this does.
 */
function CopyButton({ text }: { text: string }) {
  const [state, setState] = useState(0); // 0: no clipboard (yet), 1: ready, 2: copied
  useEffect(() => setState(navigator.clipboard ? 1 : 0), []);
  return state ? (
    <button
      type="button"
      className="btn-secondary px-2 py-1 text-xs"
      onClick={() => navigator.clipboard.writeText(text).then(() => setState(2))}
    >
      {state > 1 ? "Copied" : "Copy"}
    </button>
  ) : null;
}
