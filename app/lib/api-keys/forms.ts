import * as z from "zod";
import { apiScopes } from "~/lib/vocabulary";

/** Forms of the API keys section (parsed in the action, also used by conform in the browser). */
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

export const CreateKeySchema = z.object({
  intent: z.literal("create-key"),
  name: z.string({ error: "Give the key a name" }).trim().min(1, "Give the key a name").max(60, "At most 60 characters"),
  scopes: z.array(z.enum(apiScopes, "Unknown scope"), { error: "Choose at least one scope" }).min(1, "Choose at least one scope"),
});

export const RegenerateKeySchema = z.object({
  intent: z.literal("regenerate-key"),
  keyId: z.string().min(1).max(100),
  overlap: z.enum(["now", "1h", "24h", "7d"], "Choose when the old key stops working"),
});

export const RevokeKeySchema = z.object({ intent: z.literal("revoke-key"), keyId: z.string().min(1).max(100) });
