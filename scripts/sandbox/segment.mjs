// A stateful fake of Segment's HTTP Tracking API (POST /v1/batch, /v1/track, /v1/identify; Basic
// auth with the write key as the user name) and of the source settings on Segment's CDN
// (GET /v1/projects/{writeKey}/settings). As Segment documents it: the tracking API answers 200
// {"success":true} to any write key (an unknown key's events are silently dropped: the fake counts
// them), 400 for a body that is not JSON or over 32 KB per call (500 KB per batch), 429 with
// Retry-After when throttled; events are deduplicated by messageId. The CDN answers 404 for an
// unknown write key. The write key in the CDN path shows as [write key] in the calls log.
import { createFake, isObject, json } from "./kit.mjs";

const TYPES = new Set(["identify", "track", "page", "screen", "group", "alias"]);
const bad = (message) => json({ success: false, message }, 400);

/** Why Segment would not accept one call (null when fine). */
export function segmentCallProblem(msg) {
  if (!isObject(msg)) return "each call must be an object";
  if (!TYPES.has(msg.type)) return `unknown type ${JSON.stringify(msg.type)}`;
  if (!msg.userId && !msg.anonymousId) return "no_user_anon_id";
  if (msg.type === "track" && (typeof msg.event !== "string" || !msg.event)) return "track calls need an event name";
  if (msg.messageId !== undefined && !(typeof msg.messageId === "string" && msg.messageId.length < 100))
    return "messageId must be a string under 100 characters";
  if (msg.timestamp !== undefined && Number.isNaN(Date.parse(msg.timestamp))) return "timestamp must be ISO 8601";
  if (JSON.stringify(msg).length > 32_000) return "a call must be 32 KB or smaller";
  return null;
}

export function createSegmentFake({ onCall, credentials } = {}) {
  let counter = 0;
  const fake = createFake({
    provider: "segment",
    onCall,
    credentials,
    seed: () => ({ events: new Map(), dropped: 0, deduplicated: 0 }),
    snapshot: (state) => ({ events: [...state.events.values()], dropped: state.dropped, deduplicated: state.deduplicated }),
    authenticate: () => true,
    unauthorized: () => json({ success: false }, 401),
    rateLimited: () => ({ success: false, message: "Too Many Requests" }),
    notFound: () => new Response("404 page not found\n", { status: 404, headers: { "Content-Type": "text/plain" } }),
    routes: async ({ method, path, body, request, auth, state }) => {
      const settings = new URL(request.url).pathname.match(/\/v1\/projects\/([^/]+)\/settings$/);
      if (settings && method === "GET") {
        const key = decodeURIComponent(settings[1]);
        if (!fake.credentials.accepts(key)) return new Response("Not Found\n", { status: 404, headers: { "Content-Type": "text/plain" } });
        return json({
          integrations: { "Segment.io": { apiKey: "[write key]", apiHost: "api.segment.io/v1" } },
          plan: { track: { __default: { enabled: true } } },
        });
      }
      const single = path.match(/^\/v1\/(track|identify|page|screen|group|alias)$/);
      if (method !== "POST" || !(path === "/v1/batch" || single)) return null;
      if (JSON.stringify(body).length > (single ? 32_000 : 500_000)) return bad("payload too large");
      const calls = single ? [{ ...body, type: single[1] }] : body.batch;
      if (!Array.isArray(calls)) return bad("batch must be an array");
      if (calls.length > 2500) return json({ success: true });
      for (const c of calls) {
        const problem = segmentCallProblem(c);
        if (problem) return bad(problem);
      }
      const writeKey = auth.scheme === "basic" ? auth.user : typeof body.writeKey === "string" ? body.writeKey : "";
      if (!fake.credentials.accepts(writeKey)) {
        state.dropped += calls.length;
        return json({ success: true });
      }
      for (const c of calls) {
        const messageId = c.messageId ?? `api-${++counter}`;
        if (state.events.has(messageId)) {
          state.deduplicated++;
          continue;
        }
        const { writeKey: _w, ...rest } = c;
        state.events.set(messageId, { ...rest, messageId, receivedAt: new Date().toISOString() });
      }
      return json({ success: true });
    },
  });
  return {
    ...fake,
    handle: (request, path = new URL(request.url).pathname) => fake.handle(request, path.replace(/(\/projects\/)[^/]+/, "$1[write key]")),
    get state() {
      return fake.state;
    },
  };
}
