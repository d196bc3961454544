/**
 * `POST /slack/events`: Slack's Events API request URL. No session: the v0 signature is the
 * authentication. The request is verified, deduplicated by `event_id` and stored in one write (an
 * inbound_receipts row holding the raw event: Slack retries when it does not get a 200 within
 * 3 s), and only its id is put on the EVENTS queue (`{ kind: "inbound", provider: "slack", id }`);
 * the work happens in `processSlackEvent` on the queue. The raw event is in D1, not KV: a queue
 * consumer elsewhere reads it at once (KV may not show a value written a moment ago).
 */
import { and, eq, lt } from "drizzle-orm";
import { createDb, type Db } from "../../db/client";
import { inboundReceipts } from "../../db/schema";
import type { Env, InboundMessage } from "../../env";
import { BodyTooLargeError, readLimitedText } from "../../http/body-limit";
import { verifySlackSignature } from "./signature";

export const RECEIPT_SOURCE = "slack_event";
export const MAX_BODY_BYTES = 256 * 1024;

/** The EVENTS queue message for a stored Slack event (handled by the adapter's `inbound` hook). */
export const slackQueueMessage = (eventId: string): InboundMessage => ({ kind: "inbound", provider: "slack", id: eventId });

const text = (status: number, body: string, headers: Record<string, string> = {}) =>
  new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", ...headers } });

export async function handleSlackEvents(request: Request, env: Env, { now = new Date() }: { now?: Date } = {}): Promise<Response> {
  if (request.method !== "POST") return text(405, "Method Not Allowed", { Allow: "POST" });
  const secret = typeof env.SLACK_SIGNING_SECRET === "string" ? env.SLACK_SIGNING_SECRET : "";
  if (!secret) return text(503, "Slack events are not configured (SLACK_SIGNING_SECRET is not set).");
  let body: string;
  try {
    body = await readLimitedText(request, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return text(413, "Payload Too Large");
    throw error;
  }
  const verdict = await verifySlackSignature({
    secret,
    timestamp: request.headers.get("x-slack-request-timestamp"),
    signature: request.headers.get("x-slack-signature"),
    body,
    now,
  });
  if (verdict !== "ok") return text(401, "Invalid Slack signature.");

  let payload: { type?: unknown; challenge?: unknown; event_id?: unknown; event?: unknown };
  try {
    payload = JSON.parse(body) as typeof payload;
    if (!payload || typeof payload !== "object") throw new Error("not an object");
  } catch {
    return text(400, "The body is not JSON.");
  }
  if (payload.type === "url_verification") {
    if (typeof payload.challenge !== "string" || payload.challenge.length > 200) return text(400, "No challenge.");
    return new Response(JSON.stringify({ challenge: payload.challenge }), { headers: { "Content-Type": "application/json" } });
  }
  if (payload.type !== "event_callback") return text(200, "ignored");
  const eventId = payload.event_id;
  if (typeof eventId !== "string" || !/^[A-Za-z0-9_.-]{1,100}$/.test(eventId)) return text(400, "No event_id.");

  const db = createDb(env.DB);
  const inserted = await db
    .insert(inboundReceipts)
    .values({ source: RECEIPT_SOURCE, externalId: eventId, companyId: null, receivedAt: now, payload: body })
    .onConflictDoNothing()
    .returning({ id: inboundReceipts.externalId });
  if (inserted.length === 0) return text(200, "duplicate"); // Slack's retry of an event we already have
  try {
    await env.EVENTS.send(slackQueueMessage(eventId));
  } catch (error) {
    // Let Slack's retry bring it again: forget the receipt.
    await forgetReceipt(db, eventId);
    console.error("slack event enqueue failed", eventId, error instanceof Error ? error.name : "unknown");
    return text(503, "Try again.");
  }
  return text(200, "ok");
}

function forgetReceipt(db: Db, eventId: string) {
  return db.delete(inboundReceipts).where(and(eq(inboundReceipts.source, RECEIPT_SOURCE), eq(inboundReceipts.externalId, eventId)));
}

/** Slack retries for about an hour at most: receipts older than a week only take space (cron). */
export async function purgeSlackReceipts({ db, now }: { db: Db; now: Date }) {
  await db
    .delete(inboundReceipts)
    .where(and(eq(inboundReceipts.source, RECEIPT_SOURCE), lt(inboundReceipts.receivedAt, new Date(now.getTime() - 7 * 86_400_000))));
}
