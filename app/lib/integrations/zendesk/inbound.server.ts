/**
 * `POST /integrations/zendesk/events?company=<slug>`: the webhook Zendesk calls when a ticket's
 * status changes (connecting subscribes it). No session: the signature is the authentication — it
 * is checked with that company's webhook signing secret before the body is even parsed. A ticket
 * that became solved or closed closes the conversation it was created for (found through our own
 * external reference, never from the body alone), as the Zendesk integration (loop safety).
 */
import { and, eq } from "drizzle-orm";
import { createDb } from "../../db/client";
import { companies, connections } from "../../db/schema";
import type { Env } from "../../env";
import { loadCredentials } from "../../oauth/token-store.server";
import { keyringFromEnv } from "../../security/encryption";
import { CATALOG } from "../catalog";
import { externalRefs } from "../external-refs.server";
import { closeFromProvider, TICKET_REF } from "../helpdesk/tickets.server";
import { STATUS_CHANGED } from "./client.server";
import { verifyZendeskSignature } from "./signature";

export const ZENDESK_EVENTS_PATH = "/integrations/zendesk/events";
export const MAX_BODY_BYTES = 256 * 1024;

const text = (status: number, body: string, headers: Record<string, string> = {}) =>
  new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", ...headers } });

type StatusEvent = { type?: unknown; detail?: { id?: unknown; status?: unknown; external_id?: unknown } };

export async function handleZendeskEvents(request: Request, env: Env, { now = new Date() }: { now?: Date } = {}): Promise<Response> {
  if (request.method !== "POST") return text(405, "Method Not Allowed", { Allow: "POST" });
  if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) return text(413, "Payload Too Large");
  const body = await request.text();
  if (body.length > MAX_BODY_BYTES) return text(413, "Payload Too Large");
  const unauthorized = () => text(401, "Invalid Zendesk signature.");

  const slug = new URL(request.url).searchParams.get("company") ?? "";
  if (!/^[a-z0-9-]{1,64}$/.test(slug)) return unauthorized();
  const db = createDb(env.DB);
  const found = await db
    .select({ companyId: companies.id, connectionId: connections.id, status: connections.status })
    .from(companies)
    .innerJoin(connections, and(eq(connections.companyId, companies.id), eq(connections.provider, "zendesk")))
    .where(eq(companies.slug, slug))
    .get();
  // No connection and a wrong signature look the same from outside.
  if (!found) return unauthorized();
  const creds = await loadCredentials(
    { kv: env.KV, ring: await keyringFromEnv(env) },
    { companyId: found.companyId, connectionId: found.connectionId },
  );
  const secret = creds?.secrets?.webhook_secret;
  if (!secret) return unauthorized();
  const verdict = await verifyZendeskSignature({
    secret,
    timestamp: request.headers.get("x-zendesk-webhook-signature-timestamp"),
    signature: request.headers.get("x-zendesk-webhook-signature"),
    body,
    now,
  });
  if (verdict !== "ok") return unauthorized();

  let event: StatusEvent;
  try {
    event = JSON.parse(body) as StatusEvent;
    if (!event || typeof event !== "object") throw new Error("not an object");
  } catch {
    return text(400, "The body is not JSON.");
  }
  if (event.type !== STATUS_CHANGED) return text(200, "ignored");
  if (found.status !== "connected") return text(200, "ignored: Zendesk needs to be reconnected");
  const status = String(event.detail?.status ?? "").toLowerCase();
  if (status !== "solved" && status !== "closed") return text(200, "ignored");
  const ticketId = String(event.detail?.id ?? "");
  const conversationId = typeof event.detail?.external_id === "string" ? event.detail.external_id : "";
  if (!/^\d{1,20}$/.test(ticketId) || !/^conv_[a-z0-9]{1,40}$/.test(conversationId)) return text(200, "ignored: not one of our tickets");
  const ref = await externalRefs({ db, companyId: found.companyId, provider: "zendesk", now: () => now, owner: "zendesk-webhook" }).lookup(
    TICKET_REF,
    conversationId,
  );
  if (ref?.remoteId !== ticketId) return text(200, "ignored: not one of our tickets");
  const result = await closeFromProvider({ db, env, now }, { provider: CATALOG.zendesk, companyId: found.companyId, conversationId });
  return text(200, result);
}
