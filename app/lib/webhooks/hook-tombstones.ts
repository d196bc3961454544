import type { Db } from "../db/client";
import { inboundReceipts } from "../db/schema";

/**
 * A removed REST hook subscription (an endpoint created through /v1/hooks) leaves a tombstone (an
 * inbound_receipts row keyed by its id), so the subscriber reusing the id gets 410 Gone, as the
 * REST hooks convention expects, instead of a 404 that reads like a typo.
 */
export const HOOK_TOMBSTONE_SOURCE = "zapier_hook_deleted";

/** The tombstone for a removed hook; a second removal of the same id is harmless. */
export function tombstoneInsert(db: Db, companyId: string, id: string, at: Date) {
  return db
    .insert(inboundReceipts)
    .values({ source: HOOK_TOMBSTONE_SOURCE, externalId: id, companyId, receivedAt: at })
    .onConflictDoNothing();
}
