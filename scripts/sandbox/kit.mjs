// Shared plumbing for the sandbox's stateful API fakes (HubSpot, Salesforce, Pipedrive, Zendesk,
// Freshdesk, Mailchimp, ActiveCampaign, Shopify, WooCommerce): web-standard Request → Response, so the same fake answers in the Node sandbox
// (scripts/sandbox.mjs mounts it under a path prefix) and inside workerd tests (a stubbed fetch).
// Each call is recorded as { at, provider, method, path, query, body } with secrets left out, and
// failure rules (status, Retry-After, slowness, a provider's duplicate answer) can be queued.

export const json = (data, status = 200, headers = {}) =>
  new Response(status === 204 ? null : JSON.stringify(data), { status, headers: { "Content-Type": "application/json", ...headers } });

const SECRET_KEY = /token|secret|password|api_?key|authorization|signature|code_verifier|^code$|^sig$/i;

/** A copy of a JSON value with every secret-looking key's value replaced. */
export function redact(value) {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? "[redacted]" : redact(v)]));
  }
  return value;
}

/** Bearer / OAuth / Basic credentials from the Authorization header. */
export function readAuthorization(request) {
  const header = request.headers.get("authorization") ?? "";
  const bearer = header.match(/^(?:Bearer|OAuth)\s+(.+)$/i);
  if (bearer) return { scheme: "bearer", token: bearer[1].trim() };
  const basic = header.match(/^Basic\s+(.+)$/i);
  if (basic) {
    let decoded = "";
    try {
      decoded = atob(basic[1].trim());
    } catch {
      return { scheme: "basic", user: "", password: "" };
    }
    const i = decoded.indexOf(":");
    return { scheme: "basic", user: i < 0 ? decoded : decoded.slice(0, i), password: i < 0 ? "" : decoded.slice(i + 1) };
  }
  return { scheme: "none" };
}

/**
 * Which credentials the fakes accept: anything starting `sandbox_`, or a token the sandbox's OAuth
 * server issued, unless it was revoked. One instance is shared by all fakes of a sandbox.
 */
export function createCredentialBook() {
  const issued = new Set();
  const revoked = new Set();
  return {
    issued,
    revoked,
    accepts: (secret) =>
      typeof secret === "string" && secret !== "" && !revoked.has(secret) && (secret.startsWith("sandbox_") || issued.has(secret)),
    reset() {
      revoked.clear();
    },
  };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const matches = (rule, method, path) =>
  (!rule.method || rule.method.toUpperCase() === method) &&
  (!rule.path || (rule.path.startsWith("^") ? new RegExp(rule.path).test(path) : path.includes(rule.path)));

/**
 * The frame every fake shares. `routes(ctx)` answers one authenticated call; ctx has
 * { method, path, query, body, request, auth, fault } where `fault` is a matched rule with
 * `duplicate: true` that the route turns into the provider's own duplicate answer.
 */
export function createFake({
  provider,
  onCall = () => {},
  credentials = createCredentialBook(),
  authenticate,
  unauthorized,
  routes,
  notFound,
  seed,
  rateLimited,
  snapshot = (s) => s,
}) {
  const calls = [];
  const faults = [];
  let state = seed();

  async function handle(request, path = new URL(request.url).pathname) {
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    const text = method === "GET" || method === "HEAD" ? "" : await request.text();
    let body = null;
    let invalidJson = false;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        invalidJson = true;
        body = null;
      }
    }
    const query = redact(Object.fromEntries(url.searchParams));
    const call = {
      at: new Date().toISOString(),
      provider,
      method,
      path,
      query,
      body: invalidJson ? "[not JSON]" : redact(body),
      status: 0,
    };
    calls.push(call);
    onCall(call);
    const finish = (response) => ((call.status = response.status), response);

    const i = faults.findIndex((rule) => matches(rule, method, path));
    const rule = i >= 0 ? faults[i] : null;
    if (rule) {
      rule.times = (rule.times ?? 1) - 1;
      if (rule.times <= 0) faults.splice(i, 1);
      if (rule.delayMs) await sleep(Math.min(Number(rule.delayMs), 30_000));
    }
    const auth = readAuthorization(request);
    if (!authenticate({ auth, credentials, path, url, request })) return finish(unauthorized({ auth, path }));
    if (rule?.status) {
      const headers = rule.retryAfter !== undefined ? { "Retry-After": String(rule.retryAfter) } : {};
      const errorBody = rule.body ?? (rule.status === 429 ? rateLimited() : { error: `injected ${rule.status}` });
      return finish(json(errorBody, rule.status, headers));
    }
    if (invalidJson) return finish(json({ error: "invalid JSON body" }, 400));
    const answer = await routes({
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      body: body ?? {},
      request,
      auth,
      fault: rule,
      state,
    });
    return finish(answer ?? notFound({ method, path }));
  }

  return {
    provider,
    handle,
    credentials,
    get state() {
      return state;
    },
    calls: () => calls,
    /** The fake's records as plain JSON (what GET /__sandbox/state/:provider shows). */
    snapshot: () => snapshot(state),
    /** Queue a failure rule: { method?, path?, status?, retryAfter?, delayMs?, duplicate?, body?, times? }. */
    inject(rule) {
      faults.push({ times: 1, ...rule });
    },
    reset() {
      calls.length = 0;
      faults.length = 0;
      state = seed();
    },
  };
}

export const isEmail = (v) => typeof v === "string" && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v);
export const isObject = (v) => Boolean(v) && typeof v === "object" && !Array.isArray(v);
