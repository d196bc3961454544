import type { AppLoadContext } from "@remix-run/cloudflare";
import type { Env } from "../env";
import { randomToken } from "../security/crypto";
import { CSRF_COOKIE, csrfCookieHeader, newCsrfToken, readCookie, verifyCsrf } from "../security/csrf";
import { BodyTooLargeError, readLimitedBytes } from "./body-limit";
import { plainErrorPage } from "./error-page";
import { securityHeaders } from "./headers";

type RemixHandler = (request: Request, context: AppLoadContext) => Promise<Response>;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** Page forms are small (the largest is a webhook endpoint with its event list): 64 KiB is plenty. */
export const MAX_FORM_BYTES = 64 * 1024;

/**
 * Everything a browser reaches goes through here: the CSRF/Origin gate for every unsafe
 * method (one place, so no route can forget it), the CSRF cookie, and security headers.
 * Remix is never invoked for a refused request, so nothing can change.
 */
export async function handleBrowserRequest(request: Request, env: Env, ctx: ExecutionContext, remix: RemixHandler): Promise<Response> {
  if (!SAFE_METHODS.has(request.method)) {
    // the body is read once, up to the cap, before anything parses it (CSRF check, then Remix)
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await readLimitedBytes(request, MAX_FORM_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      return withHeaders(plainErrorPage(413, "Payload Too Large", "This form is larger than the server accepts."), "");
    }
    request = new Request(request, { body: bytes });
    const verdict = await verifyCsrf(request);
    if (!verdict.ok) {
      return withHeaders(
        plainErrorPage(403, "Forbidden", "This form has expired or came from another site. Go back, reload the page and try again."),
        "",
      );
    }
  }
  let csrfToken = readCookie(request, CSRF_COOKIE);
  const setCookie = !csrfToken;
  if (!csrfToken) csrfToken = newCsrfToken();
  const nonce = randomToken(16);
  let response: Response;
  try {
    response = await remix(request, { cloudflare: { env, ctx }, csrfToken, nonce });
  } catch (error) {
    console.error("unhandled error in page request", error instanceof Error ? error.message : "unknown");
    response = plainErrorPage(500, "Something went wrong", "An unexpected error occurred. Please try again.");
  }
  response = new Response(response.body, response);
  if (setCookie) response.headers.append("Set-Cookie", csrfCookieHeader(csrfToken));
  return withHeaders(response, nonce);
}

function withHeaders(response: Response, nonce: string): Response {
  for (const [k, v] of Object.entries(securityHeaders(nonce))) {
    if (!response.headers.has(k)) response.headers.set(k, v);
  }
  return response;
}
