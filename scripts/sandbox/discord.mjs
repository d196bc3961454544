// A stateful fake of Discord's incoming webhooks, as the OAuth `webhook.incoming` flow creates them
// (createWebhook is called by the sandbox's token endpoint, which returns it as `webhook`):
// GET/POST/DELETE /api/v10/webhooks/{id}/{token}. Shapes follow discord/discord-api-spec:
// execute_webhook takes IncomingWebhookRequestPartial (content ≤ 2000, ≤ 10 embeds with their
// limits, allowed_mentions), answers 200 with the message when ?wait=true (204 otherwise);
// errors are { code, message } (50027 Invalid Webhook Token → 401, 10015 Unknown Webhook → 404,
// 50035 Invalid Form Body → 400 with `errors`), 429 with retry_after and Retry-After.
// The webhook token sits in the path: the calls log shows it as [token].
import { randomBytes } from "node:crypto";
import { createFake, isObject, json } from "./kit.mjs";

export const DISCORD_GUILD = { id: "1100000000000000001", name: "Acme Community (Sandbox)" };
export const DISCORD_CHANNEL = { id: "1100000000000000042", name: "support-alerts" };
const WEBHOOK_PATH = /\/webhooks\/(\d+)\/([^/?]+)$/;
const APP_ID = "1100000000000000777";

let snowflake = 1200000000000000000n;
const nextId = () => String(++snowflake);

const invalidForm = (errors) => json({ code: 50035, errors, message: "Invalid Form Body" }, 400);
const fieldError = (code, message) => ({ _errors: [{ code, message }] });

function nest(errors, path, error) {
  let at = errors;
  for (const key of path.slice(0, -1)) at = at[key] ??= {};
  at[path[path.length - 1]] = error;
}

/** Discord's checks of an execute-webhook body (the OpenAPI limits plus the 6000-character embed total). */
export function checkWebhookBody(body) {
  const errors = {};
  const max = (v, n, path) => {
    if (v === undefined || v === null) return;
    if (typeof v !== "string") nest(errors, path, fieldError("BASE_TYPE_BAD_TYPE", "Must be a string."));
    else if (v.length > n) nest(errors, path, fieldError("BASE_TYPE_MAX_LENGTH", `Must be ${n} or fewer in length.`));
  };
  max(body.content, 2000, ["content"]);
  max(body.username, 80, ["username"]);
  const embeds = body.embeds ?? [];
  if (!Array.isArray(embeds)) nest(errors, ["embeds"], fieldError("BASE_TYPE_BAD_TYPE", "Must be an array."));
  else if (embeds.length > 10) nest(errors, ["embeds"], fieldError("BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length."));
  else
    embeds.forEach((e, i) => {
      if (!isObject(e))
        return nest(errors, ["embeds", i], fieldError("MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType"));
      max(e.title, 256, ["embeds", i, "title"]);
      max(e.description, 4096, ["embeds", i, "description"]);
      if (e.url !== undefined && !(typeof e.url === "string" && /^https?:\/\/\S+$/.test(e.url) && e.url.length <= 2048))
        nest(errors, ["embeds", i, "url"], fieldError("URL_TYPE_INVALID_URL", "Not a well formed URL."));
      if (e.color !== undefined && !(Number.isInteger(e.color) && e.color >= 0 && e.color <= 0xffffff))
        nest(errors, ["embeds", i, "color"], fieldError("NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215."));
      if (e.timestamp !== undefined && Number.isNaN(Date.parse(e.timestamp)))
        nest(errors, ["embeds", i, "timestamp"], fieldError("DATE_TIME_TYPE_PARSE", "Could not parse timestamp."));
      max(e.footer?.text, 2048, ["embeds", i, "footer", "text"]);
      const fields = e.fields ?? [];
      if (!Array.isArray(fields) || fields.length > 25)
        nest(errors, ["embeds", i, "fields"], fieldError("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."));
      else
        fields.forEach((f, j) => {
          if (typeof f?.name !== "string" || !f.name)
            nest(errors, ["embeds", i, "fields", j, "name"], fieldError("BASE_TYPE_REQUIRED", "This field is required"));
          if (typeof f?.value !== "string" || !f.value)
            nest(errors, ["embeds", i, "fields", j, "value"], fieldError("BASE_TYPE_REQUIRED", "This field is required"));
          max(f?.name, 256, ["embeds", i, "fields", j, "name"]);
          max(f?.value, 1024, ["embeds", i, "fields", j, "value"]);
        });
      const total = [e.title, e.description, e.footer?.text, ...(Array.isArray(fields) ? fields.flatMap((f) => [f?.name, f?.value]) : [])]
        .filter((s) => typeof s === "string")
        .reduce((n, s) => n + s.length, 0);
      if (total > 6000) nest(errors, ["embeds", i], fieldError("BASE_TYPE_MAX_LENGTH", "Embed size exceeds maximum size of 6000"));
    });
  const parse = body.allowed_mentions?.parse;
  if (parse !== undefined && parse !== null && !(Array.isArray(parse) && parse.every((p) => ["users", "roles", "everyone"].includes(p))))
    nest(errors, ["allowed_mentions", "parse"], fieldError("BASE_TYPE_CHOICES", "Value must be one of {'users', 'roles', 'everyone'}."));
  return errors;
}

/** Who a message would ping, as Discord decides: content only (embeds never ping), limited by allowed_mentions. */
function pings(content, allowed) {
  const parse = allowed ? (allowed.parse ?? []) : ["users", "roles", "everyone"];
  const text = typeof content === "string" ? content : "";
  return {
    mention_everyone: parse.includes("everyone") && /@(everyone|here)/.test(text),
    mentions: parse.includes("users") ? [...text.matchAll(/<@!?(\d+)>/g)].map((m) => m[1]) : [],
    mention_roles: parse.includes("roles") ? [...text.matchAll(/<@&(\d+)>/g)].map((m) => m[1]) : [],
  };
}

export function createDiscordFake({ onCall, credentials } = {}) {
  const fake = createFake({
    provider: "discord",
    onCall,
    credentials,
    seed: () => ({ webhooks: new Map() }),
    snapshot: (state) => ({ webhooks: [...state.webhooks.values()].map(({ token: _t, ...w }) => w) }),
    // The token is checked per webhook in the routes (an unknown webhook is a 404, not a 401).
    authenticate: () => true,
    unauthorized: () => json({ message: "401: Unauthorized", code: 0 }, 401),
    rateLimited: () => ({ message: "You are being rate limited.", retry_after: 1.5, global: false }),
    notFound: () => json({ message: "404: Not Found", code: 0 }, 404),
    routes: ({ method, request, body, state }) => {
      const m = new URL(request.url).pathname.match(WEBHOOK_PATH);
      if (!m) return null;
      const hook = state.webhooks.get(m[1]);
      if (!hook) return json({ message: "Unknown Webhook", code: 10015 }, 404);
      if (hook.token !== decodeURIComponent(m[2]) || !fake.credentials.accepts(hook.token))
        return json({ message: "Invalid Webhook Token", code: 50027 }, 401);
      const { token: _t, messages: _m, ...info } = hook;
      if (method === "GET") return json(info);
      if (method === "DELETE") {
        state.webhooks.delete(hook.id);
        return new Response(null, { status: 204 });
      }
      if (method !== "POST") return json({ message: "405: Method Not Allowed", code: 0 }, 405);
      if (!isObject(body))
        return invalidForm({ _errors: [{ code: "DICT_TYPE_CONVERT", message: "Only dictionaries may be used in a DictType" }] });
      const errors = checkWebhookBody(body);
      if (Object.keys(errors).length) return invalidForm(errors);
      const hasContent = (typeof body.content === "string" && body.content.trim()) || (Array.isArray(body.embeds) && body.embeds.length);
      if (!hasContent) return json({ message: "Cannot send an empty message", code: 50006 }, 400);
      const message = {
        id: nextId(),
        type: 0,
        content: body.content ?? "",
        channel_id: hook.channel_id,
        author: { id: hook.id, username: body.username ?? hook.name, bot: true },
        embeds: body.embeds ?? [],
        attachments: [],
        components: [],
        ...pings(body.content, body.allowed_mentions),
        allowed_mentions: body.allowed_mentions ?? null,
        pinned: false,
        tts: false,
        flags: 0,
        webhook_id: hook.id,
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
      };
      hook.messages.push(message);
      const { allowed_mentions: _a, ...response } = message;
      return new URL(request.url).searchParams.get("wait") === "true" ? json(response) : new Response(null, { status: 204 });
    },
  });
  const redactPath = (path) => path.replace(/(\/webhooks\/\d+\/)[^/?]+/, "$1[token]");
  return {
    ...fake,
    handle: (request, path = new URL(request.url).pathname) => fake.handle(request, redactPath(path)),
    get state() {
      return fake.state;
    },
    /** What the token endpoint's `webhook` carries for a new authorization (urlBase = DISCORD_BASE). */
    createWebhook(urlBase, { channel = DISCORD_CHANNEL, guild = DISCORD_GUILD } = {}) {
      const id = nextId();
      const token = `sandbox_dwh_${randomBytes(18).toString("base64url")}`;
      const hook = {
        type: 1,
        id,
        name: "Integrations Hub",
        avatar: null,
        channel_id: channel.id,
        guild_id: guild.id,
        application_id: APP_ID,
        token,
        messages: [],
      };
      fake.state.webhooks.set(id, hook);
      const { messages: _m, ...out } = hook;
      return { ...out, url: `${urlBase}/api/webhooks/${id}/${token}` };
    },
  };
}
