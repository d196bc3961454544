/** The KV caches disconnecting Slack forgets (the adapter's disconnect steps; see ./index.ts). */
import { channelCacheKey } from "./channels.server";
import { summaryMarkerKey } from "./summary.server";

export async function forgetSlackCaches(kv: KVNamespace, connectionId: string) {
  await Promise.all([kv.delete(channelCacheKey(connectionId)), kv.delete(summaryMarkerKey(connectionId))]);
}
