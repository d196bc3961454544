#!/usr/bin/env node
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
// Provider sandbox: a real OAuth 2 authorization server on loopback (oauth2-mock-server issues and
// checks the codes and tokens, PKCE included) behind a human consent page, plus small fakes of each
// provider's identity, revocation and Slack's oauth.v2.access. `start()` returns the env that points
// the app's provider base URLs (and sandbox client ids/secrets) at it. Families whose real client id is
// in .dev.vars or the environment are left pointing at the real provider.
// Stateful API fakes (scripts/sandbox/*.mjs) answer HubSpot, Salesforce, Pipedrive, Zendesk,
// Freshdesk, Mailchimp, Shopify, a mail sink for alert emails ({sandbox}/mail/send), and — at {sandbox}/activecampaign and {sandbox}/woocommerce, the
// URLs to type on their connect forms — ActiveCampaign and WooCommerce; they take OAuth tokens this
// sandbox issued and any API key starting `sandbox_`.
// Test hooks: GET /__sandbox/calls (every call the app made to any fake: { at, provider, method,
// path, query, body }, secrets left out), POST /__sandbox/reset, GET /__sandbox/state/:provider,
// POST /__sandbox/fail (JSON { provider, method?, path?, status?, retryAfter?, delayMs?, duplicate?,
// times? }), POST /__sandbox/revoke (JSON { token }); Slack's Web API fake adds
// GET /__sandbox/slack/calls|messages, POST /__sandbox/slack/ratelimit|reset.
// By hand: `node scripts/sandbox.mjs` (SANDBOX_PORT picks the port).
import { createServer } from "node:http";
import { OAuth2Server } from "oauth2-mock-server";
import { isMain, root } from "./lib.mjs";
import { createActiveCampaignFake } from "./sandbox/activecampaign.mjs";
import { createFreshdeskFake } from "./sandbox/freshdesk.mjs";
import { createHubspotFake } from "./sandbox/hubspot.mjs";
import { createCredentialBook } from "./sandbox/kit.mjs";
import { createMailSinkFake } from "./sandbox/mail.mjs";
import { createMailchimpFake } from "./sandbox/mailchimp.mjs";
import { createNotifyFakes } from "./sandbox/notify.mjs";
import { createPipedriveFake } from "./sandbox/pipedrive.mjs";
import { createSalesforceFake } from "./sandbox/salesforce.mjs";
import { createShopifyFake } from "./sandbox/shopify.mjs";
import { createSlackFake, SANDBOX_SIGNING_SECRET, slackSandboxRoutes } from "./sandbox/slack.mjs";
import { createWhatsAppFake, whatsappSandboxRoutes } from "./sandbox/whatsapp.mjs";
import { createWooCommerceFake } from "./sandbox/woocommerce.mjs";
import { createZapierFake } from "./sandbox/zapier.mjs";
import { createZendeskFake } from "./sandbox/zendesk.mjs";

/** base-URL env var → sandbox path prefix, grouped by the family whose client id/secret it uses. */
export const FAMILIES = {
  SLACK: { SLACK_OAUTH_BASE: "/slack", SLACK_API_BASE: "/slack/api" },
  DISCORD: { DISCORD_BASE: "/discord" },
  SALESFORCE: { SALESFORCE_BASE: "/salesforce" },
  HUBSPOT: { HUBSPOT_BASE: "/hubspot", HUBSPOT_API_BASE: "/hubspot-api" },
  PIPEDRIVE: { PIPEDRIVE_OAUTH_BASE: "/pipedrive", PIPEDRIVE_API_BASE: "/pipedrive-api" },
  MAILCHIMP: { MAILCHIMP_BASE: "/mailchimp", MAILCHIMP_API_BASE: "/mailchimp-api/{dc}" },
};

/**
 * API-key providers live on the customer's own host; the env value is a template the app fills in
 * (`{subdomain}`, `{domain}`), so the sandbox can stand in for every account.
 */
export const API_KEY_BASES = {
  ZENDESK_BASE: "/zendesk/{subdomain}",
  FRESHDESK_BASE: "/freshdesk/{domain}",
  SHOPIFY_BASE: "/shopify/{shop}",
};

/** First path segment → the catalog's provider id, for the calls log. */
const PROVIDER_OF = {
  slack: "slack",
  discord: "discord",
  salesforce: "salesforce",
  hubspot: "hubspot",
  "hubspot-api": "hubspot",
  pipedrive: "pipedrive",
  "pipedrive-api": "pipedrive",
  mailchimp: "mailchimp",
  "mailchimp-api": "mailchimp",
};

/** First path segment → provider family (Google's authorize and token hosts differ, for example). */
const GROUP = Object.fromEntries(
  Object.entries(FAMILIES).flatMap(([family, bases]) => Object.values(bases).map((prefix) => [prefix.split("/")[1], family])),
);

const IDENTITY = {
  discord: () => ({ id: "80351110224678912", username: "acme-support", global_name: "Acme Support (Sandbox)" }),
  salesforce: () => ({
    sub: "sandbox-sf-user",
    organization_id: "00DSANDBOX0000001",
    preferred_username: "john@acme.sandbox",
    name: "John Admin",
  }),
};

function readDevVars() {
  const file = `${root}.dev.vars`;
  const vars = {};
  if (!existsSync(file)) return vars;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = line.match(/^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/);
    if (m) vars[m[1]] = m[2];
  }
  return vars;
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

function consentPage(family, params) {
  const hidden = [...params].map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join("");
  const scopes = (params.get("scope") ?? "").split(/[ ,]+/).filter(Boolean);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Sandbox ${esc(family)}: authorize</title>
<style>body{font:16px system-ui,sans-serif;background:#fef3c7;margin:0;padding:2rem 1rem;color:#1f2937}main{max-width:28rem;margin:auto;background:#fff;border-radius:12px;padding:1.5rem;box-shadow:0 4px 20px #0002}
.tag{display:inline-block;background:#f59e0b;color:#111;font-weight:700;font-size:.75rem;padding:.15rem .5rem;border-radius:999px}button{font:inherit;padding:.55rem 1rem;border-radius:8px;border:1px solid #9ca3af;background:#fff;cursor:pointer}button.allow{background:#047857;color:#fff;border-color:#047857}code{font-size:.8rem;word-break:break-all}</style></head>
<body><main><span class="tag">Sandbox</span><h1>Sandbox: authorize Integrations Hub for Acme?</h1>
<p>This is the local provider sandbox standing in for <strong>${esc(family)}</strong>. No real account is involved.</p>
<p>Client: <code>${esc(params.get("client_id") ?? "")}</code></p>
${scopes.length ? `<p>Requested scopes:</p><ul>${scopes.map((s) => `<li><code>${esc(s)}</code></li>`).join("")}</ul>` : ""}
<form method="post" action="/__sandbox/decide">${hidden}<input type="hidden" name="__family" value="${esc(family)}">
<p style="display:flex;gap:.5rem;justify-content:flex-end"><button name="decision" value="deny">Deny</button><button class="allow" name="decision" value="allow">Allow</button></p></form></main></body></html>`;
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

function send(res, status, body, headers = {}) {
  const isJson = typeof body !== "string";
  res.writeHead(status, {
    "Content-Type": isJson ? "application/json" : "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(isJson ? JSON.stringify(body) : body);
}

export async function start({ appOrigin = "http://127.0.0.1:8787", port = Number(process.env.SANDBOX_PORT || 0) } = {}) {
  const oauth = new OAuth2Server();
  await oauth.issuer.keys.generate("RS256");
  await oauth.start(0, "127.0.0.1");
  const issuer = `http://127.0.0.1:${oauth.address().port}`;
  const calls = [];
  const credentials = createCredentialBook();
  const revoked = credentials.revoked;
  /** Issued authorization codes: one use, bound to redirect_uri and the PKCE challenge. */
  const codes = new Map();
  const record = (entry) =>
    calls.push({
      at: new Date().toISOString(),
      provider: PROVIDER_OF[entry.family] ?? entry.family,
      method: entry.method ?? "GET",
      path: entry.path ?? null,
      query: entry.query ?? {},
      body: entry.body ?? null,
      ...entry,
    });
  const onCall = (call) => calls.push(call);
  const fakes = {
    hubspot: createHubspotFake({ onCall, credentials }),
    salesforce: createSalesforceFake({ onCall, credentials }),
    pipedrive: createPipedriveFake({ onCall, credentials }),
    zendesk: createZendeskFake({ onCall, credentials }),
    freshdesk: createFreshdeskFake({ onCall, credentials }),
    zapier: createZapierFake({ onCall, credentials }),
    mailchimp: createMailchimpFake({ onCall, credentials }),
    activecampaign: createActiveCampaignFake({ onCall, credentials }),
    shopify: createShopifyFake({ onCall, credentials }),
    woocommerce: createWooCommerceFake({ onCall, credentials }),
    // Alert emails (ADR 0110): stands in for the send_email binding, at {sandbox}/mail/send.
    mail: createMailSinkFake({ onCall, credentials }),
  };
  // Teams workflows, Discord webhooks, Segment and GA4: scripts/sandbox/notify.mjs
  const notify = createNotifyFakes({ onCall, credentials });
  Object.assign(fakes, notify.fakes);
  /** Which fake answers a path, and the provider-relative path it sees. */
  const fakeFor = (path) => {
    let m;
    if ((m = path.match(/^\/hubspot-api(\/(?:crm|account-info)\/.*)$/))) return { fake: fakes.hubspot, rest: m[1] };
    if ((m = path.match(/^\/salesforce(\/services\/data\/.*)$/))) return { fake: fakes.salesforce, rest: m[1] };
    if ((m = path.match(/^\/pipedrive-api(\/v1\/.*)$/))) return { fake: fakes.pipedrive, rest: m[1] };
    if ((m = path.match(/^\/zendesk\/[a-z0-9-]+(\/api\/v2\/.*)$/i))) return { fake: fakes.zendesk, rest: m[1] };
    if ((m = path.match(/^\/freshdesk\/[a-z0-9.-]+(\/api\/v2\/.*)$/i))) return { fake: fakes.freshdesk, rest: m[1] };
    if ((m = path.match(/^\/zapier-hooks(\/hooks\/catch\/.*)$/))) return { fake: fakes.zapier, rest: m[1] };
    // Mailchimp: OAuth metadata on the login host, the Marketing API on the data center's host.
    if ((m = path.match(/^\/mailchimp(\/oauth2\/metadata)$/))) return { fake: fakes.mailchimp, rest: m[1] };
    if ((m = path.match(/^\/mailchimp-api\/[a-z0-9]+(\/3\.0\/.*)$/))) return { fake: fakes.mailchimp, rest: m[1] };
    if ((m = path.match(/^\/shopify\/[a-z0-9.-]+(\/admin\/api\/.*)$/i))) return { fake: fakes.shopify, rest: m[1] };
    // ActiveCampaign and WooCommerce live at a URL the admin types: the sandbox's own URL (+ any account segment).
    if ((m = path.match(/^\/activecampaign(?:\/[a-z0-9-]+)?(\/api\/3\/.*)$/i))) return { fake: fakes.activecampaign, rest: m[1] };
    if ((m = path.match(/^\/mail(\/send)$/))) return { fake: fakes.mail, rest: m[1] };
    if ((m = path.match(/^\/woocommerce(?:\/[a-z0-9-]+)?(\/wp-json\/wc\/v3\/.*)$/i))) return { fake: fakes.woocommerce, rest: m[1] };
    // Teams workflows, Discord webhooks, Segment and GA4 (scripts/sandbox/notify.mjs), or null
    return notify.route(path);
  };
  // Slack's Web API (conversations.list, chat.*, users.info, auth.revoke): scripts/sandbox/slack.mjs
  const slackFake = createSlackFake({ onCall: (c) => record({ family: "slack", kind: "api", method: c.method }) });
  const slackRoute = slackSandboxRoutes(slackFake);
  // WhatsApp Cloud API (phone number lookup, messages): scripts/sandbox/whatsapp.mjs
  const whatsappFake = createWhatsAppFake({ onCall: (c) => calls.push(c) });
  const whatsappRoute = whatsappSandboxRoutes(whatsappFake);

  let base = "";
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, "http://127.0.0.1");
      const path = url.pathname;
      if (path.startsWith("/__sandbox/slack/") || (path.startsWith("/slack/api/") && !path.endsWith("/oauth.v2.access"))) {
        const body = req.method === "GET" ? "" : await readBody(req);
        if (await slackRoute(req, res, { path, body, send })) return;
      }
      if (
        (path.startsWith("/whatsapp/") || path.startsWith("/__sandbox/whatsapp/")) &&
        (await whatsappRoute(req, res, { path, body: req.method === "GET" ? "" : await readBody(req), send }))
      )
        return;
      if (path === "/__sandbox/calls") return send(res, 200, { calls });
      if (path === "/__sandbox/reset" && req.method === "POST") {
        calls.length = 0;
        revoked.clear();
        slackFake.reset();
        for (const fake of Object.values(fakes)) fake.reset();
        whatsappFake.reset();
        return send(res, 200, { ok: true });
      }
      const statePath = path.match(/^\/__sandbox\/state\/([a-z0-9-]+)$/);
      if (statePath && req.method === "GET") {
        const fake = fakes[statePath[1]];
        return fake ? send(res, 200, fake.snapshot()) : send(res, 404, { error: "unknown provider" });
      }
      if (path === "/__sandbox/fail" && req.method === "POST") {
        const { provider, ...rule } = JSON.parse((await readBody(req)) || "{}");
        if (!fakes[provider]) return send(res, 404, { error: "unknown provider" });
        fakes[provider].inject(rule);
        return send(res, 200, { ok: true });
      }
      if (path === "/__sandbox/revoke" && req.method === "POST") {
        const { token } = JSON.parse((await readBody(req)) || "{}");
        if (typeof token === "string" && token) revoked.add(token);
        return send(res, 200, { ok: true });
      }
      const routed = fakeFor(path);
      if (routed) {
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
        const body = req.method === "GET" || req.method === "HEAD" ? undefined : await readBody(req);
        const answer = await routed.fake.handle(
          new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body }),
          routed.rest,
        );
        res.writeHead(answer.status, Object.fromEntries(answer.headers));
        res.end(Buffer.from(await answer.arrayBuffer()));
        return;
      }
      if (path === "/__sandbox/decide" && req.method === "POST") {
        const form = new URLSearchParams(await readBody(req));
        const decision = form.get("decision");
        const family = form.get("__family");
        const redirectUri = form.get("redirect_uri");
        if (!redirectUri || !/^https?:\/\//.test(redirectUri)) return send(res, 400, "redirect_uri is missing");
        for (const k of ["decision", "__family"]) form.delete(k);
        record({ family, kind: "decision", decision, method: "POST", path });
        if (decision !== "allow") {
          const back = new URL(redirectUri);
          back.searchParams.set("error", "access_denied");
          if (form.get("state")) back.searchParams.set("state", form.get("state"));
          return send(res, 302, "", { Location: back.toString() });
        }
        form.set("response_type", "code");
        const r = await fetch(`${issuer}/authorize?${form}`, { redirect: "manual" });
        const location = r.headers.get("location");
        const code = location ? new URL(location).searchParams.get("code") : null;
        if (code) codes.set(code, { redirectUri, challenge: form.get("code_challenge"), family });
        return send(res, 302, "", { Location: location });
      }
      const family = path.split("/")[1] ?? "";
      const rest = path.slice(family.length + 1);
      if (req.method === "GET" && /(authorize|\/o\/oauth2\/v2\/auth)$/.test(rest)) {
        const q = Object.fromEntries(url.searchParams);
        record({ family, kind: "authorize", path, query: q });
        return send(res, 200, consentPage(family, url.searchParams));
      }
      if (req.method === "POST" && /revoke$/.test(rest)) {
        const body = new URLSearchParams(await readBody(req));
        const token = body.get("token") ?? (req.headers.authorization ?? "").replace(/^Bearer\s+/i, "");
        if (token) revoked.add(token);
        record({ family, kind: "revoke", method: "POST", path, hasToken: Boolean(token) });
        return send(res, 200, family === "slack" ? { ok: true, revoked: true } : {});
      }
      if (req.method === "POST" && /(\/token|oauth\.v2\.access)$/.test(rest)) {
        const raw = await readBody(req);
        const body = new URLSearchParams(raw);
        record({
          family,
          kind: "token",
          method: "POST",
          path,
          body: { grant_type: body.get("grant_type") },
          grantType: body.get("grant_type"),
          hasCodeVerifier: body.has("code_verifier"),
          redirectUri: body.get("redirect_uri"),
          clientAuth: req.headers.authorization ? "basic" : "none",
        });
        if (body.get("grant_type") === "authorization_code") {
          const issued = codes.get(body.get("code") ?? "");
          codes.delete(body.get("code") ?? "");
          const verifier = body.get("code_verifier");
          const pkceOk = !issued?.challenge || (verifier && createHash("sha256").update(verifier).digest("base64url") === issued.challenge);
          if (!issued || GROUP[issued.family] !== GROUP[family] || issued.redirectUri !== body.get("redirect_uri") || !pkceOk) {
            return send(
              res,
              family === "slack" ? 200 : 400,
              family === "slack" ? { ok: false, error: "invalid_code" } : { error: "invalid_grant" },
            );
          }
        }
        const r = await fetch(`${issuer}/token`, {
          method: "POST",
          headers: {
            "Content-Type": "application/x-www-form-urlencoded",
            ...(req.headers.authorization ? { Authorization: req.headers.authorization } : {}),
          },
          body: raw,
        });
        const data = await r.json().catch(() => ({}));
        if (family === "slack") {
          if (!r.ok) return send(res, 200, { ok: false, error: "invalid_code" });
          return send(res, 200, {
            ok: true,
            access_token: data.access_token,
            token_type: "bot",
            scope: "chat:write,channels:read,groups:read,channels:history,groups:history,users:read",
            bot_user_id: "U0SANDBOXBOT",
            app_id: "A0SANDBOX",
            team: { id: "T0SANDBOX", name: "Acme Corp (Sandbox)" },
          });
        }
        if (r.ok && typeof data.access_token === "string") credentials.issued.add(data.access_token);
        // What the real token endpoints add: the org's API host (Salesforce), the company's API domain (Pipedrive).
        if (r.ok && family === "salesforce")
          Object.assign(data, { instance_url: `${base}/salesforce`, id: `${base}/salesforce/id/00DSANDBOX0000001/005SANDBOX` });
        if (r.ok && family === "pipedrive") data.api_domain = `${base}/pipedrive-api`;
        // Discord's webhook.incoming: the webhook it made in the channel the admin picked.
        if (r.ok && family === "discord" && body.get("grant_type") === "authorization_code")
          Object.assign(data, { scope: "webhook.incoming", webhook: fakes.discord.createWebhook(`${base}/discord`) });
        return send(res, r.status, data);
      }
      const identity = IDENTITY[family];
      if (req.method === "GET" && identity) {
        const token = (req.headers.authorization ?? "").replace(/^(Bearer|OAuth)\s+/i, "");
        const ok = Boolean(token) && !revoked.has(token);
        record({ family, kind: "identity", path, status: ok ? 200 : 401 });
        return ok ? send(res, 200, identity()) : send(res, 401, { error: "invalid_token" });
      }
      record({ family, kind: "unknown", method: req.method, path });
      return send(res, 404, { error: "not_found" });
    } catch (e) {
      return send(res, 500, { error: String(e?.message ?? e) });
    }
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}`;
  const url = base;

  const real = { ...readDevVars(), ...process.env };
  /** @type {Record<string, string>} */
  const env = {};
  for (const [family, bases] of Object.entries(FAMILIES)) {
    if (real[`${family}_CLIENT_ID`]) continue; // real credentials: talk to the real provider
    for (const [name, prefix] of Object.entries(bases)) env[name] = `${url}${prefix}`;
    env[`${family}_CLIENT_ID`] = `sandbox-${family.toLowerCase()}-client`;
    env[`${family}_CLIENT_SECRET`] = `sandbox-${family.toLowerCase()}-secret-${randomUUID()}`;
    if (family === "SLACK" && !real.SLACK_SIGNING_SECRET) env.SLACK_SIGNING_SECRET = SANDBOX_SIGNING_SECRET;
  }
  for (const [name, template] of Object.entries(API_KEY_BASES)) if (!real[name]) env[name] = `${url}${template}`;
  if (!real.WHATSAPP_API_BASE) env.WHATSAPP_API_BASE = `${url}/whatsapp`;
  if (!real.ALERT_EMAIL_SINK_URL) env.ALERT_EMAIL_SINK_URL = `${url}/mail/send`;
  Object.assign(env, notify.env(url, real));
  const close = async () => {
    await new Promise((resolve) => server.close(resolve));
    await oauth.stop();
  };
  return { env, url, close, appOrigin, teamsWebhookUrl: notify.teamsUrl(url) };
}

if (isMain(import.meta.url)) {
  const sandbox = await start({});
  console.log(`Provider sandbox on ${sandbox.url}`);
  for (const [k, v] of Object.entries(sandbox.env)) console.log(`${k}=${v}`);
  console.log(`Teams webhook URL to paste: ${sandbox.teamsWebhookUrl}`);
  const stop = async () => {
    await sandbox.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
