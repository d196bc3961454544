import type { EndpointSource } from "../vocabulary";

/**
 * A REST hook subscription's target URL (Zapier's) is a bearer secret: whoever holds it can post into the Zap.
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

/** The URL as it may be shown: as saved for the company's own endpoints, masked for an integration's subscriptions. */
export function shownUrl(endpoint: { url: string; source: EndpointSource }): string {
  return endpoint.source === "user" ? endpoint.url : maskHookUrl(endpoint.url);
}
