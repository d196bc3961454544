import { type AppLoadContext, createCookie, json, redirect } from "@remix-run/cloudflare";
import {
  createSession,
  deleteSession,
  SESSION_MAX_AGE_MS,
  sessionIdOf,
  sessionUserQuery,
  touchSessionAfterResponse,
  touchSessionQuery,
} from "~/lib/auth/sessions.server";
import { type CurrentUser, toCurrentUser } from "~/lib/auth/users.server";
import { batchingD1 } from "~/lib/db/batcher";
import { createDb } from "~/lib/db/client";
import { type Env, sessionSecrets } from "~/lib/env";
import { shellData } from "~/shell.server";

/**
 * Sessions live in D1 (ADR 0083); the cookie carries only a signed random token and the company
 * it was issued for. __Host- prefix, Secure (browsers accept it on http://localhost too),
 * HttpOnly, SameSite=Lax. SESSION_SECRETS is a rotating list: the first signs, all verify.
 * Signing out deletes the row, so the cookie stops working at once wherever it is replayed; a
 * session also ends after 30 minutes unused (SESSION_IDLE_MS) or a week after sign-in.
 */
export const SESSION_COOKIE = "__Host-ih_session";

type CookieValue = { t: string; c: string };

const cookies = new Map<string, ReturnType<typeof createCookie>>();

function sessionCookie(env: Env) {
  const key = env.SESSION_SECRETS ?? "";
  let cookie = cookies.get(key);
  if (!cookie) {
    cookie = createCookie(SESSION_COOKIE, {
      path: "/",
      secure: true,
      httpOnly: true,
      sameSite: "lax",
      maxAge: SESSION_MAX_AGE_MS / 1000,
      secrets: sessionSecrets(env),
    });
    cookies.set(key, cookie);
  }
  return cookie;
}

/** The cookie's token and company when its signature holds; null for none, a tampered or a malformed one. */
async function readSessionCookie(request: Request, env: Env): Promise<CookieValue | null> {
  const value: unknown = await sessionCookie(env).parse(request.headers.get("Cookie"));
  if (!value || typeof value !== "object") return null;
  const { t, c } = value as Record<string, unknown>;
  return typeof t === "string" && typeof c === "string" && t && c ? { t, c } : null;
}

/**
 * Signs a user in: a fresh session (any session the request still carries is ended first, so an
 * attacker-planted cookie is never upgraded) and the Set-Cookie header that carries it.
 */
export async function startSession(request: Request, env: Env, user: { id: string; companyId: string }): Promise<string> {
  const db = createDb(env.DB);
  const old = await readSessionCookie(request, env);
  if (old) await deleteSession(db, old.t);
  const token = await createSession(db, { userId: user.id, companyId: user.companyId, now: new Date() });
  return sessionCookie(env).serialize({ t: token, c: user.companyId } satisfies CookieValue);
}

/** Signs out: deletes the session row (effective everywhere at once) and clears the cookie. */
export async function endSession(request: Request, env: Env): Promise<string> {
  const current = await readSessionCookie(request, env);
  if (current) await deleteSession(createDb(env.DB), current.t);
  return sessionCookie(env).serialize("", { maxAge: 0, expires: new Date(0) });
}

/**
 * Per request (the load context is per request): one cookie read, one coalescing database, and for GET/HEAD one
 * user lookup, however many nested loaders ask (layout, tab and modal all check the admin). An
 * action is never answered from the memo, so a change it makes to the user is seen.
 */
type SessionRef = { cookie: CookieValue; sessionId: string } | null;
type RequestState = { session?: Promise<SessionRef>; db?: Db; user?: Promise<CurrentUser | null> };
const perRequest = new WeakMap<object, Map<string, RequestState>>();

function requestState(request: Request, context: AppLoadContext): RequestState {
  let byCookie = perRequest.get(context);
  if (!byCookie) perRequest.set(context, (byCookie = new Map()));
  const key = request.headers.get("Cookie") ?? "";
  let state = byCookie.get(key);
  if (!state) byCookie.set(key, (state = {}));
  return state;
}

const isRead = (request: Request) => request.method === "GET" || request.method === "HEAD";

/** The signed cookie and its session id, read once per request (every loader resumes in the same turn). */
function sessionRef(request: Request, context: AppLoadContext): Promise<SessionRef> {
  const state = requestState(request, context);
  state.session ??= readSessionCookie(request, context.cloudflare.env).then(async (cookie) =>
    cookie ? { cookie, sessionId: await sessionIdOf(cookie.t) } : null,
  );
  return state.session;
}

/**
 * The database a loader reads through: for GET/HEAD, the request's coalescing binding, so every
 * statement any loader issues in the same turn goes to D1 in one db.batch (ADR 0045). An action
 * gets one of its own per call, so only its admin check and `build`'s reads share a batch.
 */
export function requestDb(request: Request, context: AppLoadContext): Db {
  const fresh = () => createDb(batchingD1(context.cloudflare.env.DB));
  if (!isRead(request)) return fresh();
  const state = requestState(request, context);
  state.db ??= fresh();
  return state.db;
}

/**
 * The live session's user, when the session was issued for the company the user still belongs to.
 * The lookup joins the request's batch. The idle-timeout touch (a conditional UPDATE, a no-op
 * within SESSION_TOUCH_MS) joins an action's batch; a page's batch stays read-only, so its D1
 * session may start at a replica (ADR 0140): a due touch runs after the response (waitUntil).
 */
function lookUpUser(request: Request, context: AppLoadContext, ref: NonNullable<SessionRef>, db: Db): Promise<CurrentUser | null> {
  const state = requestState(request, context);
  const read = isRead(request);
  if (read && state.user) return state.user;
  const now = new Date();
  const { cookie, sessionId } = ref;
  const lookup = sessionUserQuery(db, sessionId, now);
  const user = (read ? Promise.all([lookup]) : Promise.all([lookup, touchSessionQuery(db, sessionId, cookie.c, now)])).then(([[row]]) => {
    const found = toCurrentUser(row);
    const ok = row && found && found.company.id === cookie.c && row.sessionCompanyId === cookie.c;
    if (!ok) return null;
    if (read) {
      const { env, ctx } = context.cloudflare;
      touchSessionAfterResponse(
        { db: createDb(env.DB), waitUntil: (p) => ctx.waitUntil(p) },
        { sessionId, companyId: cookie.c, lastSeenAt: row.lastSeenAt, now },
      );
    }
    return found;
  });
  if (read) state.user = user;
  return user;
}

export async function getCurrentUser(request: Request, context: AppLoadContext): Promise<CurrentUser | null> {
  const ref = await sessionRef(request, context);
  return ref ? lookUpUser(request, context, ref, requestDb(request, context)) : null;
}

function loginRedirect(request: Request) {
  const url = new URL(request.url);
  const params = new URLSearchParams({ redirectTo: url.pathname + url.search });
  return redirect(`/login?${params}`);
}

const FORBIDDEN = "Only company admins can manage integrations.";

/**
 * The 403 an agent gets: it carries the shell's data, so the error page keeps the header, the
 * sidebar and Sign out, and can point to the main app (see ForbiddenScreen).
 */
function forbidden(user: CurrentUser, env: Env) {
  return json({ message: FORBIDDEN, shell: shellData(user, env) }, { status: 403, statusText: "Forbidden" });
}

/**
 * requireAdmin plus the page's own queries in ONE D1 round trip: the user lookup and `build`'s
 * statements (scoped to the company the signed cookie names) go into the request's batch, together
 * with those of every other loader of the same request (ADR 0040, 0045); the results are only
 * returned once the session confirms the user as an admin of that company.
 */
export async function requireAdminWith<T extends readonly unknown[]>(
  request: Request,
  context: AppLoadContext,
  build: (db: Db, companyId: string) => T,
): Promise<{ user: CurrentUser; results: BatchResults<T> }> {
  const ref = await sessionRef(request, context);
  if (!ref) throw loginRedirect(request);
  const db = requestDb(request, context);
  const [user, results] = await Promise.all([lookUpUser(request, context, ref, db), Promise.all(build(db, ref.cookie.c))]);
  if (!user) throw loginRedirect(request);
  if (user.role !== "company_admin") throw forbidden(user, context.cloudflare.env);
  return { user, results: results as unknown as BatchResults<T> };
}

type Db = ReturnType<typeof createDb>;
type BatchResults<T extends readonly unknown[]> = { -readonly [K in keyof T]: Awaited<T[K]> };

/** Only company admins reach /integrations*: agents get a 403 page. Call in every loader and action. */
export async function requireAdmin(request: Request, context: AppLoadContext): Promise<CurrentUser> {
  return (await requireAdminWith(request, context, () => [] as const)).user;
}
