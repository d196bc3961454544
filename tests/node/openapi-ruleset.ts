/** Rules turned off for the /v1 document, each with the reason it does not apply. */
export const RULES_OFF: { oas: Record<string, string>; owasp: Record<string, string> } = {
  oas: {},
  owasp: {
    "owasp:api8:2023-define-cors-origin":
      'API keys are secrets for servers, never for browsers: the API sends no CORS header at all, so a browser on another origin cannot read any response (api-auth.test.ts › "no response carries a permissive CORS header").',
  },
};
