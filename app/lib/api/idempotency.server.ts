/**
 * `Idempotency-Key` on /v1 POST and PATCH (docs/decisions/0173-idempotency-keys.md), as Stripe and the
 * IETF httpapi draft describe it: a client that retries a request whose answer it lost sends the same
 * key, and gets the first answer again instead of a second conversation, message or endpoint.
 *
 * - The key is claimed (one upsert, atomic in D1) before the route runs; the same key and the same
 *   request (method, path, body bytes) while the first still runs → 409; the same key with a different
 *   request → 422. A claim left by a request that died is taken over once its lease ends.
 * - A 2xx answer is kept 24 hours, sealed with the keyring (an answer may carry a webhook secret) and
 *   replayed with `Idempotent-Replayed: true`. Any other answer releases the key: the API's errors
 *   change nothing, so the corrected request may run under the same key.
 * - Keys belong to a company: another company's identical key is another key.
 */
import { sql } from "drizzle-orm";
import { batchStatements, type Db } from "../db/client";
import { sha256Hex } from "../security/crypto";
import { decryptSecret, encryptSecret, type Keyring } from "../security/encryption";

export const IDEMPOTENCY_HEADER = "Idempotency-Key";
export const REPLAYED_HEADER = "Idempotent-Replayed";
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/** How long a claim holds before a retry with the same request may take it over (a Worker's request never runs this long). */
export const IDEMPOTENCY_LEASE_MS = 60_000;
export const IDEMPOTENCY_KEY_MAX = 255;

/** The answer headers a replay repeats; the rest (rate limits, bookmark) belong to the new request. */
const KEPT_HEADERS = ["Content-Type", "Location"] as const;

export type ParsedKey = { ok: true; key: string } | { ok: false; message: string };

/**
 * The header's value: 1–255 visible ASCII characters (and spaces inside), either bare (Stripe's form,
 * e.g. a UUID) or as a structured-field string in double quotes (the IETF draft's form).
 */
export function parseIdempotencyKey(raw: string): ParsedKey {
  let value = raw.trim();
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  if (value.length === 0) return { ok: false, message: `${IDEMPOTENCY_HEADER} is empty.` };
  if (value.length > IDEMPOTENCY_KEY_MAX)
    return { ok: false, message: `${IDEMPOTENCY_HEADER} is longer than ${IDEMPOTENCY_KEY_MAX} characters.` };
  // visible ASCII with inner spaces, and no quote or backslash (a structured-field string's escapes)
  if (!/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(value) || /["\\]/.test(value))
    return { ok: false, message: `${IDEMPOTENCY_HEADER} may hold only visible ASCII characters (a UUID is a good key).` };
  return { ok: true, key: value };
}

/** SHA-256 (hex) of the request as the key promises it: method, path and the body's exact bytes. */
export async function requestFingerprint(method: string, pathname: string, body: Uint8Array): Promise<string> {
  const head = new TextEncoder().encode(`${method} ${pathname}\n`);
  const all = new Uint8Array(head.byteLength + body.byteLength);
  all.set(head, 0);
  all.set(body, head.byteLength);
  return sha256Hex(all);
}

type Scope = { db: Db; companyId: string; key: string };

export type Claim = { kind: "claimed" } | { kind: "replay"; response: Response } | { kind: "running" } | { kind: "mismatch" };

type Row = { fingerprint: string; status: "running" | "done"; response_status: number | null; response_enc: string | null };

const sealAad = (companyId: string, key: string) => `${companyId}:idempotency:${key}`;

/**
 * Claims the key for this request, or says why not: one D1 round trip (the upsert and a read of the
 * row it left, in one batch). The upsert takes a row over only when it has expired, or when it is a
 * claim of the same request whose lease has ended.
 */
export async function claimIdempotencyKey(s: Scope & { ring: Keyring; fingerprint: string; apiKeyId: string; now: Date }): Promise<Claim> {
  const now = s.now.getTime();
  const [upsert, read] = await batchStatements(s.db, [
    sql`INSERT INTO idempotency_keys (company_id, key, fingerprint, api_key_id, status, response_status, response_enc, created_at, locked_until, expires_at)
        VALUES (${s.companyId}, ${s.key}, ${s.fingerprint}, ${s.apiKeyId}, 'running', NULL, NULL, ${now}, ${now + IDEMPOTENCY_LEASE_MS}, ${now + IDEMPOTENCY_TTL_MS})
        ON CONFLICT (company_id, key) DO UPDATE SET
          fingerprint = excluded.fingerprint, api_key_id = excluded.api_key_id, status = 'running', response_status = NULL,
          response_enc = NULL, created_at = excluded.created_at, locked_until = excluded.locked_until, expires_at = excluded.expires_at
        WHERE idempotency_keys.expires_at <= excluded.created_at
           OR (idempotency_keys.status = 'running' AND idempotency_keys.locked_until <= excluded.created_at
               AND idempotency_keys.fingerprint = excluded.fingerprint)
        RETURNING 1 AS claimed`,
    sql`SELECT fingerprint, status, response_status, response_enc FROM idempotency_keys WHERE company_id = ${s.companyId} AND key = ${s.key}`,
  ]);
  if ((upsert?.results.length ?? 0) > 0) return { kind: "claimed" };
  const row = read?.results[0] as Row | undefined;
  // gone between the two statements cannot happen inside one batch (one transaction); be safe anyway
  if (!row) return { kind: "running" };
  if (row.fingerprint !== s.fingerprint) return { kind: "mismatch" };
  if (row.status !== "done" || row.response_status === null || row.response_enc === null) return { kind: "running" };
  const stored = JSON.parse(await decryptSecret(s.ring, row.response_enc, sealAad(s.companyId, s.key))) as {
    headers: Record<string, string>;
    body: string;
  };
  const headers = new Headers(stored.headers);
  headers.set("Cache-Control", "no-store");
  headers.set(REPLAYED_HEADER, "true");
  return {
    kind: "replay",
    response: new Response(row.response_status === 204 ? null : stored.body, { status: row.response_status, headers }),
  };
}

/**
 * After the route: a 2xx answer is kept (sealed) for replays and returned as it was; anything else
 * releases the claim. Returns the response to send (its body was read to be kept, so a new one).
 * The route's answer is sent even when keeping it fails: what it did is done, and saying 500 would
 * tell the client to retry it. The claim then holds until its lease ends (ADR 0173).
 */
export async function settleIdempotencyKey(s: Scope & { ring: Keyring; fingerprint: string; response: Response }): Promise<Response> {
  const { response } = s;
  if (response.status < 200 || response.status >= 300) {
    await releaseIdempotencyKey(s).catch((error: unknown) => logSettleFailure("release", error));
    return response;
  }
  const body = response.status === 204 ? "" : await response.text();
  const answer = new Response(response.status === 204 ? null : body, { status: response.status, headers: response.headers });
  try {
    const headers: Record<string, string> = {};
    for (const name of KEPT_HEADERS) {
      const v = response.headers.get(name);
      if (v !== null) headers[name] = v;
    }
    const sealed = await encryptSecret(s.ring, JSON.stringify({ headers, body }), sealAad(s.companyId, s.key));
    await s.db.run(
      sql`UPDATE idempotency_keys SET status = 'done', response_status = ${response.status}, response_enc = ${sealed}
          WHERE company_id = ${s.companyId} AND key = ${s.key} AND fingerprint = ${s.fingerprint} AND status = 'running'`,
    );
  } catch (error) {
    logSettleFailure("keep", error);
  }
  return answer;
}

// The error's class only: never the key, the body or the answer.
const logSettleFailure = (what: string, error: unknown) =>
  console.error(`idempotency: could not ${what} an answer`, error instanceof Error ? error.name : "unknown");

/** Gives the key back (the route answered an error, threw, or must run again): the next request with it runs. */
export async function releaseIdempotencyKey(s: Scope & { fingerprint: string }): Promise<void> {
  await s.db.run(
    sql`DELETE FROM idempotency_keys WHERE company_id = ${s.companyId} AND key = ${s.key} AND fingerprint = ${s.fingerprint} AND status = 'running'`,
  );
}

/** The cron's purge of expired keys: oldest first, bounded batches through the expires_at index. */
export async function purgeExpiredIdempotencyKeys({
  db,
  now,
  batchSize = 500,
  maxBatches = 20,
}: {
  db: Db;
  now: Date;
  batchSize?: number;
  maxBatches?: number;
}): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < maxBatches; i++) {
    const [result] = await batchStatements(db, [
      sql`DELETE FROM idempotency_keys WHERE rowid IN (
            SELECT rowid FROM idempotency_keys WHERE expires_at <= ${now.getTime()} ORDER BY expires_at LIMIT ${batchSize})`,
    ]);
    const n = result?.meta.changes ?? 0;
    deleted += n;
    if (n < batchSize) break;
  }
  return deleted;
}
