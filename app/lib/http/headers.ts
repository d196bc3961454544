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
