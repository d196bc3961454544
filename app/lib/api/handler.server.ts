import { bearerToken } from "../api-keys/authenticate.server";
import { authenticateApiKeyCached, forgetApiKey, keyStillValidGuard } from "../api-keys/key-cache.server";
import { batchingD1 } from "../db/batcher";
import { createDb } from "../db/client";
import { GuardFailedError, guardedD1 } from "../db/guarded-d1";
import { apiBaseUrl, type Env } from "../env";
import { clientIp } from "../http/client-ip";
import { type Keyring, keyringFromEnv } from "../security/encryption";
import { hitLimit, LIMITS, type LimitBucket, LimiterUnavailableError, limitMessage } from "../security/limits.server";
import { BodyError, fieldErrors, readBodyBytes, readJsonBody } from "./body.server";
import type { ApiRoute } from "./define";
import {
  claimIdempotencyKey,
  IDEMPOTENCY_HEADER,
  parseIdempotencyKey,
  releaseIdempotencyKey,
  requestFingerprint,
  settleIdempotencyKey,
} from "./idempotency.server";
import { findRoute } from "./match";
import { buildOpenApiDocument } from "./openapi.server";
import { problem } from "./problem";
import { checkRateLimit, rateLimitHeaders } from "./rate-limit.server";
import { apiRoutes } from "./routes/index.server";

const AUTH_DETAIL = {
  missing: "Send your API key as `Authorization: Bearer sk_live_…`.",
  invalid: "The API key is not valid.",
  revoked: "The API key has been revoked.",
  expired: "The API key has expired.",
} as const;

const openApiCache = new Map<string, string>();

/**
 * Entry for /v1/*: route table lookup (404 / 405), bearer auth (401), per-key rate limit (429),
 * scope (403), query and body validation (400 / 413), then the route's handler. Every error is
 * application/problem+json; no CORS headers are ever sent (secret keys are not for browsers).
 */
export async function handleApiRequest(
  request: Request,
  env: Env,
  ctx: ExecutionContext,
  routes: readonly ApiRoute[] = apiRoutes,
  now = new Date(),
): Promise<Response> {
  try {
    return await routeRequest(request, env, ctx, routes, now);
  } catch (error) {
    if (error instanceof LimiterUnavailableError) {
      console.error(error.message);
      return problem(503, "The API is unavailable right now. Retry in a minute.", {}, { "Retry-After": "60" });
    }
    console.error("api request failed", error instanceof Error ? error.name : "unknown");
    return problem(500, "Something went wrong on our side. Retrying later is safe.");
  }
}

function openApiResponse(request: Request, env: Env, routes: readonly ApiRoute[]) {
  // Paths in the document start with /v1, so the server is the API base without it.
  const server = apiBaseUrl(env, new URL(request.url).origin).replace(/\/v1$/, "");
  let body = routes === apiRoutes ? openApiCache.get(server) : undefined;
  if (!body) {
    body = JSON.stringify(buildOpenApiDocument(routes, server));
    if (routes === apiRoutes) openApiCache.set(server, body);
  }
  return new Response(request.method === "HEAD" ? null : body, {
    headers: { "Content-Type": "application/json", "Cache-Control": "public, max-age=300" },
  });
}

/** Requests without a valid key are counted per client address; over the budget they get a 429. */
async function anonymousLimit(request: Request, env: Env): Promise<{ refused: Response | null; headers: Record<string, string> }> {
  const d = await hitLimit(env, "api.anonymous", clientIp(request));
  const headers = rateLimitHeaders(d, LIMITS["api.anonymous"].windowMs);
  if (d.allowed) return { refused: null, headers };
  const refused = problem(
    429,
    "Too many requests without a valid API key from your address. Retry after the time in Retry-After.",
    {},
    { ...headers, "Retry-After": String(d.resetSeconds) },
  );
  return { refused, headers };
}

async function companyLimit(env: Env, bucket: LimitBucket, companyId: string): Promise<Response | null> {
  const d = await hitLimit(env, bucket, companyId);
  if (d.allowed) return null;
  return problem(429, limitMessage(bucket, d), {}, { "Retry-After": String(d.resetSeconds) });
}

async function routeRequest(request: Request, env: Env, ctx: ExecutionContext, routes: readonly ApiRoute[], now: Date): Promise<Response> {
  const url = new URL(request.url);
  const found = findRoute(routes, request.method, url.pathname);
  const isDocument = url.pathname === "/v1/openapi.json" && (request.method === "GET" || request.method === "HEAD");
  if (isDocument || !found.route) {
    const { refused } = await anonymousLimit(request, env);
    if (refused) return refused;
  }
  if (isDocument) return openApiResponse(request, env, routes);
  if (!found.route) {
    if (found.pathKnown) return problem(405, `${request.method} is not allowed here.`, {}, { Allow: found.allowed.join(", ") });
    return problem(404, `No route for ${request.method} ${url.pathname}.`);
  }
  const { route, params } = found;

  const token = bearerToken(request.headers.get("Authorization"));
  const auth = await authenticateApiKeyCached({ db: createDb(env.DB), token, now, waitUntil: (p) => ctx.waitUntil(p) });
  if (!auth.ok) return unauthorized(request, env, auth.reason);
  const key = auth.key;
  // ADR 0045: a key this isolate already knows is checked inside the route's own first D1 batch, and
  // a read's statements issued in the same turn share one batch: one round trip per call.
  const guard = auth.cached ? guardedD1(env.DB, keyStillValidGuard(env.DB, { ...key, hash: auth.hash }, now)) : null;
  // kept for the rare second run below (the route reads the body once)
  const again: Request = guard && request.body ? (request.clone() as Request) : request;
  const binding = guard?.db ?? env.DB;
  const db = createDb(request.method === "GET" || request.method === "HEAD" ? batchingD1(binding) : binding);

  const context = { request, env, ctx, db, key, now, params, url };
  // A read that only touches D1 runs beside the limiter's answer (discarded when refused), so a far
  // location waits on storage once; anything else runs only once the limit allows it (ADR 0120).
  const limited = checkRateLimit(env, key.id);
  const early = (request.method === "GET" || request.method === "HEAD") && !route.callsProviders ? runRoute(route, context) : null;
  early?.catch(() => {});
  const limit = await limited;
  const limitHeaders = rateLimitHeaders(limit);
  if (!limit.allowed) {
    return problem(
      429,
      "Too many requests for this API key. Slow down and retry after the time in Retry-After.",
      {},
      { ...limitHeaders, "Retry-After": String(limit.resetSeconds) },
    );
  }
  // A key without the route's scope gets the route's 403, never a replay of another key's answer.
  const keyed = early || (route.scope && !key.scopes.includes(route.scope)) ? null : await idempotent(request, env, key, url, now);
  let response: Response;
  if (keyed && "answer" in keyed) response = keyed.answer;
  else {
    const run = keyed ? { ...context, request: keyed.request } : context;
    try {
      response = await (early ?? runRoute(route, run));
    } catch (error) {
      if (keyed) await releaseIdempotencyKey(keyed.claim);
      throw error;
    }
    if (guard && !(await guard.settle())) {
      // Revoked, expired or given other scopes since this isolate cached it: whatever the route did was
      // refused or rolled back. Forgotten, the key is looked up afresh: a 401 saying why, or the call
      // runs once more with the key as it is now.
      if (keyed) await releaseIdempotencyKey(keyed.claim);
      if (auth.hash) forgetApiKey(auth.hash);
      return routeRequest(again, env, ctx, routes, now);
    }
    if (keyed) response = await settleIdempotencyKey({ ...keyed.claim, response });
  }
  for (const [k, v] of Object.entries(limitHeaders)) response.headers.set(k, v);
  return response;
}

type Keyed =
  | { answer: Response }
  | { request: Request; claim: { db: ReturnType<typeof createDb>; ring: Keyring; companyId: string; key: string; fingerprint: string } };

/**
 * A POST or PATCH with `Idempotency-Key` (ADR 0173): the key is checked and claimed before the route
 * runs. Either an answer instead of the route (a replay, 409 while the first runs, 422 for another
 * request under the key, 400 for a malformed key), or the claim and the request to run, rebuilt from
 * the body bytes the fingerprint was taken of. null: no key, or a method that needs none.
 */
async function idempotent(
  request: Request,
  env: Env,
  apiKey: { id: string; companyId: string },
  url: URL,
  now: Date,
): Promise<Keyed | null> {
  const header = request.method === "POST" || request.method === "PATCH" ? request.headers.get(IDEMPOTENCY_HEADER) : null;
  if (header === null) return null;
  const parsed = parseIdempotencyKey(header);
  if (!parsed.ok) return { answer: problem(400, parsed.message, { errors: { [IDEMPOTENCY_HEADER]: [parsed.message] } }) };
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await readBodyBytes(request);
  } catch (error) {
    if (error instanceof BodyError) return { answer: problem(error.status, error.message) };
    throw error;
  }
  const claim = {
    db: createDb(env.DB),
    ring: await keyringFromEnv(env),
    companyId: apiKey.companyId,
    key: parsed.key,
    fingerprint: await requestFingerprint(request.method, url.pathname, bytes),
  };
  const claimed = await claimIdempotencyKey({ ...claim, apiKeyId: apiKey.id, now });
  if (claimed.kind === "replay") return { answer: claimed.response };
  if (claimed.kind === "running")
    return {
      answer: problem(
        409,
        "A request with this Idempotency-Key is still running. Retry in a moment to get its answer.",
        {},
        { "Retry-After": "1" },
      ),
    };
  if (claimed.kind === "mismatch")
    return {
      answer: problem(
        422,
        "This Idempotency-Key was used for a different request (another method, path or body). Use a new key for a new request.",
        { errors: { [IDEMPOTENCY_HEADER]: ["used for a different request"] } },
      ),
    };
  return { request: new Request(request, { body: bytes.byteLength ? bytes : null }), claim };
}

async function unauthorized(request: Request, env: Env, reason: keyof typeof AUTH_DETAIL): Promise<Response> {
  const { refused, headers } = await anonymousLimit(request, env);
  if (refused) return refused;
  return problem(401, AUTH_DETAIL[reason], {}, { ...headers, "WWW-Authenticate": 'Bearer realm="api"' });
}

/** drizzle wraps a driver error in its own (the driver's is its `cause`). */
function causedByGuard(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) if (e instanceof GuardFailedError) return true;
  return false;
}

async function runRoute(
  route: ApiRoute,
  c: {
    request: Request;
    env: Env;
    ctx: ExecutionContext;
    db: ReturnType<typeof createDb>;
    key: NonNullable<Parameters<ApiRoute["handler"]>[0]["key"]>;
    now: Date;
    params: Record<string, string>;
    url: URL;
  },
): Promise<Response> {
  if (route.scope && !c.key.scopes.includes(route.scope)) {
    return problem(403, `This API key lacks the ${route.scope} scope.`);
  }
  let query: unknown;
  if (route.query) {
    const parsed = route.query.safeParse(Object.fromEntries(c.url.searchParams));
    if (!parsed.success) return problem(400, "Some query parameters are not valid.", { errors: fieldErrors(parsed.error, "query") });
    query = parsed.data;
  }
  let body: unknown;
  if (route.method !== "GET" && route.method !== "DELETE") {
    try {
      body = await readJsonBody(c.request);
    } catch (error) {
      if (error instanceof BodyError) return problem(error.status, error.message);
      throw error;
    }
    if (route.body) {
      const parsed = route.body.safeParse(body);
      if (!parsed.success) return problem(400, "The request body is not valid.", { errors: fieldErrors(parsed.error) });
      body = parsed.data;
    }
  }
  if (route.companyLimit) {
    const refused = await companyLimit(c.env, route.companyLimit, c.key.companyId);
    if (refused) return refused;
  }
  try {
    return await route.handler({ ...c, body, query });
  } catch (error) {
    // A cached key found revoked mid-request is not a failure: routeRequest answers anew after settle().
    if (causedByGuard(error)) return problem(401, AUTH_DETAIL.revoked);
    // Log the route and the error class only: never bodies or keys.
    console.error("api handler failed", route.operationId, error instanceof Error ? error.name : "unknown");
    return problem(500, "Something went wrong on our side. Retrying later is safe.");
  }
}
