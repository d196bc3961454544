import { parseWithZod } from "@conform-to/zod/v4";
import { json, redirect } from "@remix-run/cloudflare";
import { redirectWithFlash } from "~/flash.server";
import { CreateKeySchema, RegenerateKeySchema, RevokeKeySchema } from "~/lib/api-keys/forms";
import { type ApiKeySummary, createApiKey, regenerateApiKey, revokeApiKey } from "~/lib/api-keys/keys.server";
import { stashReveal, takeReveal } from "~/lib/api-keys/reveal.server";
import { userActor } from "~/lib/audit.server";
import type { CurrentUser } from "~/lib/auth/users.server";
import { createDb } from "~/lib/db/client";
import { apiBaseUrl, type Env } from "~/lib/env";
import { clientIp } from "~/lib/http/client-ip";
import { notFound } from "~/lib/http/responses";

/** Server half of the API keys section: its loader data and its three intents. */
export const DEVELOPERS_PATH = "/integrations/developers";

/** The section's data from its keys (read in the page's one D1 round trip) and the one-time reveal in KV. */
export async function apiKeysSection({
  env,
  user,
  request,
  keys,
}: {
  env: Env;
  user: CurrentUser;
  request: Request;
  keys: ApiKeySummary[];
}) {
  const url = new URL(request.url);
  const revealId = url.searchParams.get("revealed");
  const reveal = await takeReveal(env.KV, revealId, { companyId: user.company.id, userId: user.id });
  return {
    keys: keys.map((k) => ({
      ...k,
      createdAt: k.createdAt.toISOString(),
      lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
      expiresAt: k.expiresAt?.toISOString() ?? null,
    })),
    reveal,
    revealGone: Boolean(revealId) && !reveal,
    apiBaseUrl: apiBaseUrl(env, url.origin),
  };
}

function ctx(env: Env, user: CurrentUser, request: Request) {
  return { db: createDb(env.DB), companyId: user.company.id, actor: userActor(user), now: new Date(), ip: clientIp(request) };
}

async function revealRedirect(env: Env, user: CurrentUser, created: { id: string; secret: string }) {
  const id = await stashReveal(env.KV, { companyId: user.company.id, userId: user.id, keyId: created.id, secret: created.secret });
  return redirect(`${DEVELOPERS_PATH}?revealed=${id}`, { headers: { "Cache-Control": "no-store" } });
}

export async function createKeyAction(env: Env, user: CurrentUser, request: Request, formData: FormData) {
  const submission = parseWithZod(formData, { schema: CreateKeySchema });
  if (submission.status !== "success") return json({ intent: "create-key", result: submission.reply() }, { status: 400 });
  const created = await createApiKey({ ...ctx(env, user, request), name: submission.value.name, scopes: submission.value.scopes });
  return revealRedirect(env, user, created);
}

export async function regenerateKeyAction(env: Env, user: CurrentUser, request: Request, formData: FormData) {
  const submission = parseWithZod(formData, { schema: RegenerateKeySchema });
  if (submission.status !== "success") return json({ intent: "regenerate-key", result: submission.reply() }, { status: 400 });
  const created = await regenerateApiKey({ ...ctx(env, user, request), keyId: submission.value.keyId, overlap: submission.value.overlap });
  if (!created) throw notFound("That API key does not exist, or it has already been replaced by a new one.");
  return revealRedirect(env, user, created);
}

export async function revokeKeyAction(env: Env, user: CurrentUser, request: Request, formData: FormData) {
  const submission = parseWithZod(formData, { schema: RevokeKeySchema });
  if (submission.status !== "success") return json({ intent: "revoke-key", result: submission.reply() }, { status: 400 });
  const ok = await revokeApiKey({ ...ctx(env, user, request), keyId: submission.value.keyId });
  if (!ok) throw notFound("That API key does not exist.");
  return redirectWithFlash(env, DEVELOPERS_PATH, "API key revoked. Requests that still use it now get 401 errors.");
}
