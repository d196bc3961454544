import { and, desc, eq, gte, like, lt, or, type SQL, sql } from "drizzle-orm";
import * as z from "zod";
import { redact } from "./audit.server";
import { describeAction } from "./audit-actions";
import type { Db } from "./db/client";
import { auditActors, auditLog } from "./db/schema";

/**
 * Reading the audit log (issue 18 item 6): the rows the writes already leave (audit.server.ts),
 * filtered and paged for the Audit log page and its CSV export. Company-scoped; the page's
 * statements go into the caller's one db.batch. Details were redacted when written; they are
 * redacted again here, so a secret-shaped value can never reach the page or the file.
 */
export const AUDIT_PAGE_SIZE = 50;
export const AUDIT_EXPORT_MAX = 10_000;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Enter a date as YYYY-MM-DD.")
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), "Enter a real date.");
const blankToUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);

export const AuditFilterSchema = z
  .object({
    action: z.preprocess(
      blankToUndefined,
      z
        .string()
        .max(80)
        .regex(/^[a-z_]+(\.[a-z_]+)?$/, "Choose an action from the list.")
        .optional(),
    ),
    actor: z.preprocess(
      blankToUndefined,
      z
        .string()
        .max(200)
        .regex(/^(user|api_key|system):[A-Za-z0-9_-]*$/, "Choose a person from the list.")
        .optional(),
    ),
    from: z.preprocess(blankToUndefined, day.optional()),
    to: z.preprocess(blankToUndefined, day.optional()),
    cursor: z.preprocess(
      blankToUndefined,
      z
        .string()
        .max(200)
        .regex(/^\d{1,15}\.[A-Za-z0-9_]+$/, "That page link is not valid.")
        .optional(),
    ),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { path: ["to"], message: "The end date must not be before the start date." });

export type AuditFilter = z.infer<typeof AuditFilterSchema>;
export type AuditFilterResult =
  | { ok: true; filter: AuditFilter }
  | { ok: false; errors: Record<string, string[]>; values: Record<string, string> };

/** Reads the page's GET form; invalid fields are reported (400) and the page shows nothing rather than a wrong list. */
export function parseAuditFilter(params: URLSearchParams): AuditFilterResult {
  const values = Object.fromEntries(["action", "actor", "from", "to", "cursor"].map((k) => [k, params.get(k) ?? ""]));
  const parsed = AuditFilterSchema.safeParse(values);
  if (parsed.success) return { ok: true, filter: parsed.data };
  const errors: Record<string, string[]> = {};
  for (const issue of parsed.error.issues) (errors[String(issue.path[0] ?? "")] ??= []).push(issue.message);
  return { ok: false, errors, values };
}

const actorType = sql<string>`json_extract(${auditLog.actor}, '$.type')`;
const actorId = sql<string>`coalesce(json_extract(${auditLog.actor}, '$.id'), '')`;
const DAY_MS = 86_400_000;

function conditions(companyId: string, f: AuditFilter, withCursor: boolean): SQL | undefined {
  const conds: (SQL | undefined)[] = [eq(auditLog.companyId, companyId)];
  if (f.action) conds.push(f.action.includes(".") ? eq(auditLog.action, f.action) : like(auditLog.action, `${f.action}.%`));
  if (f.actor) {
    const [type, id] = [f.actor.slice(0, f.actor.indexOf(":")), f.actor.slice(f.actor.indexOf(":") + 1)];
    conds.push(sql`${actorType} = ${type}`, sql`${actorId} = ${id}`);
  }
  if (f.from) conds.push(gte(auditLog.at, new Date(`${f.from}T00:00:00Z`)));
  if (f.to) conds.push(lt(auditLog.at, new Date(Date.parse(`${f.to}T00:00:00Z`) + DAY_MS)));
  if (withCursor && f.cursor) {
    const dot = f.cursor.indexOf(".");
    const at = new Date(Number(f.cursor.slice(0, dot)));
    const id = f.cursor.slice(dot + 1);
    conds.push(or(lt(auditLog.at, at), and(eq(auditLog.at, at), lt(auditLog.id, id))));
  }
  return and(...conds);
}

function rowsQuery(db: Db, companyId: string, filter: AuditFilter, limit: number, withCursor: boolean) {
  return db
    .select()
    .from(auditLog)
    .where(conditions(companyId, filter, withCursor))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(limit);
}

/**
 * The company's actors for the "Who" filter, from the per-actor rollup a trigger keeps beside
 * audit_log (migration 0191): one row per actor, however many audit rows they wrote, so the page
 * reads a few rows where it read the latest 5,000 audit rows (ADR 0164): the 100 who acted last.
 * Actors whose rows are all past the retention window are purged from the rollup with them.
 */
function actorsQuery(db: Db, companyId: string) {
  // the 100 who acted last (a company with more keeps its active ones in the list), shown by label
  const recent = db
    .select({ type: auditActors.actorType, id: auditActors.actorId, label: auditActors.label })
    .from(auditActors)
    .where(eq(auditActors.companyId, companyId))
    .orderBy(desc(auditActors.lastAt))
    .limit(100)
    .as("recent");
  return db.select({ type: recent.type, id: recent.id, label: recent.label }).from(recent).orderBy(recent.label, recent.type, recent.id);
}

/** The page's statements for one db.batch: a page of rows (one extra, to know there is a next page) and the actors. */
export function auditPageQueries(db: Db, companyId: string, filter: AuditFilter) {
  return [rowsQuery(db, companyId, filter, AUDIT_PAGE_SIZE + 1, true), actorsQuery(db, companyId)] as const;
}

/** The export's statement: every row the filter matches (the cursor is ignored), newest first, bounded. */
export function auditExportQuery(db: Db, companyId: string, filter: AuditFilter) {
  return rowsQuery(db, companyId, filter, AUDIT_EXPORT_MAX, false);
}

type AuditRow = typeof auditLog.$inferSelect;
export type AuditEntry = {
  id: string;
  at: string;
  actorType: string;
  actor: string;
  action: string;
  description: string;
  target: string | null;
  details: [string, string][];
  ip: string | null;
};
export type AuditActorOption = { value: string; label: string };

export function actorLabel(actor: AuditRow["actor"]): string {
  const name = actor.label ?? actor.id;
  if (actor.type === "api_key") return `API key ${name ?? ""}`.trim();
  if (actor.type === "system") return name ? `System (${name})` : "System";
  return name ?? "Unknown user";
}

function detailEntries(details: AuditRow["details"]): [string, string][] {
  const clean = redact(details ?? {}) as Record<string, unknown>;
  return Object.entries(clean)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]);
}

export function toEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actorType: row.actor.type,
    actor: actorLabel(row.actor),
    action: row.action,
    description: describeAction(row.action),
    target: row.target,
    details: detailEntries(row.details),
    ip: row.ip,
  };
}

/** Shapes the batch's results: the entries, the next page's cursor and the actor options. */
export function auditPage(
  rows: AuditRow[],
  actors: { type: string; id: string; label: string | null }[],
): { entries: AuditEntry[]; nextCursor: string | null; actors: AuditActorOption[] } {
  const page = rows.slice(0, AUDIT_PAGE_SIZE);
  const last = page[page.length - 1];
  return {
    entries: page.map(toEntry),
    nextCursor: rows.length > AUDIT_PAGE_SIZE && last ? `${last.at.getTime()}.${last.id}` : null,
    actors: actors.map((a) => ({
      value: `${a.type}:${a.id}`,
      label: actorLabel({ type: a.type, id: a.id || null, label: a.label }),
    })),
  };
}

/** A spreadsheet cannot run a cell as a formula: cells starting with = + - @ (or tab/CR) get a leading quote. */
export function csvCell(value: string | null): string {
  let v = value ?? "";
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export const AUDIT_CSV_COLUMNS = ["at", "actor_type", "actor", "action", "description", "target", "details", "ip"] as const;

export function auditCsv(rows: AuditRow[]): string {
  const lines = [AUDIT_CSV_COLUMNS.join(",")];
  for (const row of rows) {
    const e = toEntry(row);
    const details = e.details.length ? JSON.stringify(Object.fromEntries(e.details)) : "";
    lines.push([e.at, e.actorType, e.actor, e.action, e.description, e.target, details, e.ip].map(csvCell).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}
