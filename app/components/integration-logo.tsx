import type { Provider } from "~/lib/integrations/catalog";

/**
 * The project's own logo marks: a simple shape in a brand-ish colour with the provider's initials.
 * They are not the providers' logos (those are trademarks we do not copy). One element each (the
 * shape is CSS: `.logo-<shape>` in app/styles/tailwind.css, the initials its ::before), not a
 * three-element <svg>: the Connected tab renders 17 of them per request (ADR 0135).
 */
export function IntegrationLogo({ provider, className = "size-10" }: { provider: Pick<Provider, "logo" | "name">; className?: string }) {
  const { bg, fg, text, shape } = provider.logo;
  return (
    <span
      className={`logo logo-${shape}${text.length > 1 ? " logo-2" : ""} ${className}`}
      style={{ backgroundColor: bg, color: fg }}
      data-initials={text}
      aria-hidden="true"
    />
  );
}

export function SandboxBadge() {
  return (
    <span
      className="badge bg-amber-100 text-amber-900 ring-1 ring-amber-300"
      title="This provider points at the local provider sandbox, not the real service"
    >
      Sandbox
    </span>
  );
}

const STATUS = {
  connected: { label: "Connected", cls: "badge-ok", dot: "bg-emerald-500" },
  needs_reauth: { label: "Needs reconnect", cls: "bg-amber-50 text-amber-900 ring-1 ring-amber-300", dot: "bg-amber-500" },
  error: { label: "Error", cls: "bg-red-50 text-red-800 ring-1 ring-red-200", dot: "bg-red-500" },
} as const;

export function ConnectionStatusBadge({ status }: { status: keyof typeof STATUS }) {
  const s = STATUS[status];
  return (
    <span className={`badge ${s.cls}`}>
      <span className={`size-1.5 rounded-full ${s.dot}`} aria-hidden="true" />
      {s.label}
    </span>
  );
}
