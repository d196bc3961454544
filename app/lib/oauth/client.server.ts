/**
 * The one module that knows how to talk OAuth 2 to a provider. arctic builds the authorization
 * URLs (state, PKCE S256) and parses token responses; the HTTP calls take an injected `fetch` so
 * tests see every request, and swapping arctic out touches only this file.
 */

import { encodeBase64 } from "@oslojs/encoding";
import { CodeChallengeMethod, OAuth2Client, OAuth2Tokens } from "arctic";
import { type OAuthSpec, resolveProviderUrl } from "./spec";

export type Fetch = typeof fetch;
type EnvLike = Record<string, unknown>;

export type TokenSet = {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: number | null;
  /** Set by exchanges that identify the account themselves (Slack's team). */
  account?: { id: string | null; label: string | null };
  /** The token response as received (provider context such as Salesforce's `instance_url`). Never stored. */
  raw: Record<string, unknown>;
};

export class ProviderError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}

export class ProviderNotConfiguredError extends Error {
  constructor(readonly envName: string) {
    super(`${envName} is not set`);
    this.name = "ProviderNotConfiguredError";
  }
}

export function clientCredentials(spec: OAuthSpec, env: EnvLike) {
  const id = env[spec.clientIdEnv];
  const secret = env[spec.clientSecretEnv];
  if (typeof id !== "string" || !id) throw new ProviderNotConfiguredError(spec.clientIdEnv);
  if (typeof secret !== "string" || !secret) throw new ProviderNotConfiguredError(spec.clientSecretEnv);
  return { clientId: id, clientSecret: secret };
}

export function authorizationUrl(
  spec: OAuthSpec,
  env: EnvLike,
  input: { state: string; codeVerifier: string | null; redirectUri: string },
): URL {
  const { clientId, clientSecret } = clientCredentials(spec, env);
  const client = new OAuth2Client(clientId, clientSecret, input.redirectUri);
  const endpoint = resolveProviderUrl(spec.authorizeUrl, spec, env);
  const scopes = [...spec.scopes];
  const url = input.codeVerifier
    ? client.createAuthorizationURLWithPKCE(endpoint, input.state, CodeChallengeMethod.S256, input.codeVerifier, scopes)
    : client.createAuthorizationURL(endpoint, input.state, scopes);
  if (spec.scopeSeparator === ",") url.searchParams.set("scope", scopes.join(","));
  if (scopes.length === 0) url.searchParams.delete("scope");
  for (const [k, v] of Object.entries(spec.extraAuthorizeParams ?? {})) url.searchParams.set(k, v);
  return url;
}

function tokenRequest(url: string, body: URLSearchParams, creds: { clientId: string; clientSecret: string }) {
  return new Request(url, {
    method: "POST",
    body,
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Accept: "application/json",
      "User-Agent": "IntegrationsHub",
      Authorization: `Basic ${encodeBase64(new TextEncoder().encode(`${creds.clientId}:${creds.clientSecret}`))}`,
    },
  });
}

async function readJson(res: Response): Promise<Record<string, unknown>> {
  const text = await res.text();
  try {
    const data = JSON.parse(text) as unknown;
    if (data && typeof data === "object") return data as Record<string, unknown>;
  } catch {}
  throw new ProviderError(`the provider answered ${res.status} without JSON`, res.status);
}

function toTokenSet(data: Record<string, unknown>, now: Date): TokenSet {
  const tokens = new OAuth2Tokens(data);
  let expiresAt: number | null = null;
  if (typeof data.expires_in === "number" || typeof data.expires_in === "string")
    expiresAt = now.getTime() + tokens.accessTokenExpiresInSeconds() * 1000;
  return { accessToken: tokens.accessToken(), refreshToken: tokens.hasRefreshToken() ? tokens.refreshToken() : null, expiresAt, raw: data };
}

async function sendTokenRequest(fetchFn: Fetch, spec: OAuthSpec, request: Request, now: Date): Promise<TokenSet> {
  let res: Response;
  try {
    res = await fetchFn(request);
  } catch {
    throw new ProviderError("the provider could not be reached", null);
  }
  const data = await readJson(res);
  if (spec.tokenStyle === "slack") {
    // Slack answers 200 with { ok: false, error } on failure.
    if (data.ok !== true)
      throw new ProviderError(`Slack refused the install (${String(data.error ?? "unknown_error")})`, res.status, String(data.error ?? ""));
    const team = (data.team ?? {}) as { id?: string; name?: string };
    try {
      return { ...toTokenSet(data, now), account: { id: team.id ?? null, label: team.name ?? null } };
    } catch {
      throw new ProviderError("Slack's answer had no access token", res.status);
    }
  }
  if (!res.ok)
    throw new ProviderError(
      `the provider refused the request (${String(data.error ?? res.status)})`,
      res.status,
      typeof data.error === "string" ? data.error : null,
    );
  try {
    return toTokenSet(data, now);
  } catch {
    throw new ProviderError("the provider's answer had no access token", res.status);
  }
}

export async function exchangeAuthorizationCode(
  deps: { fetch: Fetch; now: () => Date },
  spec: OAuthSpec,
  env: EnvLike,
  input: { code: string; codeVerifier: string | null; redirectUri: string },
): Promise<TokenSet> {
  const creds = clientCredentials(spec, env);
  const body = new URLSearchParams({ grant_type: "authorization_code", code: input.code, redirect_uri: input.redirectUri });
  if (input.codeVerifier) body.set("code_verifier", input.codeVerifier);
  return sendTokenRequest(deps.fetch, spec, tokenRequest(resolveProviderUrl(spec.tokenUrl, spec, env), body, creds), deps.now());
}

export async function refreshAccessToken(
  deps: { fetch: Fetch; now: () => Date },
  spec: OAuthSpec,
  env: EnvLike,
  refreshToken: string,
): Promise<TokenSet> {
  const creds = clientCredentials(spec, env);
  const body = new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken });
  const set = await sendTokenRequest(deps.fetch, spec, tokenRequest(resolveProviderUrl(spec.tokenUrl, spec, env), body, creds), deps.now());
  // Providers that do not rotate refresh tokens omit it: keep the one we have.
  return { ...set, refreshToken: set.refreshToken ?? refreshToken };
}

/** Revokes at the provider when it has an endpoint. Returns false when there is none. */
export async function revokeToken(deps: { fetch: Fetch }, spec: OAuthSpec, env: EnvLike, token: string): Promise<boolean> {
  if (!spec.revoke) return false;
  const url = resolveProviderUrl(spec.revoke.url, spec, env);
  const request =
    spec.revoke.style === "slack"
      ? new Request(url, { method: "POST", headers: { Authorization: `Bearer ${token}`, Accept: "application/json" } })
      : tokenRequest(url, new URLSearchParams({ token }), clientCredentials(spec, env));
  const res = await deps.fetch(request);
  await res.body?.cancel();
  if (!res.ok) throw new ProviderError(`revocation answered ${res.status}`, res.status);
  return true;
}

function pick(data: unknown, paths: readonly string[]): string | null {
  for (const path of paths) {
    let v: unknown = data;
    for (const part of path.split(".")) v = v && typeof v === "object" ? (v as Record<string, unknown>)[part] : undefined;
    if ((typeof v === "string" && v) || typeof v === "number") return String(v).slice(0, 200);
  }
  return null;
}

/** The connected account's label and id from the provider's identity endpoint. 401 → ProviderError(401). */
export async function fetchIdentity(deps: { fetch: Fetch }, spec: OAuthSpec, env: EnvLike, accessToken: string) {
  if (!spec.identity) return { id: null, label: null };
  let res: Response;
  try {
    res = await deps.fetch(
      new Request(resolveProviderUrl(spec.identity.url, spec, env), {
        headers: { Authorization: `${spec.identity.authScheme ?? "Bearer"} ${accessToken}`, Accept: "application/json" },
      }),
    );
  } catch {
    throw new ProviderError("the account lookup could not reach the provider", null);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new ProviderError(`the account lookup answered ${res.status}`, res.status);
  }
  const data = await readJson(res);
  return { id: pick(data, spec.identity.id), label: pick(data, spec.identity.label) };
}
