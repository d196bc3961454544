/**
 * The Worker: one module, five entry points sharing the framework-free code in app/lib.
 *   fetch     → /v1 JSON API, Slack Events, then Remix pages (CSRF + Origin checked here, once)
 *   queue     → events fan-out and signed deliveries
 *   scheduled → outbox sweeper and the other cron jobs
 *   email     → inbound email to a company's forwarding address
 */
import { createRequestHandler, type ServerBuild } from "@remix-run/cloudflare";
import { handleApiRequest } from "../app/lib/api/handler.server";
import { withBench } from "../app/lib/bench/bench";
import { runScheduled } from "../app/lib/cron.server";
import { BOOKMARK_COOKIE, BOOKMARK_HEADER, bookmarkCookie, requestSession } from "../app/lib/db/d1-session";
import { type Env, isDevelopment } from "../app/lib/env";
import { handleBrowserRequest } from "../app/lib/http/browser.server";
import { withTransportSecurity } from "../app/lib/http/headers";
import { handleInboundEmail } from "../app/lib/integrations/email-forwarding/inbound.server";
import { handleSlackEvents } from "../app/lib/integrations/slack/inbound.server";
import { handleWhatsAppWebhook, WEBHOOK_PATH as WHATSAPP_WEBHOOK_PATH } from "../app/lib/integrations/whatsapp-business/webhook.server";
import { handleZendeskEvents, ZENDESK_EVENTS_PATH } from "../app/lib/integrations/zendesk/inbound.server";
import { handleQueueBatch } from "../app/lib/queues.server";
import { readCookie } from "../app/lib/security/csrf";
// @ts-ignore: produced by `remix build`
import * as remixBuild from "../build/server/index.js";

/** Durable Object classes must be exported from the main module. */
export { RateLimiter } from "../app/lib/api/rate-limiter-do.server";
export { LoginThrottle } from "../app/lib/auth/login-throttle-do.server";

const remix = createRequestHandler(remixBuild as unknown as ServerBuild);

const isApi = (url: URL) => url.pathname === "/v1" || url.pathname.startsWith("/v1/");
const PROVIDER_CALLBACKS = new Set(["/slack/events", ZENDESK_EVENTS_PATH, WHATSAPP_WEBHOOK_PATH]);

/**
 * Every request's D1 queries run in one D1 session (ADR 0120), wired here once: a write starts at
 * the primary, a read from the bookmark the caller brings (the X-D1-Bookmark header on /v1, the
 * __Host-ih_d1b cookie in a browser), and the session's bookmark goes back the same way.
 */
async function withD1Session(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const url = new URL(request.url);
  const api = isApi(url);
  const browser = !api && !PROVIDER_CALLBACKS.has(url.pathname);
  const carried = api ? request.headers.get(BOOKMARK_HEADER) : browser ? readCookie(request, BOOKMARK_COOKIE) : null;
  const session = requestSession(env.DB, request.method, carried);
  const response = await route(request, { ...env, DB: session.db }, ctx, url);
  const bookmark = session.bookmark();
  if (bookmark && api) response.headers.set(BOOKMARK_HEADER, bookmark);
  if (bookmark && browser && bookmark !== carried) response.headers.append("Set-Cookie", bookmarkCookie(bookmark));
  return response;
}

/** Every HTTP answer, whichever entry point made it, leaves through withTransportSecurity (HSTS in production). */
async function route(request: Request, env: Env, ctx: ExecutionContext, url: URL): Promise<Response> {
  if (isApi(url)) {
    return handleApiRequest(request, env, ctx);
  }
  if (url.pathname === "/slack/events") {
    // Slack's Events API: no session and no browser CSRF gate; the v0 signature authenticates it.
    return handleSlackEvents(request, env);
  }
  if (url.pathname === ZENDESK_EVENTS_PATH) {
    // Zendesk's ticket status webhook: no session, no CSRF gate; its signature authenticates it.
    return handleZendeskEvents(request, env);
  }
  if (url.pathname === WHATSAPP_WEBHOOK_PATH) {
    // Meta's callback: the verify token (GET) and X-Hub-Signature-256 (POST) authenticate it.
    return handleWhatsAppWebhook(request, env);
  }
  if (url.pathname === "/__dev/cron" && request.method === "POST" && isDevelopment(env)) {
    // wrangler dev's own scheduled route is broken once assets are configured (docs/stack.md)
    // ?at=<unix ms> runs the jobs as of another time, so local tests need not wait out grace periods.
    const at = Number(url.searchParams.get("at"));
    const controller = {
      scheduledTime: Number.isFinite(at) && at > 0 ? at : Date.now(),
      cron: "* * * * *",
      noRetry() {},
    } as ScheduledController;
    await runScheduled(controller, env, ctx);
    return new Response("scheduled jobs ran\n");
  }
  return handleBrowserRequest(request, env, ctx, (req, context) => remix(req, context));
}

const worker = {
  async fetch(request, env, ctx) {
    return withTransportSecurity(await withD1Session(request, env, ctx), env);
  },
  async queue(batch, env, ctx) {
    await handleQueueBatch(batch, env, ctx);
  },
  async scheduled(controller, env, ctx) {
    await runScheduled(controller, env, ctx);
  },
  async email(message, env, ctx) {
    await handleInboundEmail(message, env, ctx);
  },
} satisfies ExportedHandler<Env>;

// `npm run bench` only (BENCH_ROUTES=true): /__bench/ping and a D1 round-trip count per response.
export default withBench(worker);
