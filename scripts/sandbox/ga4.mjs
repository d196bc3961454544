// A stateful fake of GA4's Measurement Protocol (POST /mp/collect?measurement_id&api_secret) and its
// validation server (POST /debug/mp/collect). As Google documents it: /mp/collect answers 2xx
// whatever it thinks of the hit (a bad body or an unknown secret is dropped silently: the fake
// counts it); the validation server answers { validationMessages } about the body and, as Google
// states, does not check the API secret. The checks are the Measurement Protocol reference's
// limits: client_id required, 1–25 events, names ≤ 40 characters starting with a letter, reserved
// names and prefixes, ≤ 25 params, string values ≤ 100 characters, timestamps ≤ 72 hours old.
import { createFake, isObject, json } from "./kit.mjs";

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;
const RESERVED_EVENTS = new Set([
  "ad_activeview",
  "ad_click",
  "ad_exposure",
  "ad_query",
  "ad_reward",
  "adunit_exposure",
  "app_clear_data",
  "app_exception",
  "app_install",
  "app_remove",
  "app_store_refund",
  "app_update",
  "app_upgrade",
  "dynamic_link_app_open",
  "dynamic_link_app_update",
  "dynamic_link_first_open",
  "error",
  "firebase_campaign",
  "firebase_in_app_message_action",
  "firebase_in_app_message_dismiss",
  "firebase_in_app_message_impression",
  "first_open",
  "first_visit",
  "in_app_purchase",
  "notification_dismiss",
  "notification_foreground",
  "notification_open",
  "notification_receive",
  "notification_send",
  "os_update",
  "session_start",
  "user_engagement",
]);
const RESERVED_PREFIXES = ["_", "firebase_", "ga_", "google_", "gtag."];

/** The validation server's messages for a body. */
export function validationMessages(body, now = Date.now()) {
  const out = [];
  const add = (fieldPath, description, validationCode) => out.push({ fieldPath, description, validationCode });
  if (!isObject(body)) return [{ fieldPath: "", description: "Unable to parse the request body.", validationCode: "VALUE_INVALID" }];
  if (typeof body.client_id !== "string" || !body.client_id) add("client_id", "Measurement requires a client_id.", "VALUE_REQUIRED");
  if (body.timestamp_micros !== undefined) {
    const micros = Number(body.timestamp_micros);
    if (!Number.isFinite(micros) || micros / 1000 < now - 72 * 3600_000 || micros / 1000 > now + 60_000)
      add("timestamp_micros", "Timestamp must be within the last 72 hours.", "VALUE_OUT_OF_BOUNDS");
  }
  if (!Array.isArray(body.events) || body.events.length === 0) {
    add("events", "Measurement requires at least one event.", "VALUE_REQUIRED");
    return out;
  }
  if (body.events.length > 25) add("events", "Measurement can have at most 25 events.", "EXCEEDED_MAX_ENTITIES");
  body.events.forEach((e, i) => {
    const name = e?.name;
    if (typeof name !== "string" || !NAME.test(name))
      add("events", `Event at index: [${i}] has invalid name [${name}]. Names must start with an alphabetic character.`, "NAME_INVALID");
    else if (RESERVED_EVENTS.has(name) || RESERVED_PREFIXES.some((p) => name.startsWith(p)))
      add("events", `Event at index: [${i}] has name [${name}] which is reserved.`, "NAME_RESERVED");
    const params = e?.params ?? {};
    if (!isObject(params)) return add(`events[${i}].params`, "Params must be an object.", "VALUE_INVALID");
    const keys = Object.keys(params);
    if (keys.length > 25) add(`events[${i}].params`, "An event can have at most 25 params.", "EXCEEDED_MAX_ENTITIES");
    for (const k of keys) {
      if (!NAME.test(k)) add(`events[${i}].params`, `Param [${k}] has an invalid name.`, "NAME_INVALID");
      else if (RESERVED_PREFIXES.some((p) => k.startsWith(p)))
        add(`events[${i}].params`, `Param [${k}] uses a reserved prefix.`, "NAME_RESERVED");
      const v = params[k];
      if (typeof v === "string" && v.length > 100)
        add(`events[${i}].params.${k}`, `Value of param [${k}] is longer than 100 characters.`, "VALUE_OUT_OF_BOUNDS");
      if (!["string", "number", "boolean"].includes(typeof v))
        add(`events[${i}].params.${k}`, `Value of param [${k}] must be a string, number or boolean.`, "VALUE_INVALID");
    }
  });
  return out;
}

export function createGa4Fake({ onCall, credentials } = {}) {
  const fake = createFake({
    provider: "google-analytics",
    onCall,
    credentials,
    seed: () => ({ hits: [], dropped: [] }),
    snapshot: (state) => ({ hits: state.hits, dropped: state.dropped }),
    authenticate: () => true,
    unauthorized: () => new Response(null, { status: 401 }),
    rateLimited: () => ({ error: { code: 429, message: "Too many requests" } }),
    notFound: () => new Response("Not Found", { status: 404 }),
    routes: ({ method, path, query, body, state }) => {
      if (method !== "POST") return null;
      if (path === "/debug/mp/collect") return json({ validationMessages: validationMessages(body) });
      if (path !== "/mp/collect") return null;
      const problems = validationMessages(body);
      const measurementId = query.measurement_id ?? "";
      if (!/^G-[A-Z0-9]+$/.test(measurementId)) problems.push({ fieldPath: "measurement_id", description: "Unknown measurement_id." });
      if (!fake.credentials.accepts(query.api_secret)) problems.push({ fieldPath: "api_secret", description: "Unknown api_secret." });
      if (problems.length) state.dropped.push({ measurementId, problems, at: new Date().toISOString() });
      else
        for (const e of body.events)
          state.hits.push({
            measurementId,
            clientId: body.client_id,
            timestampMicros: body.timestamp_micros ?? null,
            name: e.name,
            params: e.params ?? {},
          });
      return new Response(null, { status: 204 });
    },
  });
  return fake;
}
