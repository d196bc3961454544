/**
 * Browser sessions in D1 (ADR 0083). The signed cookie carries a random token; the row is keyed
 * by its SHA-256. A session ends when its row is deleted (sign-out: at once, in every location,
 * because D1 is read at its primary), after SESSION_IDLE_MS without a request, or SESSION_MAX_AGE_MS
 * after sign-in, whichever comes first.
 */
import { and, eq, gt, lt, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { compiledQuery } from "../db/compiled";
import { companies, sessions, users } from "../db/schema";
import { randomToken, sha256Hex } from "../security/crypto";

/** Absolute lifetime: a week after sign-in, however active. */
export const SESSION_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
/** Idle timeout: a session unused this long is over. */
export const SESSION_IDLE_MS = 30 * 60 * 1000;
/** last_seen_at is written at most this often (one D1 write per active user per 5 minutes, not per request). */
export const SESSION_TOUCH_MS = 5 * 60 * 1000;

export const sessionIdOf = (token: string) => sha256Hex(token);

/** Creates a session row and returns its token (for the cookie only: never stored). */
export async function createSession(db: Db, input: { userId: string; companyId: string; now: Date }): Promise<string> {
  const token = randomToken(32);
  await db.insert(sessions).values({
    id: await sessionIdOf(token),
    userId: input.userId,
    companyId: input.companyId,
    createdAt: input.now,
    lastSeenAt: input.now,
    expiresAt: new Date(input.now.getTime() + SESSION_MAX_AGE_MS),
  });
  return token;
}

/** Ends one session: from the next request on, in every location. */
export async function deleteSession(db: Db, token: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, await sessionIdOf(token)));
}

/**
 * The signed-in user of a live session, with their company: a query that can join a page's
 * db.batch. Live = the row exists, is not past its lifetime, and was seen within the idle timeout.
 * Every page and action runs it, so its SQL is built once per isolate (ADR 0163).
 */
export function sessionUserQuery(db: Db, sessionId: string, now: Date) {
  return sessionUser(db, { sessionId, now: now.getTime(), idleSince: now.getTime() - SESSION_IDLE_MS });
}

const sessionUser = compiledQuery<{ sessionId: string; now: number; idleSince: number }>()((db) =>
  db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      // aliased: inside a db.batch D1 returns rows keyed by column name, and users.id / companies.id would collide
      companyId: sql<string>`${companies.id}`.as("company_id"),
      companyName: sql<string>`${companies.name}`.as("company_name"),
      companySlug: sql<string>`${companies.slug}`.as("company_slug"),
      companyTimezone: sql<string>`${companies.timezone}`.as("company_timezone"),
      sessionCompanyId: sql<string>`${sessions.companyId}`.as("session_company_id"),
      lastSeenAt: sql<number>`${sessions.lastSeenAt}`.as("last_seen_at"),
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(companies, eq(companies.id, users.companyId))
    .where(
      and(
        eq(sessions.id, sql.placeholder("sessionId")),
        gt(sessions.expiresAt, sql.placeholder("now")),
        gt(sessions.lastSeenAt, sql.placeholder("idleSince")),
      ),
    )
    .limit(1),
);

/**
 * Moves a live session's last_seen_at forward when it is older than SESSION_TOUCH_MS (a no-op
 * otherwise): a statement that can join an action's db.batch, so the idle timeout costs no round
 * trip. Only the session issued for `companyId` is touched, and only while it is still live.
 */
export function touchSessionQuery(db: Db, sessionId: string, companyId: string, now: Date) {
  return db
    .update(sessions)
    .set({ lastSeenAt: now })
    .where(
      and(
        eq(sessions.id, sessionId),
        eq(sessions.companyId, companyId),
        gt(sessions.expiresAt, now),
        gt(sessions.lastSeenAt, new Date(now.getTime() - SESSION_IDLE_MS)),
        lt(sessions.lastSeenAt, new Date(now.getTime() - SESSION_TOUCH_MS)),
      ),
    );
}

/** Whether a session last seen at `lastSeenAt` (ms, as sessionUserQuery reads it) is due a touch. */
export function sessionTouchDue(lastSeenAt: number | Date | null | undefined, now: Date): boolean {
  if (lastSeenAt === null || lastSeenAt === undefined) return false;
  return Number(lastSeenAt) < now.getTime() - SESSION_TOUCH_MS;
}

/**
 * A page (a read) keeps its batch read-only so its D1 session may start at a replica (ADR 0140):
 * when the session's last_seen_at, read in that batch, is due a touch, the touch runs after the
 * response through the request's `waitUntil`. A failed touch is only logged: the next page retries.
 */
export function touchSessionAfterResponse(
  deps: { db: Db; waitUntil: (promise: Promise<unknown>) => void },
  input: { sessionId: string; companyId: string; lastSeenAt: number | Date | null | undefined; now: Date },
): boolean {
  if (!sessionTouchDue(input.lastSeenAt, input.now)) return false;
  deps.waitUntil(
    touchSessionQuery(deps.db, input.sessionId, input.companyId, input.now)
      .run()
      .catch((error: unknown) => console.error("session touch failed", error instanceof Error ? error.name : "unknown")),
  );
  return true;
}
