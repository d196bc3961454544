import type { apiScopes } from "~/lib/vocabulary";

/** What each API scope and overlap choice means, in the words the forms show (no zod: the page's first JS carries these). */
export const scopeLabels: Record<(typeof apiScopes)[number], string> = {
  "conversations:read": "Read conversations and events",
  "conversations:write": "Create and update conversations",
  "webhooks:read": "Read webhook endpoints and deliveries",
  "webhooks:write": "Manage webhook endpoints",
  hooks: "Manage its own Zapier subscriptions (REST hooks) only",
  "orders:read": "Look up a contact's orders in connected stores",
  "contacts:read": "Read what connected CRMs, help desks and stores know about a contact",
};

export const overlapLabels = { now: "Immediately", "1h": "In 1 hour", "24h": "In 24 hours", "7d": "In 7 days" } as const;
