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
import { type Env, isDevelopment } from "../app/lib/env";
import { handleBrowserRequest } from "../app/lib/http/browser.server";
import { withTransportSecurity } from "../app/lib/http/headers";
import { handleInboundEmail } from "../app/lib/integrations/email-forwarding/inbound.server";
import { handleSlackEvents } from "../app/lib/integrations/slack/inbound.server";
import { handleWhatsAppWebhook, WEBHOOK_PATH as WHATSAPP_WEBHOOK_PATH } from "../app/lib/integrations/whatsapp-business/webhook.server";
import { handleZendeskEvents, ZENDESK_EVENTS_PATH } from "../app/lib/integrations/zendesk/inbound.server";
import { handleQueueBatch } from "../app/lib/queues.server";
// @ts-ignore: produced by `remix build`
import * as remixBuild from "../build/server/index.js";

/** Durable Object classes must be exported from the main module. */
export { RateLimiter } from "../app/lib/api/rate-limiter-do.server";
export { LoginThrottle } from "../app/lib/auth/login-throttle-do.server";

const remix = createRequestHandler(remixBuild as unknown as ServerBuild);

/** Every HTTP answer, whichever entry point made it, leaves through withTransportSecurity (HSTS in production). */
async function route(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/v1" || url.pathname.startsWith("/v1/")) {
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
    return withTransportSecurity(await route(request, env, ctx), env);
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
