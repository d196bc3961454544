import { generateCodeVerifier, generateState } from "arctic";

/**
 * OAuth `state`: one-time, 10 minutes, bound to the provider, the user and the company. It lives
 * in KV and is deleted on first read, so a replayed or forged state finds nothing.
 */
export const STATE_TTL_SECONDS = 600;
const PREFIX = "oauth_state:";

export type OAuthStateRecord = { provider: string; userId: string; companyId: string; codeVerifier: string | null; createdAt: number };

export type StateFailure = "missing" | "unknown" | "expired" | "wrong_provider" | "wrong_user";

export class OAuthStateError extends Error {
  constructor(readonly reason: StateFailure) {
    super(`invalid OAuth state (${reason})`);
    this.name = "OAuthStateError";
  }
}

export async function createOAuthState(
  { kv, now }: { kv: KVNamespace; now: () => Date },
  input: { provider: string; userId: string; companyId: string; pkce: boolean },
): Promise<{ state: string; codeVerifier: string | null }> {
  const state = generateState();
  const codeVerifier = input.pkce ? generateCodeVerifier() : null;
  const record: OAuthStateRecord = {
    provider: input.provider,
    userId: input.userId,
    companyId: input.companyId,
    codeVerifier,
    createdAt: now().getTime(),
  };
  await kv.put(PREFIX + state, JSON.stringify(record), { expirationTtl: STATE_TTL_SECONDS });
  return { state, codeVerifier };
}

/** Reads and deletes the state (one use), then checks its binding and age. Throws OAuthStateError. */
export async function consumeOAuthState(
  { kv, now }: { kv: KVNamespace; now: () => Date },
  expected: { state: string | null; provider: string; userId: string; companyId: string },
): Promise<OAuthStateRecord> {
  if (!expected.state || expected.state.length > 200) throw new OAuthStateError("missing");
  const key = PREFIX + expected.state;
  const raw = await kv.get(key);
  if (!raw) throw new OAuthStateError("unknown");
  await kv.delete(key);
  const record = JSON.parse(raw) as OAuthStateRecord;
  if (now().getTime() - record.createdAt > STATE_TTL_SECONDS * 1000) throw new OAuthStateError("expired");
  if (record.provider !== expected.provider) throw new OAuthStateError("wrong_provider");
  if (record.userId !== expected.userId || record.companyId !== expected.companyId) throw new OAuthStateError("wrong_user");
  return record;
}
