import { type AppLoadContext, createCookie, createSessionStorage, json, redirect } from "@remix-run/cloudflare";
import { type CurrentUser, currentUserQuery, loadCurrentUser, toCurrentUser } from "~/lib/auth/users.server";
import { createDb } from "~/lib/db/client";
import { type Env, sessionSecrets } from "~/lib/env";
import { randomToken } from "~/lib/security/crypto";
import { shellData } from "~/shell.server";

/**
 * Sessions live in KV under a random id; the cookie carries only the signed id.
 * __Host- prefix, Secure (browsers accept it on http://localhost too), HttpOnly, SameSite=Lax.
 * SESSION_SECRETS is a rotating list: the first signs, all verify.
 */
export const SESSION_COOKIE = "__Host-ih_session";
export const SESSION_MAX_AGE = 60 * 60 * 24 * 7;

type SessionData = { userId: string; companyId: string };

const storages = new Map<string, ReturnType<typeof build>>();

function build(env: Env) {
  const cookie = createCookie(SESSION_COOKIE, {
    path: "/",
    secure: true,
    httpOnly: true,
    sameSite: "lax",
    maxAge: SESSION_MAX_AGE,
    secrets: sessionSecrets(env),
  });
  const kv = env.KV;
  const key = (id: string) => `session:${id}`;
  // Like Remix's KV storage, but with 256-bit session ids (Remix's default is 64 bits).
  return createSessionStorage<SessionData>({
    cookie,
    async createData(data, expires) {
      const id = randomToken(32);
      await kv.put(key(id), JSON.stringify(data), ttl(expires));
      return id;
    },
    async readData(id) {
      return (await kv.get<SessionData>(key(id), "json")) ?? null;
    },
    async updateData(id, data, expires) {
      await kv.put(key(id), JSON.stringify(data), ttl(expires));
    },
    async deleteData(id) {
      await kv.delete(key(id));
    },
  });
}

function ttl(expires: Date | undefined) {
  const seconds = expires ? Math.ceil((expires.getTime() - Date.now()) / 1000) : SESSION_MAX_AGE;
  return { expirationTtl: Math.max(60, seconds) };
}

export function sessionStorage(env: Env) {
  const key = env.SESSION_SECRETS ?? "";
  let s = storages.get(key);
  if (!s) {
    s = build(env);
    storages.set(key, s);
  }
  return s;
}

export async function getSession(request: Request, env: Env) {
  return sessionStorage(env).getSession(request.headers.get("Cookie"));
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

async function readCurrentUser(request: Request, context: AppLoadContext): Promise<CurrentUser | null> {
  const env = context.cloudflare.env;
  const session = await getSession(request, env);
  const userId = session.get("userId");
  if (!userId) return null;
  return loadCurrentUser({ db: createDb(env.DB), userId });
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
    const session = await getSession(request, env);
    const userId = session.get("userId");
    const companyId = session.get("companyId");
    if (!userId || !companyId) throw loginRedirect(request);
    const db = createDb(env.DB);
    const { first: userRows, rest } = await batchAfter(db, currentUserQuery(db, userId), build(db, companyId));
    const found = toCurrentUser((userRows as Parameters<typeof toCurrentUser>[0][])[0]);
    const user = found && found.company.id === companyId ? found : null;
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
