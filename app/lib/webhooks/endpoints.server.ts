import { and, desc, eq, inArray, type SQL, sql } from "drizzle-orm";
import type * as z from "zod";
import { endpointAlertKeys, resolveAlerts } from "../alerts/alerts.server";
import { type AuditActor, auditInsert, auditInsertIfChanged, redact } from "../audit.server";
import { batchStatements, type Db } from "../db/client";
import { compiledQuery } from "../db/compiled";
import { insertWhere, rowFromDriver } from "../db/conditional";
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
  const rows = await companyEndpoints(db, { companyId });
  return rows.map((r) => toView(r, now));
}

// built once per isolate: the API & Webhooks tab runs it on every view (ADR 0163)
const companyEndpoints = compiledQuery<{ companyId: string }>()((db) =>
  db
    .select()
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.companyId, sql.placeholder("companyId")))
    .orderBy(desc(webhookEndpoints.id)),
);

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
  // The cap is the insert's own condition (ADR 0140): D1 runs batches one at a time, so parallel
  // creates cannot all pass it, and a refused create writes nothing (no row, no audit row).
  const underCap = sql`(select count(*) from ${webhookEndpoints} where ${webhookEndpoints.companyId} = ${deps.companyId}) < ${MAX_ENDPOINTS_PER_COMPANY}`;
  const [inserted] = await batchStatements(deps.db, [
    insertWhere(webhookEndpoints, row, underCap),
    auditIfChanged(deps, "webhook_endpoint.created", id, { url: shownUrl(row), events: row.events, source: row.source }),
  ]);
  if (inserted!.meta.changes !== 1) {
    return invalid({ [FORM_ERROR]: [`A company can have at most ${MAX_ENDPOINTS_PER_COMPANY} webhook endpoints. Delete one first.`] });
  }
  return { ok: true, value: { endpoint: toView(row, deps.now), secret } };
}

export async function updateEndpoint(deps: EndpointDeps, id: string, input: unknown): Promise<Result<EndpointView>> {
  const parsed = EndpointPatchSchema.safeParse(input);
  const urlErrors = parsed.success ? guardUrl(parsed.data.url, deps.policy) : null;
  // refused input writes nothing; the read says which answer comes first (404, then 400)
  if (!parsed.success || urlErrors) return updateEndpointAfterRead(deps, id, input);
  const patch = parsed.data;
  const t = webhookEndpoints;
  // ONE db.batch (ADR 0140). A new URL on an integration's subscription (its subscriber owns it)
  // needs the row first: the batch changes nothing then, and the read-first path answers.
  const where = and(eq(t.companyId, deps.companyId), eq(t.id, id), patch.url === undefined ? undefined : eq(t.source, "user"))!;
  const urlChanges = patch.url === undefined ? null : sql`${t.url} != ${patch.url}`;
  const events = patch.events === undefined ? undefined : [...new Set(patch.events)];
  const details = JSON.stringify(redact({ url: patch.url, description: patch.description, events }));
  const [pre, , , after] = await batchStatements(deps.db, [
    deps.db
      .select()
      .from(t)
      .where(and(eq(t.companyId, deps.companyId), eq(t.id, id))),
    insertWhere(
      auditLog,
      {
        id: newId("aud", deps.now),
        companyId: deps.companyId,
        actor: deps.actor,
        action: "webhook_endpoint.updated",
        target: id,
        details: urlChanges
          ? sql`CASE WHEN ${urlChanges} THEN json(${details}) ELSE json_remove(${details}, '$.url') END`
          : sql`json(${details})`,
        ip: deps.ip ?? null,
        at: deps.now,
      },
      where,
      sql`${t}`,
    ),
    // A new URL is a new receiver: the old one's "failing" alert (ADR 0110) no longer applies.
    urlChanges
      ? resolveAlerts(deps.db, {
          companyId: deps.companyId,
          keys: endpointAlertKeys(id),
          now: deps.now,
          when: sql`EXISTS (SELECT 1 FROM ${t} WHERE ${where} AND ${urlChanges})`,
        })
      : sql`SELECT 0`,
    deps.db
      .update(t)
      .set({
        updatedAt: deps.now,
        ...(patch.description === undefined ? {} : { description: patch.description }),
        ...(events === undefined ? {} : { events }),
        // A new URL is a new receiver: its failure clock starts from nothing.
        ...(urlChanges
          ? {
              url: patch.url,
              failingSince: sql`CASE WHEN ${urlChanges} THEN NULL ELSE ${t.failingSince} END`,
              lastFailureAt: sql`CASE WHEN ${urlChanges} THEN NULL ELSE ${t.lastFailureAt} END`,
            }
          : {}),
      })
      .where(where)
      .returning(),
  ]);
  if (!pre!.results[0]) return notFound;
  const row = rowFromDriver(t, after!.results[0]);
  if (!row) return updateEndpointAfterRead(deps, id, input);
  return { ok: true, value: toView(row, deps.now) };
}

/** updateEndpoint reading the row first: refused input (404 before 400) and an integration's subscription. */
async function updateEndpointAfterRead(deps: EndpointDeps, id: string, input: unknown): Promise<Result<EndpointView>> {
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

/**
 * Deletes the endpoint and its delivery history. ONE db.batch (ADR 0140) for the company's own
 * endpoints whose URL needs no redaction in the audit row: the row as it was, the audit row (its URL
 * read by SQLite) and every delete, each only for such an endpoint of this company. Any other
 * (an integration's subscription, whose URL is masked) is deleted by the read-first path.
 */
export async function deleteEndpoint(deps: EndpointDeps, id: string, reason = "webhook_endpoint.deleted"): Promise<Result<{ id: string }>> {
  if (typeof id !== "string" || id.length > 100) return notFound;
  const t = webhookEndpoints;
  const mine = and(eq(t.companyId, deps.companyId), eq(t.id, id))!;
  const plain = and(mine, eq(t.source, "user"), plainUrl)!;
  const exists = sql`EXISTS (SELECT 1 FROM ${t} WHERE ${plain})`;
  const ofEndpoint = and(
    eq(deliveries.companyId, deps.companyId),
    eq(deliveries.targetKind, "webhook"),
    eq(deliveries.targetId, id),
    exists,
  );
  const results = await batchStatements(deps.db, [
    deps.db.select({ id: t.id }).from(t).where(mine),
    insertWhere(
      auditLog,
      {
        id: newId("aud", deps.now),
        companyId: deps.companyId,
        actor: deps.actor,
        action: reason,
        target: id,
        details: sql`json_object('url', ${t.url})`,
        ip: deps.ip ?? null,
        at: deps.now,
      },
      plain,
      sql`${t}`,
    ),
    deps.db
      .delete(deliveryAttempts)
      .where(inArray(deliveryAttempts.deliveryId, deps.db.select({ id: deliveries.id }).from(deliveries).where(ofEndpoint))),
    deps.db.delete(deliveries).where(ofEndpoint),
    ...toolRowsOf(deps.db, deps.companyId, id, exists),
    deps.db.delete(t).where(plain).returning({ id: t.id }),
  ]);
  if (!results[0]!.results[0]) return notFound;
  if (results[results.length - 1]!.results[0]) return { ok: true, value: { id } };
  return deleteEndpointAfterRead(deps, id, reason);
}

/**
 * A URL audit rows may hold as it is: nothing redact() would change (no secret-shaped part, at most
 * 500 characters). GLOB is case-sensitive like those patterns, and matches a little more than they do.
 */
const plainUrl = sql`(${webhookEndpoints.url} NOT GLOB '*sk_live_*' AND ${webhookEndpoints.url} NOT GLOB '*whsec_*'
  AND ${webhookEndpoints.url} NOT GLOB '*xox[abprs]-*' AND length(CAST(${webhookEndpoints.url} AS BLOB)) <= 500)`;

/** deleteEndpoint reading the row first. */
async function deleteEndpointAfterRead(
  deps: EndpointDeps,
  id: string,
  reason = "webhook_endpoint.deleted",
): Promise<Result<{ id: string }>> {
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
function toolRowsOf(db: Db, companyId: string, endpointId: string, when?: SQL) {
  const replays = and(eq(webhookReplays.companyId, companyId), eq(webhookReplays.endpointId, endpointId), when);
  return [
    db
      .delete(webhookReplaySends)
      .where(
        and(
          eq(webhookReplaySends.companyId, companyId),
          inArray(webhookReplaySends.replayId, db.select({ id: webhookReplays.id }).from(webhookReplays).where(replays)),
          when,
        ),
      ),
    db.delete(webhookReplays).where(replays),
    db.delete(receiverChecks).where(and(eq(receiverChecks.companyId, companyId), eq(receiverChecks.endpointId, endpointId), when)),
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
  if (typeof id !== "string" || id.length > 100) return notFound;
  const t = webhookEndpoints;
  const now = deps.now.getTime();
  const previousLive = sql`(${t.previousSecretEnc} IS NOT NULL AND ${t.previousSecretExpiresAt} > ${now})`;
  const olderLive = sql`(${t.olderSecretEnc} IS NOT NULL AND ${t.olderSecretExpiresAt} > ${now})`;
  const mine = and(eq(t.companyId, deps.companyId), eq(t.id, id))!;
  // ONE db.batch (ADR 0140): the row as it was, then the rotation only while fewer than two earlier
  // secrets are live (retired[0], the newest live one, becomes the older secret), its audit row only
  // if it happened. D1 runs batches one at a time: two concurrent rotations both succeed in turn.
  const where = and(mine, sql`(${previousLive} + ${olderLive}) < ${MAX_SIGNING_SECRETS - 1}`)!;
  const secret = generateSecret();
  const previousSecretExpiresAt = new Date(now + ROTATION_OVERLAP_MS);
  const [pre, rotated] = await batchStatements(deps.db, [
    deps.db.select().from(t).where(mine),
    deps.db
      .update(t)
      .set({
        secretEnc: await encryptSecret(deps.ring, secret, aad(deps.companyId, id)),
        previousSecretEnc: sql`${t.secretEnc}`,
        previousSecretExpiresAt,
        olderSecretEnc: sql`CASE WHEN ${previousLive} THEN ${t.previousSecretEnc} WHEN ${olderLive} THEN ${t.olderSecretEnc} ELSE NULL END`,
        olderSecretExpiresAt: sql`CASE WHEN ${previousLive} THEN ${t.previousSecretExpiresAt} WHEN ${olderLive} THEN ${t.olderSecretExpiresAt} ELSE NULL END`,
        updatedAt: deps.now,
      })
      .where(where)
      .returning(),
    auditIfChanged(deps, "webhook_endpoint.secret_rotated", id, { previous_valid_until: previousSecretExpiresAt.toISOString() }),
  ]);
  const row = rowFromDriver(t, pre!.results[0]);
  if (!row) return notFound;
  const after = rowFromDriver(t, rotated!.results[0]);
  if (after) return { ok: true, value: { endpoint: toView(after, deps.now), secret } };
  const retired = liveRetired(row, deps.now);
  const until = new Date(Math.min(...retired.map((r) => r.expiresAt.getTime())));
  return invalid({
    [FORM_ERROR]: [
      `Two earlier secrets are still honoured (until ${until.toISOString().replace("T", " ").slice(0, 16)} UTC at the earliest). Rotate again after that.`,
    ],
  });
}

/** Re-enables an endpoint. ONE db.batch (ADR 0140): the UPDATE … RETURNING, its audit row and the alerts resolved only if it happened. */
export async function reenableEndpoint(deps: EndpointDeps, id: string): Promise<Result<EndpointView>> {
  if (typeof id !== "string" || id.length > 100) return notFound;
  const t = webhookEndpoints;
  const mine = and(eq(t.companyId, deps.companyId), eq(t.id, id))!;
  const [updated] = await batchStatements(deps.db, [
    deps.db
      .update(t)
      .set({ status: "active", disabledReason: null, disabledAt: null, failingSince: null, lastFailureAt: null, updatedAt: deps.now })
      .where(mine)
      .returning(),
    auditIfChanged(deps, "webhook_endpoint.reenabled", id, {}),
    // Re-enabled: its health alerts (ADR 0110) are resolved; a failure run that goes on opens a new one.
    resolveAlerts(deps.db, {
      companyId: deps.companyId,
      keys: endpointAlertKeys(id),
      now: deps.now,
      when: sql`EXISTS (SELECT 1 FROM ${t} WHERE ${mine})`,
    }),
  ]);
  const row = rowFromDriver(t, updated!.results[0]);
  return row ? { ok: true, value: toView(row, deps.now) } : notFound;
}

/** The secrets to sign with now: the current one, plus every earlier one still in its overlap (≤ 3 in all). */
export async function signingSecrets(ring: Keyring, row: Row, now: Date): Promise<string[]> {
  const encs = [row.secretEnc, ...liveRetired(row, now).map((r) => r.enc)].slice(0, MAX_SIGNING_SECRETS);
  return Promise.all(encs.map((enc) => decryptSecret(ring, enc, aad(row.companyId, row.id))));
}

export function findEndpointRow(db: Db, companyId: string, id: string) {
  return findRow(db, companyId, id);
}

/** The audit row, written only if the statement just before it in the batch changed a row. */
function auditIfChanged(deps: EndpointDeps, action: string, target: string, details: Record<string, unknown>) {
  return auditInsertIfChanged({ companyId: deps.companyId, actor: deps.actor, action, target, details, ip: deps.ip ?? null, at: deps.now });
}

function audit(deps: EndpointDeps, action: string, target: string, details: Record<string, unknown>) {
  return auditInsert(deps.db, { companyId: deps.companyId, actor: deps.actor, action, target, details, ip: deps.ip ?? null, at: deps.now });
}
