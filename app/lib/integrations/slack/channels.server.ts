/**
 * The notification channel picker's data: `conversations.list` (public and private, not archived),
 * followed through every `next_cursor`, cached 5 minutes in KV per connection. Refresh deletes the
 * cache entry. Only channels the bot is a member of can be chosen: posting elsewhere fails with
 * `not_in_channel` (we do not ask for chat:write.public), and thread replies arrive only from
 * channels the app is in.
 */
import { type SlackDeps, slackCall } from "./api.server";

export type SlackChannel = { id: string; name: string; isPrivate: boolean; isMember: boolean };

export const CHANNEL_CACHE_TTL_SECONDS = 300;
const MAX_PAGES = 20;
export const channelCacheKey = (connectionId: string) => `slack_channels:${connectionId}`;

type ListPage = {
  channels?: { id?: string; name?: string; is_private?: boolean; is_member?: boolean; is_archived?: boolean }[];
  response_metadata?: { next_cursor?: string };
};

export async function fetchChannels(deps: SlackDeps, token: string): Promise<SlackChannel[]> {
  const out: SlackChannel[] = [];
  let cursor = "";
  for (let page = 0; page < MAX_PAGES; page++) {
    const data = await slackCall<ListPage>(deps, token, "conversations.list", {
      types: "public_channel,private_channel",
      exclude_archived: true,
      limit: 200,
      cursor: cursor || undefined,
    });
    for (const c of data.channels ?? []) {
      if (typeof c.id !== "string" || typeof c.name !== "string" || c.is_archived) continue;
      out.push({ id: c.id, name: c.name, isPrivate: Boolean(c.is_private), isMember: Boolean(c.is_member) });
    }
    cursor = data.response_metadata?.next_cursor ?? "";
    if (!cursor) break;
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export async function listChannelsCached(
  deps: SlackDeps & { kv: KVNamespace },
  connectionId: string,
  token: () => Promise<string>,
): Promise<SlackChannel[]> {
  const key = channelCacheKey(connectionId);
  const cached = await deps.kv.get<SlackChannel[]>(key, "json");
  if (Array.isArray(cached)) return cached;
  const fresh = await fetchChannels(deps, await token());
  await deps.kv.put(key, JSON.stringify(fresh), { expirationTtl: CHANNEL_CACHE_TTL_SECONDS });
  return fresh;
}

export async function bustChannelCache(kv: KVNamespace, connectionId: string) {
  await kv.delete(channelCacheKey(connectionId));
}

export function canPostTo(channel: SlackChannel | undefined): boolean {
  return Boolean(channel?.isMember);
}
