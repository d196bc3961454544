import type { Provider } from "~/lib/integrations/catalog";

/**
 * The project's own logo marks: a simple shape in a brand-ish colour with the provider's initials.
 * They are not the providers' logos (those are trademarks we do not copy).
 */
export function IntegrationLogo({ provider, className = "size-10" }: { provider: Pick<Provider, "logo" | "name">; className?: string }) {
  const { bg, fg, text, shape } = provider.logo;
  const fontSize = text.length > 1 ? 13 : 17;
  return (
    <svg viewBox="0 0 40 40" className={`shrink-0 ${className}`} aria-hidden="true" focusable="false">
      {shape === "circle" ? <circle cx="20" cy="20" r="19" fill={bg} /> : null}
      {shape === "rounded" ? <rect x="1" y="1" width="38" height="38" rx="9" fill={bg} /> : null}
      {shape === "hex" ? <path d="M20 1.5 36.5 11v18L20 38.5 3.5 29V11z" fill={bg} /> : null}
      {shape === "diamond" ? <rect x="6" y="6" width="28" height="28" rx="6" transform="rotate(45 20 20)" fill={bg} /> : null}
      <text
        x="20"
        y="20"
        dy="0.36em"
        textAnchor="middle"
        fontFamily="ui-sans-serif, system-ui, sans-serif"
        fontWeight="700"
        fontSize={fontSize}
        fill={fg}
      >
        {text}
      </text>
    </svg>
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
