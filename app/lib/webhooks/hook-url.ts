/**
 * A Zapier subscription's target URL is a bearer secret: whoever holds it can post into the Zap.
 * It is sent to only when delivering; everywhere it is shown (pages, flash messages, /v1, the
 * audit log) it is masked to its origin and last four characters.
 */
export function maskHookUrl(url: string): string {
  try {
    const u = new URL(url);
    const rest = `${u.pathname}${u.search}`;
    return rest.length > 4 ? `${u.origin}/…${rest.slice(-4)}` : `${u.origin}/…`;
  } catch {
    return "…";
  }
}

/** The URL as it may be shown: masked for Zapier subscriptions, as saved for the company's own endpoints. */
export function shownUrl(endpoint: { url: string; source: "user" | "zapier" }): string {
  return endpoint.source === "zapier" ? maskHookUrl(endpoint.url) : endpoint.url;
}
