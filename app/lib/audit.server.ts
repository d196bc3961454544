import { sql } from "drizzle-orm";
import type { Db } from "./db/client";
import { auditLog } from "./db/schema";
import { newId } from "./ids";

export type AuditActor = { type: "user" | "api_key" | "system"; id: string | null; label: string | null };

const SECRET_KEY = /(secret|token|password|key|authorization|signature|code)/i;
const SECRET_VALUE = /(sk_live_[A-Za-z0-9_-]+|whsec_[A-Za-z0-9+/=]+|xox[abprs]-[A-Za-z0-9-]+)/g;

/** Removes anything secret-shaped before it reaches the audit log. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 5) return "[truncated]";
  if (typeof value === "string") return value.replace(SECRET_VALUE, "[redacted]").slice(0, 500);
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redact(v, depth + 1));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && k !== "last4" ? "[redacted]" : redact(v, depth + 1);
    return out;
  }
  return value;
}

/** An audit insert to put in the same db.batch as the change it records. */
export function auditInsert(
  db: Db,
  entry: {
    companyId: string;
    actor: AuditActor;
    action: string;
    target?: string | null;
    details?: Record<string, unknown>;
    ip?: string | null;
    at: Date;
  },
) {
  return db.insert(auditLog).values({
    id: newId("aud", entry.at),
    companyId: entry.companyId,
    actor: entry.actor,
    action: entry.action,
    target: entry.target ?? null,
    details: entry.details ? (redact(entry.details) as Record<string, unknown>) : null,
    ip: entry.ip ?? null,
    at: entry.at,
  });
}

/**
 * An audit insert that happens only if the statement just before it in the same batch changed a
 * row (SQLite's changes()): after a conditional write that is a claim, the audit row exists exactly
 * when the claim won. Raw SQL, for batchStatements (db/client).
 */
export function auditInsertIfChanged(entry: Parameters<typeof auditInsert>[1]) {
  const details = entry.details ? JSON.stringify(redact(entry.details)) : null;
  return sql`INSERT INTO ${auditLog} (id, company_id, actor, action, target, details, ip, at)
    SELECT ${newId("aud", entry.at)}, ${entry.companyId}, ${JSON.stringify(entry.actor)}, ${entry.action}, ${entry.target ?? null},
      ${details}, ${entry.ip ?? null}, ${entry.at.getTime()}
    WHERE changes() = 1`;
}

export function userActor(user: { id: string; email: string }): AuditActor {
  return { type: "user", id: user.id, label: user.email };
}
