import { and, count, desc, eq, inArray, sql } from "drizzle-orm";
import type { z } from "zod";
import { endpointAlertKeys, resolveAlerts } from "../alerts/alerts.server";
import { type AuditActor, auditInsert } from "../audit.server";
import { batchStatements, type Db } from "../db/client";
import { auditLog, deliveries, deliveryAttempts, receiverChecks, webhookEndpoints, webhookReplaySends, webhookReplays } from "../db/schema";
import { newId } from "../ids";
import { hookSubscriptionOwner } from "../integrations/registry";
import { aad, decryptSecret, encryptSecret, type Keyring } from "../security/encryption";
import type { EndpointSource } from "../vocabulary";
import { type EndpointInput, EndpointInputSchema, EndpointPatchSchema, MAX_ENDPOINTS_PER_COMPANY } from "./endpoint-schema";
import { tombstoneInsert } from "./hook-tombstones";
import { shownUrl } from "./hook-url";
import { generateSecret } from "./signing";
import { checkWebhookUrl, type GuardPolicy } from "./url-guard";

/**
 * Webhook endpoints: the single place for validation and writes, shared by the UI routes and
 * the /v1 API. Every query is scoped by company; another company's id is "not found". Every
 * write carries its audit row in the same batch, and no secret ever reaches the audit row.
 */
export type EndpointDeps = {
  db: Db;
  ring: Keyring;
  policy: GuardPolicy;
  companyId: string;
  actor: AuditActor;
  now: Date;
  ip?: string | null;
};
export type ReadDeps = { db: Db; companyId: string };

export type FieldErrors = Record<string, string[]>;
export type Result<T> = { ok: true; value: T } | { ok: false; status: 400; errors: FieldErrors } | { ok: false; status: 404 };

export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;
/** Key for form-level errors (not tied to one field). */
export const FORM_ERROR = "";

type Row = typeof webhookEndpoints.$inferSelect;
export type EndpointView = Omit<Row, "secretEnc" | "previousSecretEnc" | "olderSecretEnc" | "olderSecretExpiresAt" | "lastFailureAt"> & {
  rotationEndsAt: Date | null;
};

/** Earlier secrets still honoured at `now`, newest first (at most two: three sign at once). */
function liveRetired(row: Row, now: Date): { enc: string; expiresAt: Date }[] {
  const out: { enc: string; expiresAt: Date }[] = [];
  if (row.previousSecretEnc && row.previousSecretExpiresAt && row.previousSecretExpiresAt > now)
    out.push({ enc: row.previousSecretEnc, expiresAt: row.previousSecretExpiresAt });
  if (row.olderSecretEnc && row.olderSecretExpiresAt && row.olderSecretExpiresAt > now)
    out.push({ enc: row.olderSecretEnc, expiresAt: row.olderSecretExpiresAt });
  return out;
}

export function toView(row: Row, now: Date): EndpointView {
  const { secretEnc: _s, previousSecretEnc: _p, olderSecretEnc: _o, olderSecretExpiresAt: _oe, lastFailureAt: _lf, ...rest } = row;
  const ends = liveRetired(row, now).map((r) => r.expiresAt.getTime());
  // A Zapier subscription's URL is a secret: every view of it is masked (hook-url.ts).
  return { ...rest, url: shownUrl(row), rotationEndsAt: ends.length ? new Date(Math.max(...ends)) : null };
}

const notFound = { ok: false, status: 404 } as const;
const invalid = (errors: FieldErrors) => ({ ok: false, status: 400, errors }) as const;

function zodErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? String(issue.path[0]) : FORM_ERROR;
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

function guardUrl(url: string | undefined, policy: GuardPolicy): FieldErrors | null {
  if (url === undefined) return null;
  const verdict = checkWebhookUrl(url, policy);
  return verdict.ok ? null : { url: [verdict.reason] };
}

async function findRow(db: Db, companyId: string, id: string): Promise<Row | undefined> {
  if (typeof id !== "string" || id.length > 100) return undefined;
  return db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.companyId, companyId), eq(webhookEndpoints.id, id)))
    .get();
}

export async function listEndpoints({ db, companyId }: ReadDeps, now = new Date()): Promise<EndpointView[]> {
  const rows = await db
    .select()
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.companyId, companyId))
    .orderBy(desc(webhookEndpoints.id))
    .all();
  return rows.map((r) => toView(r, now));
}

export async function getEndpoint({ db, companyId }: ReadDeps, id: string, now = new Date()): Promise<EndpointView | null> {
  const row = await findRow(db, companyId, id);
  return row ? toView(row, now) : null;
}

/** Creates an endpoint with a fresh secret; the secret is returned here and never again. */
export async function createEndpoint(
  deps: EndpointDeps,
  input: unknown,
  options: { source?: EndpointSource } = {},
): Promise<Result<{ endpoint: EndpointView; secret: string }>> {
  const parsed = EndpointInputSchema.safeParse(input);
  if (!parsed.success) return invalid(zodErrors(parsed.error));
  const data: EndpointInput = parsed.data;
  const urlErrors = guardUrl(data.url, deps.policy);
  if (urlErrors) return invalid(urlErrors);
  const existing = await deps.db.select({ n: count() }).from(webhookEndpoints).where(eq(webhookEndpoints.companyId, deps.companyId)).get();
  if ((existing?.n ?? 0) >= MAX_ENDPOINTS_PER_COMPANY) {
    return invalid({ [FORM_ERROR]: [`A company can have at most ${MAX_ENDPOINTS_PER_COMPANY} webhook endpoints. Delete one first.`] });
  }
  const id = newId("we", deps.now);
  const secret = generateSecret();
  const row: Row = {
    id,
    companyId: deps.companyId,
    url: data.url,
    description: data.description,
    events: [...new Set(data.events)],
    status: "active",
    disabledReason: null,
    disabledAt: null,
    source: options.source ?? "user",
    secretEnc: await encryptSecret(deps.ring, secret, aad(deps.companyId, id)),
    previousSecretEnc: null,
    previousSecretExpiresAt: null,
    olderSecretEnc: null,
    olderSecretExpiresAt: null,
    failingSince: null,
    lastFailureAt: null,
    createdBy: deps.actor.id ?? deps.actor.type,
    createdAt: deps.now,
    updatedAt: deps.now,
  };
  // The count above is only the friendly early answer: parallel creates could all pass it. The
  // batch is one transaction and D1 runs them one at a time, so the insert is taken back (with
  // its audit row) whenever it made the company go over the cap.
  const overCap = sql`(select count(*) from ${webhookEndpoints} where ${webhookEndpoints.companyId} = ${deps.companyId}) > ${MAX_ENDPOINTS_PER_COMPANY}`;
  const [, , removed] = await deps.db.batch([
    deps.db.insert(webhookEndpoints).values(row),
    audit(deps, "webhook_endpoint.created", id, { url: shownUrl(row), events: row.events, source: row.source }),
    deps.db
      .delete(webhookEndpoints)
      .where(and(eq(webhookEndpoints.id, id), overCap))
      .returning({ id: webhookEndpoints.id }),
    deps.db
      .delete(auditLog)
      .where(
        and(
          eq(auditLog.companyId, deps.companyId),
          eq(auditLog.target, id),
          sql`not exists (select 1 from ${webhookEndpoints} where ${webhookEndpoints.id} = ${id})`,
        ),
      ),
  ]);
  if (removed.length > 0) {
    return invalid({ [FORM_ERROR]: [`A company can have at most ${MAX_ENDPOINTS_PER_COMPANY} webhook endpoints. Delete one first.`] });
  }
  return { ok: true, value: { endpoint: toView(row, deps.now), secret } };
}

export async function updateEndpoint(deps: EndpointDeps, id: string, input: unknown): Promise<Result<EndpointView>> {
  const row = await findRow(deps.db, deps.companyId, id);
  if (!row) return notFound;
  const parsed = EndpointPatchSchema.safeParse(input);
  if (!parsed.success) return invalid(zodErrors(parsed.error));
  const patch = parsed.data;
  const owner = hookSubscriptionOwner(row.source);
  if (owner && patch.url !== undefined) {
    // The subscriber owns a REST hook's URL; the edit form sends back the masked one unchanged.
    if (patch.url !== shownUrl(row) && patch.url !== row.url) return invalid({ url: [owner.hookSubscriptions.urlManagedMessage] });
    patch.url = undefined;
  }
  const urlErrors = guardUrl(patch.url, deps.policy);
  if (urlErrors) return invalid(urlErrors);
  const changes: Partial<Row> = { updatedAt: deps.now };
  // A new URL is a new receiver: its failure clock starts from nothing.
  if (patch.url !== undefined && patch.url !== row.url) Object.assign(changes, { url: patch.url, failingSince: null, lastFailureAt: null });
  if (patch.description !== undefined) changes.description = patch.description;
  if (patch.events !== undefined) changes.events = [...new Set(patch.events)];
  await deps.db.batch([
    deps.db
      .update(webhookEndpoints)
      .set(changes)
      .where(and(eq(webhookEndpoints.companyId, deps.companyId), eq(webhookEndpoints.id, id))),
    audit(deps, "webhook_endpoint.updated", id, { url: changes.url, description: changes.description, events: changes.events }),
    // A new URL is a new receiver: the old one's "failing" alert (ADR 0110) no longer applies.
    ...(changes.url === undefined
      ? []
      : [resolveAlerts(deps.db, { companyId: deps.companyId, keys: endpointAlertKeys(id), now: deps.now })]),
  ]);
  return { ok: true, value: toView({ ...row, ...changes }, deps.now) };
}

/** Deletes the endpoint and its delivery history. */
export async function deleteEndpoint(deps: EndpointDeps, id: string, reason = "webhook_endpoint.deleted"): Promise<Result<{ id: string }>> {
  const row = await findRow(deps.db, deps.companyId, id);
  if (!row) return notFound;
  const ofEndpoint = and(eq(deliveries.companyId, deps.companyId), eq(deliveries.targetKind, "webhook"), eq(deliveries.targetId, id));
  await deps.db.batch([
    deps.db
      .delete(deliveryAttempts)
      .where(inArray(deliveryAttempts.deliveryId, deps.db.select({ id: deliveries.id }).from(deliveries).where(ofEndpoint))),
    deps.db.delete(deliveries).where(ofEndpoint),
    ...toolRowsOf(deps.db, deps.companyId, id),
    deps.db.delete(webhookEndpoints).where(and(eq(webhookEndpoints.companyId, deps.companyId), eq(webhookEndpoints.id, id))),
    audit(deps, reason, id, { url: shownUrl(row) }),
    // A REST hook deleted here answers 410 at /v1/hooks/:id like one unsubscribed there.
    ...(row.source !== "user" ? [tombstoneInsert(deps.db, deps.companyId, id, deps.now)] : []),
  ]);
  return { ok: true, value: { id } };
}

/** The endpoint's receiver checks and replays (verify-receiver, replay-anywhere) go with it. */
function toolRowsOf(db: Db, companyId: string, endpointId: string) {
  const replays = and(eq(webhookReplays.companyId, companyId), eq(webhookReplays.endpointId, endpointId));
  return [
    db
      .delete(webhookReplaySends)
      .where(
        and(
          eq(webhookReplaySends.companyId, companyId),
          inArray(webhookReplaySends.replayId, db.select({ id: webhookReplays.id }).from(webhookReplays).where(replays)),
        ),
      ),
    db.delete(webhookReplays).where(replays),
    db.delete(receiverChecks).where(and(eq(receiverChecks.companyId, companyId), eq(receiverChecks.endpointId, endpointId))),
  ] as const;
}

/** At most this many secrets sign a request: the current one and two still in their overlap. */
export const MAX_SIGNING_SECRETS = 3;

/**
 * A new secret; the old one keeps signing beside it for 24 h so receivers can switch over, and a
 * rotation within that overlap keeps the older secret until its own promised expiry. A rotation
 * that would need a fourth live secret is refused (the form says when it can be done). The write
 * is a compare-and-swap on the current secret: two concurrent rotations both succeed, one after
 * the other, and both revealed secrets stay valid.
 */
export async function rotateSecret(deps: EndpointDeps, id: string): Promise<Result<{ endpoint: EndpointView; secret: string }>> {
  for (let tries = 0; tries < 3; tries++) {
    const row = await findRow(deps.db, deps.companyId, id);
    if (!row) return notFound;
    const retired = liveRetired(row, deps.now);
    if (retired.length >= MAX_SIGNING_SECRETS - 1) {
      const until = new Date(Math.min(...retired.map((r) => r.expiresAt.getTime())));
      return invalid({
        [FORM_ERROR]: [
          `Two earlier secrets are still honoured (until ${until.toISOString().replace("T", " ").slice(0, 16)} UTC at the earliest). Rotate again after that.`,
        ],
      });
    }
    const secret = generateSecret();
    const changes = {
      secretEnc: await encryptSecret(deps.ring, secret, aad(deps.companyId, id)),
      previousSecretEnc: row.secretEnc,
      previousSecretExpiresAt: new Date(deps.now.getTime() + ROTATION_OVERLAP_MS),
      olderSecretEnc: retired[0]?.enc ?? null,
      olderSecretExpiresAt: retired[0]?.expiresAt ?? null,
      updatedAt: deps.now,
    };
    const [swapped] = await batchStatements(deps.db, [
      deps.db
        .update(webhookEndpoints)
        .set(changes)
        .where(
          and(eq(webhookEndpoints.companyId, deps.companyId), eq(webhookEndpoints.id, id), eq(webhookEndpoints.secretEnc, row.secretEnc)),
        ),
      sql`INSERT INTO audit_log (id, company_id, actor, action, target, details, ip, at)
        SELECT ${newId("aud", deps.now)}, ${deps.companyId}, ${JSON.stringify(deps.actor)}, 'webhook_endpoint.secret_rotated', ${id},
          ${JSON.stringify({ previous_valid_until: changes.previousSecretExpiresAt.toISOString() })}, ${deps.ip ?? null}, ${deps.now.getTime()}
        WHERE changes() = 1`,
    ]);
    if (swapped!.meta.changes === 1) return { ok: true, value: { endpoint: toView({ ...row, ...changes }, deps.now), secret } };
  }
  return invalid({ [FORM_ERROR]: ["The secret was rotated by someone else at the same moment; try again."] });
}

export async function reenableEndpoint(deps: EndpointDeps, id: string): Promise<Result<EndpointView>> {
  const row = await findRow(deps.db, deps.companyId, id);
  if (!row) return notFound;
  const changes = {
    status: "active" as const,
    disabledReason: null,
    disabledAt: null,
    failingSince: null,
    lastFailureAt: null,
    updatedAt: deps.now,
  };
  await deps.db.batch([
    deps.db
      .update(webhookEndpoints)
      .set(changes)
      .where(and(eq(webhookEndpoints.companyId, deps.companyId), eq(webhookEndpoints.id, id))),
    audit(deps, "webhook_endpoint.reenabled", id, {}),
    // Re-enabled: its health alerts (ADR 0110) are resolved; a failure run that goes on opens a new one.
    resolveAlerts(deps.db, { companyId: deps.companyId, keys: endpointAlertKeys(id), now: deps.now }),
  ]);
  return { ok: true, value: toView({ ...row, ...changes }, deps.now) };
}

/** The secrets to sign with now: the current one, plus every earlier one still in its overlap (≤ 3 in all). */
export async function signingSecrets(ring: Keyring, row: Row, now: Date): Promise<string[]> {
  const encs = [row.secretEnc, ...liveRetired(row, now).map((r) => r.enc)].slice(0, MAX_SIGNING_SECRETS);
  return Promise.all(encs.map((enc) => decryptSecret(ring, enc, aad(row.companyId, row.id))));
}

export function findEndpointRow(db: Db, companyId: string, id: string) {
  return findRow(db, companyId, id);
}

function audit(deps: EndpointDeps, action: string, target: string, details: Record<string, unknown>) {
  return auditInsert(deps.db, { companyId: deps.companyId, actor: deps.actor, action, target, details, ip: deps.ip ?? null, at: deps.now });
}
