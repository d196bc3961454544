import { createCookie, redirect } from "@remix-run/cloudflare";
import { type Env, sessionSecrets } from "~/lib/env";

/**
 * A one-time confirmation ("Webhook endpoint deleted.") carried across a redirect in a short-lived
 * signed cookie: no KV write, and it works with JavaScript off because the next page's HTML
 * renders it. The root loader reads it and clears it in the same response.
 */
const FLASH_COOKIE = "__Host-ih_flash";
const MAX_MESSAGE = 300;

function flashCookie(env: Env) {
  return createCookie(FLASH_COOKIE, { path: "/", secure: true, httpOnly: true, sameSite: "lax", maxAge: 60, secrets: sessionSecrets(env) });
}

/** A redirect that shows `message` once on the page it lands on. */
export async function redirectWithFlash(env: Env, to: string, message: string, init: ResponseInit = {}) {
  const headers = new Headers(init.headers);
  headers.append("Set-Cookie", await flashCookie(env).serialize(message.slice(0, MAX_MESSAGE)));
  return redirect(to, { ...init, headers });
}

/** The pending message (if any) and the header that clears it. */
export async function takeFlash(request: Request, env: Env): Promise<{ message: string | null; headers: HeadersInit }> {
  const cookieHeader = request.headers.get("Cookie");
  if (!cookieHeader?.includes(FLASH_COOKIE)) return { message: null, headers: {} };
  const cookie = flashCookie(env);
  const value: unknown = await cookie.parse(cookieHeader);
  return {
    message: typeof value === "string" && value ? value : null,
    headers: { "Set-Cookie": await cookie.serialize("", { maxAge: 0 }) },
  };
}
