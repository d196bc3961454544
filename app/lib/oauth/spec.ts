/**
 * How a provider speaks OAuth 2, as data, and how its endpoint templates resolve against env.
 * Lives here (not in the catalog) so `oauth/` depends on nothing above it; catalog entries carry
 * an `OAuthSpec`.
 */
export type EnvLike = Record<string, unknown>;

/**
 * Provider endpoints as templates: `{SALESFORCE_BASE}` is replaced by that env var's value (or its
 * default, the real provider). One env var per provider family keeps the sandbox switch simple.
 */
export type OAuthSpec = {
  baseUrls: Record<string, string>;
  authorizeUrl: string;
  tokenUrl: string;
  /**
   * "rfc7009": POST token=… with client credentials; "slack": auth.revoke with Bearer.
   * `endsGrant`: revoking any token ends the user's whole grant to the app (Google), so a
   * reconnect must not revoke the token it replaces: that would revoke the new one too.
   */
  revoke?: { url: string; style: "rfc7009" | "slack"; endsGrant?: boolean };
  /** GET with Bearer; the JSON gives the account label and id (dotted paths, first non-empty wins). */
  identity?: { url: string; label: string[]; id: string[]; authScheme?: "Bearer" | "OAuth" };
  /** Slack's bot install answers { ok, error } with 200 and carries the team in the token response. */
  tokenStyle?: "standard" | "slack";
  scopes: readonly string[];
  scopeSeparator?: " " | ",";
  pkce: boolean;
  clientIdEnv: string;
  clientSecretEnv: string;
  extraAuthorizeParams?: Record<string, string>;
};

/** Replaces `{ENV_NAME}` with the env value (trailing slashes trimmed) or the real provider's default. */
export function resolveProviderUrl(template: string, spec: { baseUrls: Record<string, string> }, env: EnvLike): string {
  return template.replace(/\{([A-Z0-9_]+)\}/g, (_, name: string) => {
    const value = env[name];
    const base = typeof value === "string" && value.trim() ? value.trim() : spec.baseUrls[name];
    if (base === undefined) throw new Error(`unknown base URL variable ${name}`);
    return base.replace(/\/+$/, "");
  });
}
