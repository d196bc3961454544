import { and, count, desc, eq, inArray, sql } from "drizzle-orm";
import type { z } from "zod";
import { auditInsert, type AuditActor } from "../audit.server";
import type { Db } from "../db/client";
import { auditLog, deliveries, deliveryAttempts, webhookEndpoints } from "../db/schema";
import { newId } from "../ids";
import { aad, decryptSecret, encryptSecret, type Keyring } from "../security/encryption";
import { EndpointInputSchema, EndpointPatchSchema, MAX_ENDPOINTS_PER_COMPANY, type EndpointInput } from "./endpoint-schema";
import { generateSecret } from "./signing";
import { checkWebhookUrl, type GuardPolicy } from "./url-guard";

/**
 * Webhook endpoints: the single place for validation and writes, shared by the UI routes and
 * the /v1 API. Every query is scoped by company; another company's id is "not found". Every
 * write carries its audit row in the same batch, and no secret ever reaches the audit row.
 */
export type EndpointDeps = { db: Db; ring: Keyring; policy: GuardPolicy; companyId: string; actor: AuditActor; now: Date; ip?: string | null };
export type ReadDeps = { db: Db; companyId: string };

export type FieldErrors = Record<string, string[]>;
export type Result<T> = { ok: true; value: T } | { ok: false; status: 400; errors: FieldErrors } | { ok: false; status: 404 };

export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;
/** Key for form-level errors (not tied to one field). */
export const FORM_ERROR = "";

type Row = typeof webhookEndpoints.$inferSelect;
export type EndpointView = Omit<Row, "secretEnc" | "previousSecretEnc"> & { rotationEndsAt: Date | null };

export function toView(row: Row, now: Date): EndpointView {
  const { secretEnc: _s, previousSecretEnc: _p, ...rest } = row;
  const rotating = row.previousSecretEnc && row.previousSecretExpiresAt && row.previousSecretExpiresAt > now;
  return { ...rest, rotationEndsAt: rotating ? row.previousSecretExpiresAt : null };
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
  return db.select().from(webhookEndpoints).where(and(eq(webhookEndpoints.companyId, companyId), eq(webhookEndpoints.id, id))).get();
}

export async function listEndpoints({ db, companyId }: ReadDeps, now = new Date()): Promise<EndpointView[]> {
  const rows = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.companyId, companyId)).orderBy(desc(webhookEndpoints.id)).all();
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
  options: { source?: "user" | "zapier" } = {},
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
    failingSince: null,
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
    audit(deps, "webhook_endpoint.created", id, { url: row.url, events: row.events, source: row.source }),
    deps.db.delete(webhookEndpoints).where(and(eq(webhookEndpoints.id, id), overCap)).returning({ id: webhookEndpoints.id }),
    deps.db.delete(auditLog).where(and(eq(auditLog.companyId, deps.companyId), eq(auditLog.target, id), sql`not exists (select 1 from ${webhookEndpoints} where ${webhookEndpoints.id} = ${id})`)),
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
  const urlErrors = guardUrl(patch.url, deps.policy);
  if (urlErrors) return invalid(urlErrors);
  const changes: Partial<Row> = { updatedAt: deps.now };
  if (patch.url !== undefined) changes.url = patch.url;
  if (patch.description !== undefined) changes.description = patch.description;
  if (patch.events !== undefined) changes.events = [...new Set(patch.events)];
  await deps.db.batch([
    deps.db.update(webhookEndpoints).set(changes).where(and(eq(webhookEndpoints.companyId, deps.companyId), eq(webhookEndpoints.id, id))),
    audit(deps, "webhook_endpoint.updated", id, { url: changes.url, description: changes.description, events: changes.events }),
  ]);
  return { ok: true, value: toView({ ...row, ...changes }, deps.now) };
}

/** Deletes the endpoint and its delivery history. */
export async function deleteEndpoint(deps: EndpointDeps, id: string, reason = "webhook_endpoint.deleted"): Promise<Result<{ id: string }>> {
  const row = await findRow(deps.db, deps.companyId, id);
  if (!row) return notFound;
  const ofEndpoint = and(eq(deliveries.companyId, deps.companyId), eq(deliveries.targetKind, "webhook"), eq(deliveries.targetId, id));
  await deps.db.batch([
    deps.db.delete(deliveryAttempts).where(inArray(deliveryAttempts.deliveryId, deps.db.select({ id: deliveries.id }).from(deliveries).where(ofEndpoint))),
    deps.db.delete(deliveries).where(ofEndpoint),
    deps.db.delete(webhookEndpoints).where(and(eq(webhookEndpoints.companyId, deps.companyId), eq(webhookEndpoints.id, id))),
    audit(deps, reason, id, { url: row.url }),
  ]);
  return { ok: true, value: { id } };
}

/** A new secret; the old one keeps signing beside it for 24 h so receivers can switch over. */
export async function rotateSecret(deps: EndpointDeps, id: string): Promise<Result<{ endpoint: EndpointView; secret: string }>> {
  const row = await findRow(deps.db, deps.companyId, id);
  if (!row) return notFound;
  const secret = generateSecret();
  const changes = {
    secretEnc: await encryptSecret(deps.ring, secret, aad(deps.companyId, id)),
    previousSecretEnc: row.secretEnc,
    previousSecretExpiresAt: new Date(deps.now.getTime() + ROTATION_OVERLAP_MS),
    updatedAt: deps.now,
  };
  await deps.db.batch([
    deps.db.update(webhookEndpoints).set(changes).where(and(eq(webhookEndpoints.companyId, deps.companyId), eq(webhookEndpoints.id, id))),
    audit(deps, "webhook_endpoint.secret_rotated", id, { previous_valid_until: changes.previousSecretExpiresAt.toISOString() }),
  ]);
  return { ok: true, value: { endpoint: toView({ ...row, ...changes }, deps.now), secret } };
}

export async function reenableEndpoint(deps: EndpointDeps, id: string): Promise<Result<EndpointView>> {
  const row = await findRow(deps.db, deps.companyId, id);
  if (!row) return notFound;
  const changes = { status: "active" as const, disabledReason: null, disabledAt: null, failingSince: null, updatedAt: deps.now };
  await deps.db.batch([
    deps.db.update(webhookEndpoints).set(changes).where(and(eq(webhookEndpoints.companyId, deps.companyId), eq(webhookEndpoints.id, id))),
    audit(deps, "webhook_endpoint.reenabled", id, {}),
  ]);
  return { ok: true, value: toView({ ...row, ...changes }, deps.now) };
}

/** The secrets to sign with now: the current one, plus the previous one during its overlap. */
export async function signingSecrets(ring: Keyring, row: Row, now: Date): Promise<string[]> {
  const secrets = [await decryptSecret(ring, row.secretEnc, aad(row.companyId, row.id))];
  if (row.previousSecretEnc && row.previousSecretExpiresAt && row.previousSecretExpiresAt > now) {
    secrets.push(await decryptSecret(ring, row.previousSecretEnc, aad(row.companyId, row.id)));
  }
  return secrets;
}

export function findEndpointRow(db: Db, companyId: string, id: string) {
  return findRow(db, companyId, id);
}

function audit(deps: EndpointDeps, action: string, target: string, details: Record<string, unknown>) {
  return auditInsert(deps.db, { companyId: deps.companyId, actor: deps.actor, action, target, details, ip: deps.ip ?? null, at: deps.now });
}
