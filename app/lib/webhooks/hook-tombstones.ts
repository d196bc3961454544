import { and, eq, inArray, type SQL } from "drizzle-orm";
import { type AuditActor, auditInsertIfChanged } from "../audit.server";
import type { Db } from "../db/client";
import { deliveries, deliveryAttempts, inboundReceipts, webhookEndpoints } from "../db/schema";

/**
 * A removed REST hook subscription (an endpoint created through /v1/hooks) leaves a tombstone (an
 * inbound_receipts row keyed by its id), so the subscriber reusing the id gets 410 Gone, as the
 * REST hooks convention expects, instead of a 404 that reads like a typo.
 */
export const HOOK_TOMBSTONE_SOURCE = "rest_hook_deleted";

/** The tombstone for a removed hook; a second removal of the same id is harmless. */
export function tombstoneInsert(db: Db, companyId: string, id: string, at: Date) {
  return db
    .insert(inboundReceipts)
    .values({ source: HOOK_TOMBSTONE_SOURCE, externalId: id, companyId, receivedAt: at })
    .onConflictDoNothing();
}

/**
 * The deletes that remove hook endpoints (`endpoint` picks their rows, company-scoped) with its
 * deliveries and their attempts, so nothing pending is sent to it again. `onlyIf` holds every
 * delete back unless it is true (e.g. "this company has that subscription"), for one-batch writes.
 */
export function hookDeletes(db: Db, input: { companyId: string; ids: string[]; endpoint: SQL; onlyIf?: SQL }) {
  const { companyId, ids } = input;
  const ofHook = and(
    eq(deliveries.companyId, companyId),
    eq(deliveries.targetKind, "webhook"),
    inArray(deliveries.targetId, ids),
    input.onlyIf,
  );
  return [
    db
      .delete(deliveryAttempts)
      .where(
        and(
          eq(deliveryAttempts.companyId, companyId),
          inArray(deliveryAttempts.deliveryId, db.select({ id: deliveries.id }).from(deliveries).where(ofHook)),
        ),
      ),
    db.delete(deliveries).where(ofHook),
    db.delete(webhookEndpoints).where(input.endpoint),
  ] as const;
}

/**
 * Statements (for batchStatements) that remove one REST hook endpoint with its deliveries and
 * their attempts (nothing pending is sent to it again), write the audit row only if this removal
 * deleted the endpoint (two racing removals audit once), and leave the tombstone.
 */
export function removeHookStatements(
  db: Db,
  input: { companyId: string; id: string; now: Date; audit: { actor: AuditActor; action: string; details: Record<string, unknown> } },
) {
  const { companyId, id, now } = input;
  return [
    ...hookDeletes(db, { companyId, ids: [id], endpoint: and(eq(webhookEndpoints.companyId, companyId), eq(webhookEndpoints.id, id))! }),
    auditInsertIfChanged({
      companyId,
      actor: input.audit.actor,
      action: input.audit.action,
      target: id,
      details: input.audit.details,
      at: now,
    }),
    tombstoneInsert(db, companyId, id, now),
  ];
}
