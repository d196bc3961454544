// A fake of the WhatsApp Cloud API calls the app makes (GET /{version}/{phone-number-id},
// GET /{version}/{waba-id}/phone_numbers, POST /{version}/{phone-number-id}/messages), on
// web-standard Request/Response so the same code answers in the Node sandbox (scripts/sandbox.mjs
// mounts it under /whatsapp) and inside workerd tests (a stubbed fetch). Tokens starting `sandbox_`
// are accepted; a bad token gets Graph's `{ error: { message, type: "OAuthException", code: 190 } }`
// with 401. An `appsecret_proof` that is not HMAC-SHA256(token, SANDBOX_APP_SECRET) gets Graph's
// 400 "Invalid appsecret_proof provided in the API argument" (code 100). Every call is recorded as
// { at, provider, method, path, query, body } (no token, no proof). `inject({ status, retryAfter,
// times, path })` makes the next matching calls fail.

export const SANDBOX_PHONE_NUMBER_ID = "109876543210987";
export const SANDBOX_BUSINESS_ACCOUNT_ID = "102290129340398";
export const SANDBOX_APP_SECRET = "sandbox_app_secret_0123456789";
export const SANDBOX_ACCESS_TOKEN = "sandbox_whatsapp_token";

const PROVIDER = "whatsapp-business";
const json = (data, status = 200, headers = {}) =>
  new Response(JSON.stringify(data), { status, headers: { "Content-Type": "application/json", ...headers } });
const graphError = (status, message, type, code, extra = {}) =>
  json({ error: { message, type, code, fbtrace_id: "ASANDBOX000", ...extra } }, status);

async function hmacHex(secret, text) {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return [...new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(text)))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function seed() {
  return {
    accounts: { [SANDBOX_BUSINESS_ACCOUNT_ID]: { id: SANDBOX_BUSINESS_ACCOUNT_ID, phone_numbers: [SANDBOX_PHONE_NUMBER_ID] } },
    numbers: {
      [SANDBOX_PHONE_NUMBER_ID]: {
        id: SANDBOX_PHONE_NUMBER_ID,
        display_phone_number: "+1 555-010-0000",
        verified_name: "Acme Support (Sandbox)",
        quality_rating: "GREEN",
      },
    },
    sent: [],
    counter: 0,
  };
}

/** The body checks the real API makes for the two kinds the app sends; null when valid. */
function invalidMessage(body) {
  if (!body || typeof body !== "object") return "Invalid parameter: the body must be a JSON object";
  if (body.messaging_product !== "whatsapp") return "(#100) The parameter messaging_product is required.";
  if (typeof body.to !== "string" || !/^\+?\d{6,15}$/.test(body.to)) return "(#100) Invalid parameter: to";
  if (body.type === "text") {
    if (typeof body.text?.body !== "string" || body.text.body.length === 0) return "(#100) The parameter text['body'] is required.";
    if (body.text.body.length > 4096) return "(#100) Param text['body'] must be at most 4096 characters long.";
    return null;
  }
  if (body.type === "template") {
    if (typeof body.template?.name !== "string" || !body.template.name) return "(#100) The parameter template['name'] is required.";
    if (typeof body.template?.language?.code !== "string") return "(#100) The parameter template['language']['code'] is required.";
    return null;
  }
  return `(#100) Unsupported message type: ${String(body.type)}`;
}

export function createWhatsAppFake({
  onCall = () => {},
  accepts = (token) => typeof token === "string" && token.startsWith("sandbox_"),
  appSecret = SANDBOX_APP_SECRET,
} = {}) {
  let state = seed();
  const calls = [];
  const faults = [];

  async function handle(request, path = new URL(request.url).pathname) {
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    const text = method === "GET" ? "" : await request.text();
    let body = null;
    let invalidJson = false;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        invalidJson = true;
      }
    }
    const query = Object.fromEntries(url.searchParams);
    const proof = query.appsecret_proof;
    delete query.access_token;
    delete query.appsecret_proof;
    const call = {
      at: new Date().toISOString(),
      provider: PROVIDER,
      method,
      path,
      query,
      body: invalidJson ? "[not JSON]" : body,
      status: 0,
    };
    calls.push(call);
    onCall(call);
    const finish = (response) => ((call.status = response.status), response);

    const token = (request.headers.get("authorization") ?? "").replace(/^Bearer\s+/i, "");
    if (!accepts(token)) return finish(graphError(401, "Invalid OAuth access token - Cannot parse access token", "OAuthException", 190));
    if (proof !== undefined && proof !== (await hmacHex(appSecret, token)))
      return finish(graphError(400, "Invalid appsecret_proof provided in the API argument", "GraphMethodException", 100));
    const i = faults.findIndex((f) => (!f.method || f.method === method) && (!f.path || path.includes(f.path)));
    if (i >= 0) {
      const rule = faults[i];
      rule.times -= 1;
      if (rule.times <= 0) faults.splice(i, 1);
      const headers = rule.retryAfter !== undefined ? { "Retry-After": String(rule.retryAfter) } : {};
      const res =
        rule.status === 401
          ? graphError(401, "Error validating access token: The session has been invalidated.", "OAuthException", 190)
          : json(
              { error: { message: `Injected failure ${rule.status}`, type: "OAuthException", code: rule.status === 429 ? 130429 : 1 } },
              rule.status,
              headers,
            );
      return finish(res);
    }
    const m = path.match(/^\/v\d+\.\d+\/(\d+)(\/messages|\/phone_numbers)?$/);
    const account = m?.[2] === "/phone_numbers" ? state.accounts[m[1]] : null;
    if (account && method === "GET") {
      // Graph's edge: { data, paging: { cursors } } (no `next` when everything fits on one page).
      const fields = (query.fields ?? "id,display_phone_number,verified_name,quality_rating").split(",");
      const data = account.phone_numbers
        .map((id) => state.numbers[id])
        .filter(Boolean)
        .map((n) => Object.fromEntries(fields.filter((f) => f in n).map((f) => [f, n[f]])));
      return finish(json({ data, paging: { cursors: { before: "QVFIU0FOREJPWA", after: "QVFIU0FOREJPWA" } } }));
    }
    const number = m && m[2] !== "/phone_numbers" ? state.numbers[m[1]] : null;
    if (!m || !number)
      return finish(
        graphError(
          400,
          `Unsupported ${method.toLowerCase()} request. Object with ID '${m?.[1] ?? path}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
          "GraphMethodException",
          100,
        ),
      );
    if (!m[2] && method === "GET") return finish(json(number));
    if (m[2] && method === "POST") {
      if (invalidJson) return finish(graphError(400, "Invalid parameter", "OAuthException", 100));
      const problem = invalidMessage(body);
      if (problem) return finish(graphError(400, problem, "OAuthException", 100));
      state.counter += 1;
      const id = `wamid.SANDBOX${String(state.counter).padStart(6, "0")}${Date.now().toString(36).toUpperCase()}`;
      const wa = body.to.replace(/^\+/, "");
      state.sent.push({
        id,
        phone_number_id: m[1],
        to: wa,
        type: body.type,
        text: body.text?.body ?? null,
        template: body.template ?? null,
        at: call.at,
      });
      return finish(json({ messaging_product: "whatsapp", contacts: [{ input: body.to, wa_id: wa }], messages: [{ id }] }));
    }
    return finish(graphError(400, "Unsupported request", "GraphMethodException", 100));
  }

  return {
    provider: PROVIDER,
    handle,
    get state() {
      return state;
    },
    calls: () => calls,
    snapshot: () => ({ numbers: Object.values(state.numbers), sent: state.sent }),
    /** Queue a failure: { status, retryAfter?, times? (1), method?, path? }. */
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

/**
 * The sandbox server's mount: `/whatsapp/{version}/…` is the Cloud API; `/__sandbox/whatsapp/sent`
 * lists the messages it accepted, `/__sandbox/whatsapp/fail` (JSON rule) injects failures,
 * `/__sandbox/whatsapp/reset` forgets everything. Returns false for other paths.
 */
export function whatsappSandboxRoutes(fake, { prefix = "/whatsapp" } = {}) {
  return async function route(req, res, { path, body, send }) {
    if (path === "/__sandbox/whatsapp/sent") return (send(res, 200, { messages: fake.state.sent }), true);
    if (path === "/__sandbox/whatsapp/reset" && req.method === "POST") return (fake.reset(), send(res, 200, { ok: true }), true);
    if (path === "/__sandbox/whatsapp/fail" && req.method === "POST")
      return (fake.inject(JSON.parse(body || "{}")), send(res, 200, { ok: true }), true);
    if (!path.startsWith(`${prefix}/`)) return false;
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const answer = await fake.handle(
      new Request(`http://sandbox${req.url}`, { method: req.method, headers, body: req.method === "GET" ? undefined : body }),
      path.slice(prefix.length),
    );
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    res.end(await answer.text());
    return true;
  };
}
