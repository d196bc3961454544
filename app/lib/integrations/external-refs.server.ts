/**
 * External references (issue 12 item 3, architecture.md §5b): `(company, provider, kind, local_id) →
 * (remote_id, remote_url)`. A deliverer creates a remote record only under a claim it won, so two
 * events racing for the same contact make one contact (Chatwoot's duplicate-lead race):
 *
 *   const ref = await refs.lookup("contact", email);          // 1. stored id
 *   if (ref?.remoteId) … use it
 *   const found = await client.searchByEmail(email);          // 2. the provider's search
 *   if (found) await refs.linkExisting("contact", email, found);
 *   else if ((await refs.claim("contact", email)).claimed) {  // 3. create, once
 *     try { const made = await client.create(…); await refs.complete("contact", email, made); }
 *     catch (e) { await refs.release("contact", email); throw e; }
 *   } else return { ok: false, statusCode: null, retryAfterSeconds: 5, error: "…being created by another delivery" };
 *
 * Every statement is a single atomic SQL statement (INSERT … ON CONFLICT DO NOTHING, or an UPDATE
 * whose WHERE re-checks the state), so there is no read-then-write window.
 */
import { and, eq, isNull, lt, or, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { externalRefs as table } from "../db/schema";
import type { ExternalRef, ExternalRefs } from "./adapter";

/** A claim older than this is abandoned (its delivery died): another delivery may take it over. */
export const STALE_CLAIM_MS = 2 * 60 * 1000;

type Bound = {
  db: Db;
  companyId: string;
  provider: string;
  now: () => Date;
  /** Who claims: the delivery id (a retry of the same delivery keeps its claim). */
  owner: string;
};

const MAX_ID = 500;

function toRef(row: typeof table.$inferSelect): ExternalRef {
  return { kind: row.kind, localId: row.localId, remoteId: row.remoteId, remoteUrl: row.remoteUrl };
}

export function externalRefs({ db, companyId, provider, now, owner }: Bound): ExternalRefs {
  const key = (kind: string, localId: string) =>
    and(eq(table.companyId, companyId), eq(table.provider, provider), eq(table.kind, kind), eq(table.localId, localId));
  const check = (kind: string, localId: string) => {
    if (!kind || kind.length > 50 || !localId || localId.length > MAX_ID) throw new Error("external ref: kind or local id out of range");
  };
  const read = (kind: string, localId: string) => db.select().from(table).where(key(kind, localId)).get();
  /** Stores the remote record for (kind, localId), released from any claim; `onlyIf` guards an existing row. */
  const upsertRemote = async (kind: string, localId: string, remote: { remoteId: string; remoteUrl?: string | null }, onlyIf?: SQL) => {
    check(kind, localId);
    const at = now();
    const remoteUrl = remote.remoteUrl ?? null;
    await db
      .insert(table)
      .values({
        companyId,
        provider,
        kind,
        localId,
        remoteId: remote.remoteId,
        remoteUrl,
        claimedBy: null,
        claimedAt: null,
        createdAt: at,
        updatedAt: at,
      })
      .onConflictDoUpdate({
        target: [table.companyId, table.provider, table.kind, table.localId],
        set: { remoteId: remote.remoteId, remoteUrl, claimedBy: null, claimedAt: null, updatedAt: at },
        ...(onlyIf ? { setWhere: onlyIf } : {}),
      });
  };

  return {
    async lookup(kind, localId) {
      check(kind, localId);
      const row = await read(kind, localId);
      return row ? toRef(row) : null;
    },

    async claim(kind, localId) {
      check(kind, localId);
      const at = now();
      const inserted = await db
        .insert(table)
        .values({
          companyId,
          provider,
          kind,
          localId,
          remoteId: null,
          remoteUrl: null,
          claimedBy: owner,
          claimedAt: at,
          createdAt: at,
          updatedAt: at,
        })
        .onConflictDoNothing()
        .returning({ localId: table.localId });
      if (inserted.length === 1) return { claimed: true };
      // Ours already (a retry of the same delivery), or abandoned: take it, in one conditional UPDATE.
      const taken = await db
        .update(table)
        .set({ claimedBy: owner, claimedAt: at, updatedAt: at })
        .where(
          and(
            key(kind, localId),
            isNull(table.remoteId),
            or(eq(table.claimedBy, owner), isNull(table.claimedAt), lt(table.claimedAt, new Date(at.getTime() - STALE_CLAIM_MS))),
          ),
        )
        .returning({ localId: table.localId });
      if (taken.length === 1) return { claimed: true };
      const row = await read(kind, localId);
      // Released between the two statements: the caller retries and will win the insert.
      return { claimed: false, ref: row ? toRef(row) : { kind, localId, remoteId: null, remoteUrl: null } };
    },

    async complete(kind, localId, remote) {
      // Never overwrite a record someone else already completed.
      await upsertRemote(kind, localId, remote, or(isNull(table.remoteId), eq(table.remoteId, remote.remoteId)));
    },

    async linkExisting(kind, localId, remote) {
      await upsertRemote(kind, localId, remote);
    },

    async release(kind, localId) {
      check(kind, localId);
      await db.delete(table).where(and(key(kind, localId), isNull(table.remoteId), eq(table.claimedBy, owner)));
    },
  };
}

/** Statements that forget a provider's references of a company (disconnect). */
export function forgetExternalRefs(db: Db, companyId: string, provider: string) {
  return db.delete(table).where(and(eq(table.companyId, companyId), eq(table.provider, provider)));
}
