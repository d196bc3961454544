import { useEffect, useState } from "react";

/**
 * A Copy button that appears once JavaScript runs and the clipboard is available; without JS
 * the text next to it stays selectable. Kept tiny: it is part of the /integrations bundle.
 */
export function CopyButton({ text, label = "Copy", className = "btn-secondary shrink-0" }: { text: string; label?: string; className?: string }) {
  const [ready, setReady] = useState(false);
  const [copied, setCopied] = useState(false);
  useEffect(() => setReady(typeof navigator !== "undefined" && Boolean(navigator.clipboard)), []);
  if (!ready) return null;
  return (
    <button type="button" className={className} aria-label={`${label} ${text}`} onClick={() => navigator.clipboard.writeText(text).then(() => setCopied(true), () => setCopied(false))}>
      {copied ? "Copied" : label}
    </button>
  );
}
