import { type AppLoadContext, createCookie, json, redirect } from "@remix-run/cloudflare";
import { createSession, deleteSession, SESSION_MAX_AGE_MS, sessionIdOf, sessionUserQuery, touchSession } from "~/lib/auth/sessions.server";
import { type CurrentUser, toCurrentUser } from "~/lib/auth/users.server";
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
 * One session read and one user query per page request, however many nested loaders ask (layout
 * and tab both call requireAdmin): memoized on the request's load context for GET/HEAD only, so an
 * action that changes the user is never answered from a stale copy.
 */
const currentUserMemo = new WeakMap<object, Map<string, Promise<CurrentUser | null>>>();

export function getCurrentUser(request: Request, context: AppLoadContext): Promise<CurrentUser | null> {
  if (request.method !== "GET" && request.method !== "HEAD") return readCurrentUser(request, context);
  const cookie = request.headers.get("Cookie") ?? "";
  let perRequest = currentUserMemo.get(context);
  if (!perRequest) currentUserMemo.set(context, (perRequest = new Map()));
  let user = perRequest.get(cookie);
  if (!user) perRequest.set(cookie, (user = readCurrentUser(request, context)));
  return user;
}

type SessionUserRow = Awaited<ReturnType<typeof sessionUserQuery>>[number];

/** The live session's user, when the session was issued for the company the user still belongs to. */
async function userOfSession(db: Db, sessionId: string, cookieCompany: string, row: SessionUserRow | undefined, now: Date) {
  const user = toCurrentUser(row);
  if (!row || !user || user.company.id !== cookieCompany || row.sessionCompanyId !== cookieCompany) return null;
  await touchSession(db, sessionId, Number(row.lastSeenAt), now);
  return user;
}

async function readCurrentUser(request: Request, context: AppLoadContext): Promise<CurrentUser | null> {
  const env = context.cloudflare.env;
  const cookie = await readSessionCookie(request, env);
  if (!cookie) return null;
  const db = createDb(env.DB);
  const now = new Date();
  const sessionId = await sessionIdOf(cookie.t);
  const [row] = await sessionUserQuery(db, sessionId, now);
  return userOfSession(db, sessionId, cookie.c, row, now);
}

function loginRedirect(request: Request) {
  const url = new URL(request.url);
  const params = new URLSearchParams({ redirectTo: url.pathname + url.search });
  return redirect(`/login?${params}`);
}

/** A signed-in user of any role, or a redirect to /login?redirectTo=… */
export async function requireUser(request: Request, context: AppLoadContext): Promise<CurrentUser> {
  const user = await getCurrentUser(request, context);
  if (!user) throw loginRedirect(request);
  return user;
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
 * statements (scoped to the session's company) go into the same db.batch, and the results are
 * only returned once the user is confirmed as an admin of that company.
 */
export async function requireAdminWith<T extends readonly unknown[]>(
  request: Request,
  context: AppLoadContext,
  build: (db: Db, companyId: string) => T,
): Promise<{ user: CurrentUser; results: BatchResults<T> }> {
  const env = context.cloudflare.env;
  const lookup = shareUserLookup(request, context);
  try {
    const cookie = await readSessionCookie(request, env);
    if (!cookie) throw loginRedirect(request);
    const db = createDb(env.DB);
    const now = new Date();
    const sessionId = await sessionIdOf(cookie.t);
    // the page's statements are scoped to the company the signed cookie names; they are only
    // returned once the session row confirms that company
    const { first: userRows, rest } = await batchAfter(db, sessionUserQuery(db, sessionId, now), build(db, cookie.c));
    const user = await userOfSession(db, sessionId, cookie.c, (userRows as SessionUserRow[])[0], now);
    lookup.settle(user);
    if (!user) throw loginRedirect(request);
    if (user.role !== "company_admin") throw forbidden(user, env);
    return { user, results: rest };
  } catch (error) {
    lookup.settle(null);
    throw error;
  }
}

type Db = ReturnType<typeof createDb>;
type BatchResults<T extends readonly unknown[]> = { -readonly [K in keyof T]: Awaited<T[K]> };

/**
 * Announces "the current user is being looked up" before the lookup runs, so that the other
 * loaders of the same GET (which call getCurrentUser) await this one instead of querying again
 * (ADR 0040). Settling twice is harmless: the first value wins.
 */
function shareUserLookup(request: Request, context: AppLoadContext) {
  let settle!: (user: CurrentUser | null) => void;
  const promise = new Promise<CurrentUser | null>((resolve) => (settle = resolve));
  if (request.method === "GET" || request.method === "HEAD") {
    let perRequest = currentUserMemo.get(context);
    if (!perRequest) currentUserMemo.set(context, (perRequest = new Map()));
    perRequest.set(request.headers.get("Cookie") ?? "", promise);
  }
  return { settle };
}

/**
 * One db.batch of a leading statement and a page's own statements. drizzle types batch() only
 * for literal tuples, so the spread is cast once here and the page's result types are restored.
 */
async function batchAfter<T extends readonly unknown[]>(
  db: Db,
  first: unknown,
  rest: T,
): Promise<{ first: unknown; rest: BatchResults<T> }> {
  const [head, ...tail] = (await db.batch([first, ...rest] as unknown as Parameters<Db["batch"]>[0])) as readonly unknown[];
  return { first: head, rest: tail as unknown as BatchResults<T> };
}

/** Only company admins reach /integrations*: agents get a 403 page. Call in every loader and action. */
export async function requireAdmin(request: Request, context: AppLoadContext): Promise<CurrentUser> {
  const user = await requireUser(request, context);
  if (user.role !== "company_admin") throw forbidden(user, context.cloudflare.env);
  return user;
}
