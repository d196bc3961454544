/** Headers for every HTML response: a strict CSP with a per-response nonce for Remix's inline scripts. */
export function securityHeaders(nonce: string): Record<string, string> {
  const script = nonce ? `'self' 'nonce-${nonce}'` : "'self'";
  return {
    "Content-Security-Policy": [
      "default-src 'self'",
      `script-src ${script}`,
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "form-action 'self' http: https:",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "object-src 'none'",
    ].join("; "),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
  };
}

/** Two years, subdomains included (no `preload`: that is a submission to the browsers' list, not a header). */
export const HSTS_VALUE = "max-age=63072000; includeSubDomains";

/**
 * Strict-Transport-Security on every response the Worker gives in production: pages, /v1, the
 * signed provider endpoints, errors. Not outside production, where the app runs on http://localhost.
 * A response whose headers are immutable (one passed through from fetch) is copied first.
 */
export function withTransportSecurity(response: Response, env: { ENVIRONMENT?: string }): Response {
  if (env.ENVIRONMENT !== "production") return response;
  try {
    response.headers.set("Strict-Transport-Security", HSTS_VALUE);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    copy.headers.set("Strict-Transport-Security", HSTS_VALUE);
    return copy;
  }
}
