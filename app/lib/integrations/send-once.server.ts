/**
 * Sends one event's message to a provider at most once, for providers whose API has no idempotency
 * key of its own (a Teams workflow, a Discord webhook, GA4's Measurement Protocol): the send is
 * made under an external-reference claim on the event id, and its answer is recorded. A retry of
 * a delivery whose send went through (Retry in the activity list, a redelivered queue message)
 * finds the record and does not send again; another delivery holding the claim → try again shortly.
 */
import type { DeliveryOutcome, ExternalRefs } from "./adapter";

export type Sent = { remoteId: string; remoteUrl?: string | null; summary: string };

export async function sendOnce(refs: ExternalRefs, kind: string, eventId: string, send: () => Promise<Sent>): Promise<DeliveryOutcome> {
  const existing = await refs.lookup(kind, eventId);
  if (existing?.remoteId)
    return {
      ok: true,
      statusCode: null,
      summary: "Already sent: this event went out before (not sent again)",
      remote: existing.remoteUrl ? { url: existing.remoteUrl } : null,
    };
  const claim = await refs.claim(kind, eventId);
  if (!claim.claimed) return { ok: false, statusCode: null, retryAfterSeconds: 5, error: "Another attempt is sending this event." };
  try {
    const done = await send();
    await refs.complete(kind, eventId, { remoteId: done.remoteId, remoteUrl: done.remoteUrl ?? null });
    return { ok: true, statusCode: 200, summary: done.summary, remote: done.remoteUrl ? { url: done.remoteUrl } : null };
  } catch (error) {
    await refs.release(kind, eventId);
    throw error;
  }
}
