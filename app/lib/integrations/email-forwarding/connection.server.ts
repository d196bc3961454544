import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { companies, connections } from "../../db/schema";
import { readEmailForwardingSettings } from "./settings";

/**
 * The catalog's provider id: the connection row for email forwarding has this `provider`
 * (and /integrations/email-forwarding/… is its URL).
 */
export const EMAIL_FORWARDING_PROVIDER = "email-forwarding";

export async function findForwardingConnection({ db, companyId }: { db: Db; companyId: string }) {
  const row = await db
    .select()
    .from(connections)
    .where(and(eq(connections.companyId, companyId), eq(connections.provider, EMAIL_FORWARDING_PROVIDER)))
    .get();
  return row ? { row, settings: readEmailForwardingSettings(row.config) } : null;
}

export async function findCompanyBySlug({ db, slug }: { db: Db; slug: string }) {
  return db
    .select({ id: companies.id, name: companies.name, slug: companies.slug })
    .from(companies)
    .where(eq(companies.slug, slug.toLowerCase()))
    .get();
}

export async function findCompanyById({ db, companyId }: { db: Db; companyId: string }) {
  return db
    .select({ id: companies.id, name: companies.name, slug: companies.slug })
    .from(companies)
    .where(eq(companies.id, companyId))
    .get();
}
