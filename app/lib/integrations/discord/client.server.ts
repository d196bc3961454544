/**
 * Discord's webhook calls (`{DISCORD_BASE}/api/v10/webhooks/{id}/{token}`): read the webhook (the
 * connect-time check) and execute it with `?wait=true`, so Discord answers the created message
 * (200) instead of 204 and a failure is reported, not swallowed. Errors are Discord's
 * `{ code, message }`: 401 Invalid Webhook Token (50027), 404 Unknown Webhook (10015), 429 with
 * Retry-After. The token is in the path: errors never carry the URL (provider-http).
 */
import { type ClientDeps, type ErrorReader, field, providerBase, requestJson } from "../provider-http.server";
import type { DiscordMessage } from "./embed";

export const UNKNOWN_WEBHOOK = "10015";

const readError: ErrorReader = (status, body) => ({
  message: field(body, "message") ?? `HTTP ${status}`,
  code: field(body, "code"),
});

export type DiscordWebhook = { id: string; token: string };
export type WebhookInfo = { id: string; name: string | null; channel_id: string; guild_id: string | null };

export const discordBase = (env: Record<string, unknown>) => providerBase(env, "DISCORD_BASE", "https://discord.com");

function webhookUrl(env: Record<string, unknown>, hook: DiscordWebhook): string {
  return `${discordBase(env)}/api/v10/webhooks/${encodeURIComponent(hook.id)}/${encodeURIComponent(hook.token)}`;
}

export async function getWebhook(deps: ClientDeps & { env: Record<string, unknown> }, hook: DiscordWebhook): Promise<WebhookInfo> {
  return (await requestJson<WebhookInfo>(deps, "Discord", { method: "GET", url: webhookUrl(deps.env, hook), headers: {} }, readError)).data;
}

export async function executeWebhook(
  deps: ClientDeps & { env: Record<string, unknown> },
  hook: DiscordWebhook,
  message: DiscordMessage,
): Promise<{ id: string; channel_id: string }> {
  const url = `${webhookUrl(deps.env, hook)}?wait=true`;
  return (
    await requestJson<{ id: string; channel_id: string }>(deps, "Discord", { method: "POST", url, headers: {}, body: message }, readError)
  ).data;
}

/** The message in Discord's app (a link for the activity list). */
export const messageUrl = (env: Record<string, unknown>, guildId: string | undefined, channelId: string, messageId: string) =>
  `${discordBase(env)}/channels/${encodeURIComponent(guildId || "@me")}/${encodeURIComponent(channelId)}/${encodeURIComponent(messageId)}`;
