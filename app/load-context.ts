import type { Env } from "~/lib/env";

declare module "@remix-run/cloudflare" {
  interface AppLoadContext {
    cloudflare: { env: Env; ctx: ExecutionContext };
    /** The double-submit CSRF token for this browser (hidden field `csrf` in every form). */
    csrfToken: string;
    /** Per-response nonce for inline scripts (CSP). */
    nonce: string;
  }
}
