/**
 * Segment's HTTP Tracking API (`{SEGMENT_API_BASE}/v1/batch`, Basic auth with the write key as the
 * user name and an empty password) and the source settings on Segment's CDN
 * (`{SEGMENT_CDN_BASE}/v1/projects/{writeKey}/settings`). The tracking API answers 200 to any write
 * key (it is stateless by design; only a body too large or not JSON is a 400, throttling a 429 with
 * Retry-After), so the connect-time check asks the CDN, which answers 404 for an unknown key.
 */
import { encodeBase64 } from "@oslojs/encoding";
import { type ClientDeps, type ErrorReader, field, providerBase, requestJson } from "../provider-http.server";

const readError: ErrorReader = (status, body) => ({
  message: field(body, "message") ?? field(body, "error") ?? (typeof body === "string" && body ? body : `HTTP ${status}`),
  code: field(body, "code"),
});

export type SegmentMessage = Record<string, unknown> & { type: "identify" | "track"; messageId: string };
type Deps = ClientDeps & { env: Record<string, unknown> };

export async function sourceSettings(deps: Deps, writeKey: string): Promise<Record<string, unknown>> {
  const base = providerBase(deps.env, "SEGMENT_CDN_BASE", "https://cdn.segment.com");
  const url = `${base}/v1/projects/${encodeURIComponent(writeKey)}/settings`;
  return (await requestJson<Record<string, unknown>>(deps, "Segment", { method: "GET", url, headers: {} }, readError)).data;
}

export async function sendBatch(deps: Deps, writeKey: string, batch: SegmentMessage[], sentAt: Date): Promise<void> {
  const base = providerBase(deps.env, "SEGMENT_API_BASE", "https://api.segment.io");
  const basic = encodeBase64(new TextEncoder().encode(`${writeKey}:`));
  await requestJson(
    deps,
    "Segment",
    {
      method: "POST",
      url: `${base}/v1/batch`,
      headers: { Authorization: `Basic ${basic}` },
      body: { batch, sentAt: sentAt.toISOString() },
    },
    readError,
  );
}
