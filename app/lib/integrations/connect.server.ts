/**
 * Connecting an integration: OAuth (start + callback), an API-key form, or enabling a built-in one.
 * The adapter's `verifyCredential` runs first (a wrong key is a field error and nothing is saved;
 * it also gives the account label and the provider context). Every path then ends the same way:
 * credentials encrypted into KV, then the connection row and its audit row in one db.batch; if the
 * batch fails the fresh KV entry is removed (nothing half-saved). Connecting never sets "Last
 * success": only a real delivery does.
 */

import * as z from "zod";
import { resolveAlerts } from "../alerts/alerts.server";
import { auditInsert, userActor } from "../audit.server";
import type { CurrentUser } from "../auth/users.server";
import type { Db } from "../db/client";
import { connections } from "../db/schema";
import type { Env } from "../env";
import { newId } from "../ids";
import { authorizationUrl, exchangeAuthorizationCode, type Fetch, fetchIdentity, revokeToken } from "../oauth/client.server";
import { consumeOAuthState, createOAuthState } from "../oauth/state.server";
import { deleteCredentials, loadCredentials, type StoredCredentials, saveCredentials } from "../oauth/token-store.server";
import { keyringFromEnv } from "../security/encryption";
import type { ProviderContext, VerifyInput, VerifyResult } from "./adapter";
import type { ApiKeyField, ApiKeyFieldFormat, ApiKeySpec, Provider } from "./catalog";
import { findConnection } from "./connections.server";
import { findAdapter } from "./registry";

export type ConnectDeps = { db: Db; kv: KVNamespace; env: Env; fetch: Fetch; now: () => Date };
type Who = { user: CurrentUser; ip: string | null };

export class ConnectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConnectError";
  }
}

export function callbackUrl(origin: string, provider: Provider) {
  return `${origin}/integrations/${provider.id}/callback`;
}

/** Makes the one-time state (+ PKCE verifier) and returns the provider's authorization URL. */
export async function startOAuth(
  deps: ConnectDeps,
  { provider, user, redirectUri }: { provider: Provider; user: CurrentUser; redirectUri: string },
) {
  const spec = provider.oauth;
  if (!spec) throw new ConnectError(`${provider.name} does not connect through OAuth.`);
  const { state, codeVerifier } = await createOAuthState(deps, {
    provider: provider.id,
    userId: user.id,
    companyId: user.company.id,
    pkce: spec.pkce,
  });
  return authorizationUrl(spec, deps.env, { state, codeVerifier, redirectUri });
}

/**
 * The callback. The state is checked (and spent) before anything else, so a bad state never
 * reaches the token endpoint. Throws OAuthStateError, ConnectError or ProviderError.
 */
export async function completeOAuth(
  deps: ConnectDeps,
  { provider, user, ip, params, redirectUri }: Who & { provider: Provider; params: URLSearchParams; redirectUri: string },
) {
  const spec = provider.oauth;
  if (!spec) throw new ConnectError(`${provider.name} does not connect through OAuth.`);
  const record = await consumeOAuthState(deps, {
    state: params.get("state"),
    provider: provider.id,
    userId: user.id,
    companyId: user.company.id,
  });
  const denied = params.get("error");
  if (denied)
    throw new ConnectError(
      denied === "access_denied"
        ? `Access was not granted at ${provider.name}.`
        : `${provider.name} reported an error (${denied.slice(0, 60)}).`,
    );
  const code = params.get("code");
  if (!code) throw new ConnectError(`${provider.name} did not send an authorization code.`);
  const tokens = await exchangeAuthorizationCode(deps, spec, deps.env, { code, codeVerifier: record.codeVerifier, redirectUri });
  const verify = findAdapter(provider.id)?.verifyCredential;
  let account: { label: string | null; id: string | null; context?: ProviderContext; secrets?: Record<string, string> };
  if (verify) {
    const result = await verify({ ...verifyBase(deps, user), token: tokens.accessToken, tokenResponse: tokens.raw });
    if (!result.ok)
      throw new ConnectError(Object.values(result.fieldErrors).flat().join(" ") || `${provider.name} did not accept the connection.`);
    account = { label: result.accountLabel, id: result.accountId, context: result.context, secrets: result.secrets };
  } else {
    account = tokens.account ?? (await fetchIdentity(deps, spec, deps.env, tokens.accessToken));
  }
  const creds: StoredCredentials = {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: tokens.expiresAt,
    // Secrets the check obtained (Discord's webhook token) live encrypted beside the tokens.
    ...(account.secrets ? { secrets: account.secrets } : {}),
  };
  return saveConnection(deps, {
    provider,
    user,
    ip,
    creds,
    accountLabel: account.label,
    accountId: account.id,
    context: account.context,
    tokenExpiresAt: tokens.expiresAt,
  });
}

/** How long a connect-time check may take before the admin gets an answer. */
export const VERIFY_TIMEOUT_MS = 10_000;

function verifyBase(deps: ConnectDeps, user: CurrentUser): Omit<VerifyInput, "fields" | "token" | "tokenResponse"> {
  return {
    company: { id: user.company.id, slug: user.company.slug },
    env: deps.env,
    fetch: deps.fetch,
    now: deps.now(),
    signal: AbortSignal.timeout(VERIFY_TIMEOUT_MS),
  };
}

/** Runs the adapter's check; a provider that cannot be reached is a form error, never a 500. */
async function runVerify(
  deps: ConnectDeps,
  provider: Provider,
  user: CurrentUser,
  input: Pick<VerifyInput, "fields">,
): Promise<VerifyResult | null> {
  const verify = findAdapter(provider.id)?.verifyCredential;
  if (!verify) return null;
  try {
    return await verify({ ...verifyBase(deps, user), ...input });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return {
      ok: false,
      fieldErrors: {
        "": [
          timedOut
            ? `${provider.name} did not answer in time. Try again.`
            : `${provider.name} could not be reached to check the credentials. Try again.`,
        ],
      },
    };
  }
}

const FORMATS: Record<ApiKeyFieldFormat, { test: (v: string) => boolean; message: (f: ApiKeyField) => string }> = {
  subdomain: {
    test: (v) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(v),
    message: (f) => `A subdomain has only letters, numbers and hyphens${f.placeholder ? `, like ${f.placeholder}` : ""}.`,
  },
  email: { test: (v) => z.email().safeParse(v).success, message: () => "Enter an email address, like admin@example.com." },
  hostname: {
    test: (v) => /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(v),
    message: (f) => `Enter the domain only${f.placeholder ? `, like ${f.placeholder}` : ""} (no https:// and no path).`,
  },
  https_url: {
    test: (v) => URL.canParse(v) && new URL(v).protocol === "https:",
    message: (f) => `Enter the address starting with https://${f.placeholder ? `, like ${f.placeholder}` : ""}.`,
  },
  digits: { test: (v) => /^\d{1,30}$/.test(v), message: () => "Use digits only." },
};

/** "Enter the API token", "Enter the admin email", "Enter the Zendesk subdomain": the label, in a sentence. */
function missingMessage(f: ApiKeyField): string {
  if (f.missing) return f.missing;
  const [first = "", ...rest] = f.label.split(" ");
  const common = /^[A-Z][a-z]+$/.test(first) && COMMON_WORDS.has(first.toLowerCase());
  return `Enter the ${[common ? first.toLowerCase() : first, ...rest].join(" ")}.`;
}
const COMMON_WORDS = new Set([
  "admin",
  "account",
  "api",
  "access",
  "bot",
  "consumer",
  "phone",
  "secret",
  "shop",
  "source",
  "store",
  "system",
  "write",
]);

/** The connect form's schema: every field required, secrets without spaces, formats checked, messages for people. */
export function apiKeySchema(spec: ApiKeySpec) {
  const shape: Record<string, z.ZodType> = {};
  for (const f of spec.fields) {
    const present = z
      .string({ error: missingMessage(f) })
      .trim()
      .min(1, missingMessage(f));
    const format = f.format ? FORMATS[f.format] : null;
    shape[f.name] = f.secret
      ? present
          .min(8, `That ${f.label.replace(/^[A-Z][a-z]/, (c) => c.toLowerCase())} is too short: paste the whole value.`)
          .max(500, "That is too long: paste only the value.")
          .regex(/^\S+$/, "Remove the spaces: the value has none.")
      : present.max(200, "At most 200 characters.").refine((v) => !format || format.test(v), { message: format ? format.message(f) : "" });
  }
  return z.object(shape);
}

export type ConnectResult = { ok: true; connectionId: string; reconnected: boolean } | { ok: false; fieldErrors: Record<string, string[]> };

/** Checks the key with the provider (the adapter's verifyCredential) before saving anything. */
export async function connectWithApiKey(
  deps: ConnectDeps,
  { provider, user, ip, values }: Who & { provider: Provider; values: Record<string, string> },
): Promise<ConnectResult> {
  const spec = provider.apiKey;
  if (!spec) throw new ConnectError(`${provider.name} does not connect with an API key.`);
  const fields: Record<string, string> = {};
  for (const f of spec.fields) fields[f.name] = values[f.name] ?? "";
  const verified = await runVerify(deps, provider, user, { fields });
  if (verified && !verified.ok) return verified;
  const account = verified?.ok ? verified : { accountLabel: fields[spec.labelField] || null, accountId: null, context: undefined };
  // Secrets the check obtained (Zendesk's webhook signing secret) are stored with the fields, encrypted.
  const secrets = verified?.ok && verified.secrets ? { ...verified.secrets, ...fields } : fields;
  const saved = await saveConnection(deps, {
    provider,
    user,
    ip,
    creds: { secrets },
    accountLabel: account.accountLabel,
    accountId: account.accountId,
    context: account.context,
    tokenExpiresAt: null,
  });
  return { ok: true, ...saved };
}

/** Built-in integrations (email forwarding, Zapier): a connection row, no credentials. */
export async function enableBuiltIn(
  deps: ConnectDeps,
  { provider, user, ip, accountLabel }: Who & { provider: Provider; accountLabel?: string },
) {
  if (provider.authKind !== "built_in" || !provider.capabilities.includes("connect"))
    throw new ConnectError(`${provider.name} cannot be enabled here.`);
  let label = accountLabel ?? null;
  if (label === null) {
    const verified = await runVerify(deps, provider, user, {});
    if (verified && !verified.ok) throw new ConnectError(Object.values(verified.fieldErrors).flat().join(" "));
    label = verified?.ok ? verified.accountLabel : null;
  }
  return saveConnection(deps, { provider, user, ip, creds: null, accountLabel: label, accountId: null, tokenExpiresAt: null });
}

async function saveConnection(
  deps: ConnectDeps,
  input: Who & {
    provider: Provider;
    creds: StoredCredentials | null;
    accountLabel: string | null;
    accountId: string | null;
    context?: ProviderContext;
    tokenExpiresAt: number | null;
  },
) {
  const { db } = deps;
  const now = deps.now();
  const companyId = input.user.company.id;
  const existing = await findConnection({ db, companyId, provider: input.provider.id });
  const connectionId = existing?.id ?? newId("conn", now);
  const ring = await keyringFromEnv(deps.env);
  // Reconnecting replaces a token: the one it replaces is revoked once the new one is saved, and what the
  // replaced connection set up at the provider (a webhook) is removed.
  const hasRemote = Boolean(findAdapter(input.provider.id)?.disconnect?.remote);
  const replaced =
    existing && (input.creds?.accessToken || hasRemote) ? await oldCredentials(deps, ring, { companyId, connectionId }) : null;
  // A new version on every save: a reader still holding the replaced credentials can never refresh with them.
  const credentialsVersion = (existing?.credentialsVersion ?? 0) + 1;
  if (input.creds)
    await saveCredentials({ kv: deps.kv, ring }, { companyId, connectionId }, { ...input.creds, version: credentialsVersion });
  const fields = {
    status: "connected" as const,
    accountLabel: input.accountLabel,
    accountId: input.accountId,
    connectedBy: input.user.id,
    connectedByEmail: input.user.email,
    connectedAt: now,
    tokenExpiresAt: input.tokenExpiresAt ? new Date(input.tokenExpiresAt) : null,
    credentialsVersion,
    refreshClaimedUntil: null,
    lastError: null,
    lastErrorAt: null,
    context: input.context ?? {},
    updatedAt: now,
  };
  try {
    await db.batch([
      db
        .insert(connections)
        .values({ id: connectionId, companyId, provider: input.provider.id, config: {}, ...fields })
        .onConflictDoUpdate({ target: [connections.companyId, connections.provider], set: fields }),
      auditInsert(db, {
        companyId,
        actor: userActor(input.user),
        action: existing ? "integration.reconnected" : "integration.connected",
        target: connectionId,
        details: { provider: input.provider.id, account: input.accountLabel },
        ip: input.ip,
        at: now,
      }),
      // Connected again: a "needs reconnecting" alert (ADR 0110) is resolved with it.
      resolveAlerts(db, { companyId, keys: [{ kind: "connection", subject: input.provider.id }], now }),
    ]);
  } catch (e) {
    if (input.creds && !existing) await deleteCredentials(deps, connectionId);
    throw e;
  }
  if (replaced && input.creds?.accessToken) await revokeReplaced(deps, input.provider, replaced, input.creds);
  const contextChanged = JSON.stringify(existing?.context ?? {}) !== JSON.stringify(input.context ?? {});
  if (existing && hasRemote && contextChanged)
    await cleanUpRemote(deps, input.provider, replaced, existing.context ?? {}, input.creds ?? undefined);
  return { connectionId, reconnected: Boolean(existing) };
}

/**
 * The adapter's provider-side cleanup (adapter `disconnect.remote`) for a connection going away or
 * being replaced, with its stored credentials; when those fail (a reconnect after a revoked key),
 * once more with `fallback`. Best effort: logged, never thrown.
 */
export async function cleanUpRemote(
  deps: Pick<ConnectDeps, "env" | "fetch" | "now">,
  provider: Provider,
  stored: StoredCredentials | null,
  context: ProviderContext,
  fallback?: StoredCredentials,
): Promise<"done" | "failed" | "none"> {
  const remote = findAdapter(provider.id)?.disconnect?.remote;
  if (!remote || !stored) return "none";
  for (const creds of fallback ? [stored, fallback] : [stored]) {
    try {
      await remote({
        credential: { accessToken: creds.accessToken, fields: creds.secrets },
        context,
        env: deps.env,
        fetch: deps.fetch,
        now: deps.now,
        signal: AbortSignal.timeout(VERIFY_TIMEOUT_MS),
      });
      return "done";
    } catch (error) {
      console.error(`${provider.id}: provider-side cleanup failed`, error instanceof Error ? error.message.slice(0, 200) : "unknown");
    }
  }
  return "failed";
}

async function oldCredentials(
  deps: ConnectDeps,
  ring: Awaited<ReturnType<typeof keyringFromEnv>>,
  ref: { companyId: string; connectionId: string },
) {
  try {
    return await loadCredentials({ kv: deps.kv, ring }, ref);
  } catch {
    return null; // unreadable (a retired key): nothing we could revoke
  }
}

/**
 * Revokes the token a reconnect replaced (ADR 0082), never one still in use: a provider that hands
 * the same token back (Slack reinstalling a bot) keeps it. Providers whose revocation ends the
 * whole grant (Google: the user's consent to the app, the new token included) are skipped. Best
 * effort: the new connection stands even if the provider cannot be reached.
 */
async function revokeReplaced(deps: ConnectDeps, provider: Provider, old: StoredCredentials, fresh: StoredCredentials) {
  const spec = provider.oauth;
  if (!spec?.revoke || spec.revoke.endsGrant) return;
  const token = old.refreshToken && spec.revoke.style === "rfc7009" ? old.refreshToken : old.accessToken;
  if (!token || token === fresh.accessToken || token === fresh.refreshToken) return;
  try {
    await revokeToken(deps, spec, deps.env, token);
  } catch (error) {
    console.error(`${provider.id}: revoking the replaced token failed`, error instanceof Error ? error.message.slice(0, 200) : "unknown");
  }
}
