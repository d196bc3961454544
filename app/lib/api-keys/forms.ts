import * as z from "zod";
import { apiScopes } from "~/lib/vocabulary";

/** Forms of the API keys section (parsed in the action; the browser loads them lazily, `create-key.validate.ts`). */

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
