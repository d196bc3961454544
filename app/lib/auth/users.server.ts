import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { type UserRole, users } from "../db/schema";
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

/** The columns a user lookup returns (auth/sessions.server.ts sessionUserQuery). */
type CurrentUserRow = {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  companyId: string;
  companyName: string;
  companySlug: string;
  companyTimezone: string;
};

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

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length >= 2 ? parts[0]![0]! + parts[parts.length - 1]![0]! : (parts[0] ?? "?").slice(0, 2);
  return letters.toUpperCase();
}
