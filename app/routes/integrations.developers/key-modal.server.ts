import { findUsableKey, maskKey } from "~/lib/api-keys/keys.server";
import type { CurrentUser } from "~/lib/auth/users.server";
import { createDb } from "~/lib/db/client";
import type { Env } from "~/lib/env";

/** The key a modal acts on, scoped to the admin's company: anything else is a 404. */
export async function loadKeyForModal(env: Env, user: CurrentUser, keyId: string | undefined) {
  const key = keyId ? await findUsableKey({ db: createDb(env.DB), companyId: user.company.id, keyId, now: new Date() }) : undefined;
  if (!key) throw new Response("That API key does not exist.", { status: 404 });
  return { id: key.id, name: key.name, masked: maskKey(key.last4) };
}
