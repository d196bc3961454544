/**
 * `GET|POST /integrations/whatsapp-business/webhook`: Meta's callback URL. No session: the
 * handshake's verify token and each POST's `X-Hub-Signature-256` are the authentication.
 *
 * POST: the body is capped before it is read, attributed to connections by the business phone
 * number id it names, verified with each one's app secret (missing/bad → 401, nothing stored),
 * held in D1 (an inbound_receipts row whose payload is the verified items: KV could hide it from
 * the queue consumer for a while) and announced on the EVENTS queue as
 * `{ kind: "inbound", provider: "whatsapp-business", id }`. The work (conversations, messages,
 * statuses) happens in `processWhatsAppJob`, the adapter's inbound handler.
 */
import { createDb } from "../../db/client";
import { inboundReceipts } from "../../db/schema";
import type { Env } from "../../env";
import { newId } from "../../ids";
import { findConnectionsByPhoneNumberIds, isKnownVerifyToken, loadWhatsAppSecrets } from "./connection.server";
import { parseWebhook, phoneNumberIds, type WebhookItem } from "./payload";
import { verifyMetaSignature } from "./signature";

export const WEBHOOK_PATH = "/integrations/whatsapp-business/webhook";
export const MAX_BODY_BYTES = 512 * 1024;
/** inbound_receipts.source of a verified webhook waiting for the queue (its payload is the job). */
export const JOB_SOURCE = "whatsapp_job";

/** What is parked: per company, the items its connection's signature verified. No secret. */
export type WhatsAppJob = { receivedAt: string; companies: { companyId: string; connectionId: string; items: WebhookItem[] }[] };

const text = (status: number, body: string, headers: Record<string, string> = {}) =>
  new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", ...headers } });

export async function handleWhatsAppWebhook(request: Request, env: Env, { now = new Date() }: { now?: Date } = {}): Promise<Response> {
  if (request.method === "GET") return handshake(request, env);
  if (request.method !== "POST") return text(405, "Method Not Allowed", { Allow: "GET, POST" });
  return receive(request, env, now);
}

/** Meta's verification request: echo hub.challenge when hub.verify_token is one we issued. */
async function handshake(request: Request, env: Env): Promise<Response> {
  const q = new URL(request.url).searchParams;
  const challenge = q.get("hub.challenge") ?? "";
  if (q.get("hub.mode") !== "subscribe" || !challenge || challenge.length > 200) return text(400, "Not a subscription request.");
  if (!(await isKnownVerifyToken(createDb(env.DB), q.get("hub.verify_token") ?? ""))) return text(403, "Unknown verify token.");
  return text(200, challenge);
}

/** Reads at most `max` bytes; null when the body is larger. */
async function readCapped(request: Request, max: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const declared = request.headers.get("content-length");
  if (declared !== null && !(Number(declared) <= max)) return null;
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

async function receive(request: Request, env: Env, now: Date): Promise<Response> {
  const signature = request.headers.get("x-hub-signature-256");
  if (!signature) return text(401, "Missing X-Hub-Signature-256.");
  const raw = await readCapped(request, MAX_BODY_BYTES);
  if (!raw) return text(413, "Payload Too Large");
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    return text(400, "The body is not JSON.");
  }
  const items = parseWebhook(json);
  if (!items) return text(400, "Not a WhatsApp Business Account webhook.");
  const ids = phoneNumberIds(items);
  const db = createDb(env.DB);
  const rows = await findConnectionsByPhoneNumberIds({ db, phoneNumberIds: ids });
  // Numbers no company connected: acknowledged so Meta does not retry them, nothing stored.
  if (rows.length === 0) return text(200, "ignored");

  // Each connection's items count only if the signature verifies with that connection's secret.
  const companies: WhatsAppJob["companies"] = [];
  for (const row of rows) {
    const secrets = await loadWhatsAppSecrets({ kv: env.KV, env }, row);
    const verdict = secrets ? await verifyMetaSignature({ appSecret: secrets.appSecret, header: signature, body: raw }) : "mismatch";
    if (verdict !== "ok") continue;
    companies.push({ companyId: row.companyId, connectionId: row.id, items: items.filter((i) => i.phoneNumberId === row.accountId) });
  }
  if (companies.length === 0) return text(401, "Invalid X-Hub-Signature-256.");

  const jobId = newId("waj", now);
  const job: WhatsAppJob = { receivedAt: now.toISOString(), companies };
  try {
    await createDb(env.DB)
      .insert(inboundReceipts)
      .values({ source: JOB_SOURCE, externalId: jobId, companyId: null, receivedAt: now, payload: JSON.stringify(job) })
      .run();
    await env.EVENTS.send({ kind: "inbound", provider: "whatsapp-business", id: jobId });
  } catch (error) {
    console.error("whatsapp webhook enqueue failed", error instanceof Error ? error.name : "unknown");
    return text(503, "Try again."); // Meta retries; the receipts make the retry safe
  }
  return text(200, "ok");
}
