/**
 * WhatsApp's customer-service window: a business may send free-form messages to a user only within
 * 24 hours of that user's last message; after that only an approved template may be sent.
 */
export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

export type WindowState = { open: true; closesAt: Date } | { open: false; closedAt: Date | null };

/** `lastInboundAt`: the customer's newest WhatsApp message in the conversation (null: none). */
export function serviceWindow(lastInboundAt: Date | null, now: Date): WindowState {
  if (!lastInboundAt) return { open: false, closedAt: null };
  const closesAt = new Date(lastInboundAt.getTime() + SERVICE_WINDOW_MS);
  return closesAt.getTime() > now.getTime() ? { open: true, closesAt } : { open: false, closedAt: closesAt };
}

export function windowClosedReason(state: Extract<WindowState, { open: false }>): string {
  const since = state.closedAt ? ` (it closed at ${state.closedAt.toISOString()})` : "";
  return `Outside WhatsApp's 24-hour customer-service window${since}: WhatsApp only accepts a free-form message within 24 hours of the customer's last message. Configure an approved message template for WhatsApp Business to reach the customer after that.`;
}
