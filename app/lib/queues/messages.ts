import type { DeliveriesMessage, EventsMessage } from "../env";
import { QUEUE_NAMES } from "./names";

const isObject = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === "object";
const isId = (v: unknown): v is string => typeof v === "string" && v.length > 0 && v.length <= 200;

/** An EVENTS message, or null when it is not one (it is then kept as a dead letter, not retried). */
export function readEventsMessage(body: unknown): EventsMessage | null {
  if (!isObject(body)) return null;
  if (body.kind === "inbound")
    return isId(body.provider) && isId(body.id) ? { kind: "inbound", provider: body.provider, id: body.id } : null;
  // `kind` absent: a message sent before the tag existed.
  if ((body.kind === "event" || body.kind === undefined) && isId(body.eventId)) return { kind: "event", eventId: body.eventId };
  return null;
}

/** A DELIVERIES message, or null when it is not one. */
export function readDeliveriesMessage(body: unknown): DeliveriesMessage | null {
  if (!isObject(body) || (body.kind !== undefined && body.kind !== "delivery") || !isId(body.deliveryId)) return null;
  const m: DeliveriesMessage = { deliveryId: body.deliveryId };
  if (Number.isInteger(body.run)) m.run = body.run as number;
  if (Number.isInteger(body.attempt)) m.attempt = body.attempt as number;
  return m;
}

/** What a message carried and the id it names, for the dead-letter list. */
export function describeMessage(queue: string, body: unknown): { kind: string; ref: string | null } {
  if (queue === QUEUE_NAMES.deliveries) {
    if (isObject(body) && body.kind === "replay") return { kind: "replay", ref: isId(body.replaySendId) ? body.replaySendId : null };
    const m = readDeliveriesMessage(body);
    return m ? { kind: "delivery", ref: m.deliveryId } : { kind: "unreadable", ref: null };
  }
  if (queue === QUEUE_NAMES.events) {
    const m = readEventsMessage(body);
    if (!m) return { kind: "unreadable", ref: null };
    return m.kind === "event" ? { kind: "event", ref: m.eventId } : { kind: "inbound", ref: `${m.provider}:${m.id}` };
  }
  return { kind: "unreadable", ref: null };
}
