/**
 * The Slack configure screen's server side: the channel list (cached, with a readable error
 * instead of a 500 when Slack cannot be asked) and the save, which only accepts a channel the
 * bot is a member of.
 */
import type { CurrentUser } from "../../auth/users.server";
import { NeedsReauthError } from "../access.server";
import type { ConnectionRow } from "../connections.server";
import { saveConnectionConfig } from "../manage.server";
import { SlackApiError } from "./api.server";
import { bustChannelCache, canPostTo, listChannelsCached, type SlackChannel } from "./channels.server";
import { type SlackConfigForm, slackConfigSchema } from "./config";
import { botToken, markSlackNeedsReauth, type SlackRuntime } from "./connection.server";

export type ChannelList = { ok: true; channels: SlackChannel[] } | { ok: false; error: string };

export async function loadChannelList(rt: SlackRuntime, connection: ConnectionRow): Promise<ChannelList> {
  try {
    const channels = await listChannelsCached({ fetch: rt.fetch, env: rt.env, kv: rt.kv }, connection.id, () => botToken(rt, connection));
    return { ok: true, channels };
  } catch (error) {
    if (error instanceof NeedsReauthError) return { ok: false, error: "Slack needs to be reconnected before channels can be listed." };
    if (error instanceof SlackApiError) {
      if (error.authFailed) {
        await markSlackNeedsReauth(rt.db, connection, error.code, rt.now());
        return { ok: false, error: "Slack refused the app's token. Reconnect Slack, then choose a channel." };
      }
      if (error.rateLimited) return { ok: false, error: "Slack is rate limiting us. Wait a minute, then press Refresh." };
      return { ok: false, error: `Slack could not list the channels (${error.code}). Press Refresh to try again.` };
    }
    throw error;
  }
}

export function refreshChannelList(rt: SlackRuntime, connection: ConnectionRow) {
  return bustChannelCache(rt.kv, connection.id);
}

export type SaveResult = { ok: true } | { ok: false; fieldErrors?: Record<string, string[]>; formError?: string };

export async function saveSlackSettings(
  rt: SlackRuntime,
  { connection, user, ip, value }: { connection: ConnectionRow; user: CurrentUser; ip: string | null; value: SlackConfigForm },
): Promise<SaveResult> {
  const list = await loadChannelList(rt, connection);
  if (!list.ok) return { ok: false, formError: list.error };
  const channel = list.channels.find((c) => c.id === value.channel_id);
  if (!channel)
    return { ok: false, fieldErrors: { channel_id: ["That channel is not in your workspace any more. Press Refresh and choose again."] } };
  if (!canPostTo(channel))
    return {
      ok: false,
      fieldErrors: { channel_id: [`The app is not in #${channel.name}. Invite it there (/invite @app) or choose another channel.`] },
    };
  const config = slackConfigSchema.parse({ ...value, channel: `#${channel.name}` });
  await saveConnectionConfig(rt, { connection, user, ip, config });
  return { ok: true };
}
