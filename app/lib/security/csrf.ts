import { constantTimeEqualStrings, randomToken } from "./crypto";

/**
 * CSRF defence for every browser POST, applied once in the Worker before Remix sees the request:
 * 1. Origin (or Sec-Fetch-Site) must say same-origin;
 * 2. the form's `csrf` field must equal the `__Host-ih_csrf` cookie (double submit; the cookie is
 *    HttpOnly and __Host- so no subdomain can plant it).
 * Only form bodies are accepted: a JSON POST to a page is refused too.
 */
export const CSRF_COOKIE = "__Host-ih_csrf";
export const CSRF_FIELD = "csrf";

export type CsrfVerdict = { ok: true } | { ok: false; reason: string };

export function readCookie(request: Request, name: string): string | null {
  const header = request.headers.get("Cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return null; // a malformed value (e.g. a stray "%") counts as no cookie, never a 500
    }
  }
  return null;
}

export function newCsrfToken(): string {
  return randomToken(32);
}

export function csrfCookieHeader(token: string): string {
  return `${CSRF_COOKIE}=${token}; Path=/; Secure; HttpOnly; SameSite=Lax`;
}

export function checkOrigin(request: Request): CsrfVerdict {
  const own = new URL(request.url).origin;
  const origin = request.headers.get("Origin");
  if (origin !== null) {
    return origin === own ? { ok: true } : { ok: false, reason: "cross-origin request" };
  }
  const site = request.headers.get("Sec-Fetch-Site");
  if (site !== null && site !== "same-origin" && site !== "none") {
    return { ok: false, reason: "cross-site request" };
  }
  return { ok: true };
}

/**
 * `request` must already carry a buffered body of bounded size (handleBrowserRequest reads it
 * through readLimitedBytes first), so parsing it here costs no more than the cap.
 */
export async function verifyCsrf(request: Request): Promise<CsrfVerdict> {
  const origin = checkOrigin(request);
  if (!origin.ok) return origin;
  const cookie = readCookie(request, CSRF_COOKIE);
  if (!cookie) return { ok: false, reason: "missing CSRF cookie" };
  const type = request.headers.get("Content-Type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data")) {
    return { ok: false, reason: "not a form submission" };
  }
  let field: FormDataEntryValue | null;
  try {
    field = (await request.clone().formData()).get(CSRF_FIELD);
  } catch {
    return { ok: false, reason: "unreadable form" };
  }
  if (typeof field !== "string" || !constantTimeEqualStrings(field, cookie)) {
    return { ok: false, reason: "missing or wrong CSRF token" };
  }
  return { ok: true };
}
