/** The KV caches disconnecting Slack forgets (the adapter's disconnect steps; see ./index.ts). */
import { channelCacheKey } from "./channels.server";

export async function forgetSlackCaches(kv: KVNamespace, connectionId: string) {
  await kv.delete(channelCacheKey(connectionId));
}
