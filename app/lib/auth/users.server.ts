import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { companies, type UserRole, users } from "../db/schema";
import { DUMMY_PASSWORD_HASH, verifyPassword } from "../security/password";

export type CurrentUser = {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  company: { id: string; name: string; slug: string; timezone: string };
};

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Returns the user when the password matches; does the same work when the user is unknown. */
export async function authenticate({ db, email, password }: { db: Db; email: string; password: string }) {
  const user = await db.query.users.findFirst({ where: eq(users.email, normalizeEmail(email)) });
  const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  return ok && user ? user : null;
}

/** The signed-in user's row with their company: a query that can also join a page's db.batch. */
export function currentUserQuery(db: Db, userId: string) {
  return db
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
    })
    .from(users)
    .innerJoin(companies, eq(companies.id, users.companyId))
    .where(eq(users.id, userId))
    .limit(1);
}

type CurrentUserRow = Awaited<ReturnType<typeof currentUserQuery>>[number];

export function toCurrentUser(row: CurrentUserRow | undefined): CurrentUser | null {
  if (!row) return null;
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    company: { id: row.companyId, name: row.companyName, slug: row.companySlug, timezone: row.companyTimezone },
  };
}

export async function loadCurrentUser({ db, userId }: { db: Db; userId: string }): Promise<CurrentUser | null> {
  const rows = await currentUserQuery(db, userId);
  return toCurrentUser(rows[0]);
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length >= 2 ? parts[0]![0]! + parts[parts.length - 1]![0]! : (parts[0] ?? "?").slice(0, 2);
  return letters.toUpperCase();
}
