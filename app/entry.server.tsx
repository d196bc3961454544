import type { AppLoadContext, EntryContext } from "@remix-run/cloudflare";
import { RemixServer } from "@remix-run/react";
import { renderToString } from "react-dom/server";
import { IconSpriteContext } from "~/components/icon";
import { SPRITE_MARKUP } from "~/components/icon-sprite.server";

/**
 * Pages render to one string, not a stream: no route uses Suspense or `defer`, so a stream would
 * carry the same document in one piece, and React's stream encodes every small chunk with its own
 * TextEncoder call — about half of the render's CPU time on /integrations (ADR 0115).
 */
export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  _loadContext: AppLoadContext,
) {
  let html: string;
  try {
    html = renderToString(
      <IconSpriteContext.Provider value={SPRITE_MARKUP}>
        <RemixServer context={remixContext} url={request.url} />
      </IconSpriteContext.Provider>,
    );
  } catch (error) {
    // Remix renders the error boundary next (and logs through handleError); the message only, no stack with data
    console.error("render error", error instanceof Error ? error.message : "unknown");
    throw error;
  }
  responseHeaders.set("Content-Type", "text/html; charset=utf-8");
  return new Response(`<!DOCTYPE html>${html}`, { headers: responseHeaders, status: responseStatusCode });
}
