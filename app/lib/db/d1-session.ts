/**
 * D1 read replication (ADR 0120): every HTTP request runs its queries in ONE D1 session
 * (`withSession`), so reads may be answered by a nearby replica while the caller still reads its
 * own writes. The caller carries the session's bookmark from one request to the next: a browser in
 * the `__Host-ih_d1b` cookie, an API client in the `X-D1-Bookmark` header.
 *
 * - A request that may write (any method but GET/HEAD/OPTIONS) starts at the primary ("first-primary").
 * - A read starts from the caller's bookmark (a replica at least that new answers), or anywhere
 *   ("first-unconstrained") when it brings none.
 * - A bookmark of the wrong shape is ignored (the request runs as if it brought none), never a 500.
 *
 * Queue consumers, cron and inbound email use the binding as it is: D1 sends those to the primary.
 */
export const BOOKMARK_HEADER = "X-D1-Bookmark";
export const BOOKMARK_COOKIE = "__Host-ih_d1b";

/** D1's bookmark: four hex fields, e.g. `00000000-0000001f-00000000-000…000` (8-8-8-32); nothing else is passed on. */
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

export function validBookmark(value: string | null | undefined): string | null {
  return typeof value === "string" && BOOKMARK.test(value) ? value : null;
}

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function sessionConstraint(method: string, bookmark: string | null | undefined): D1SessionConstraint | D1SessionBookmark {
  if (!READ_METHODS.has(method.toUpperCase())) return "first-primary";
  return validBookmark(bookmark) ?? "first-unconstrained";
}

export type RequestSession = {
  /** The session as a D1 binding: hand it to createDb, batchingD1 and guardedD1 like env.DB. */
  db: D1Database;
  /** The latest bookmark of the session's queries; null when the request made none. */
  bookmark(): string | null;
};

/**
 * One session for the request. A D1DatabaseSession has `prepare` and `batch` (all the app calls);
 * `exec` and `dump` (never called per request) go to the binding itself.
 */
export function requestSession(d1: D1Database, method: string, bookmark: string | null | undefined): RequestSession {
  const session = d1.withSession(sessionConstraint(method, bookmark));
  const db = {
    prepare: (query: string) => session.prepare(query),
    batch: <T>(statements: D1PreparedStatement[]) => session.batch<T>(statements),
    exec: (query: string) => d1.exec(query),
    dump: () => d1.dump(),
    withSession: (c?: string) => d1.withSession(c),
  } as D1Database;
  return { db, bookmark: () => validBookmark(session.getBookmark()) };
}

/** Long enough to outlive any replica lag many times over; an old bookmark is only a lower bound, so harmless. */
const COOKIE_MAX_AGE_S = 24 * 60 * 60;

export function bookmarkCookie(bookmark: string): string {
  return `${BOOKMARK_COOKIE}=${bookmark}; Path=/; Max-Age=${COOKIE_MAX_AGE_S}; Secure; HttpOnly; SameSite=Lax`;
}
