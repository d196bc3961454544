import { json, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { takeFlash } from "~/flash.server";
import { isDevelopment } from "~/lib/env";
import { viewerLocale } from "~/lib/locale";

/**
 * The root loader, in its own server module: the browser bundle then carries one empty stub for
 * it inside root's chunk rather than a shared chunk per server module (the JS budget, docs/architecture.md §8).
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const env = context.cloudflare.env;
  const flash = await takeFlash(request, env);
  return json(
    {
      csrfToken: context.csrfToken,
      nonce: context.nonce,
      isDevelopment: isDevelopment(env),
      locale: viewerLocale(request.headers.get("Accept-Language")),
      // a fresh id per message, so the same words twice in a row still show twice
      flash: flash.message ? { id: crypto.randomUUID(), message: flash.message } : null,
    },
    { headers: flash.headers },
  );
}
