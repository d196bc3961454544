/**
 * Freshdesk status back, by polling (its webhooks carry no signature we could check): on each cron
 * tick, per connected helpdesk, the tickets updated since the last look (a minute of overlap, so
 * nothing slips between two looks); a resolved or closed ticket that we created closes its
 * conversation as the Freshdesk integration. The cursor lives in KV per connection.
 */
import type { CronContext, DeliveryConnection } from "../adapter";
import { CATALOG } from "../catalog";
import { markNeedsReauth } from "../connections.server";
import { externalRefs } from "../external-refs.server";
import { closeFromProvider, TICKET_REF } from "../helpdesk/tickets.server";
import { ProviderApiError } from "../provider-http.server";
import { FRESHDESK_STATUS, freshdeskClient } from "./client.server";

export const pollCursorKey = (connectionId: string) => `freshdesk_poll:${connectionId}`;
/** How far back the first look goes, and how much two looks overlap. */
export const FIRST_LOOK_MS = 60 * 60 * 1000;
export const OVERLAP_MS = 60 * 1000;
const DONE = new Set<number>([FRESHDESK_STATUS.resolved, FRESHDESK_STATUS.closed]);

export async function pollFreshdesk(ctx: CronContext): Promise<{ closed: number; failed: number }> {
  let closed = 0;
  let failed = 0;
  for (const connection of await ctx.connections()) {
    try {
      closed += await pollOne(ctx, connection);
    } catch (error) {
      failed += 1;
      if (error instanceof ProviderApiError && error.status === 401) {
        await markNeedsReauth({
          db: ctx.db,
          connection: connection.row,
          now: ctx.now,
          reason: "Freshdesk refused the API key (HTTP 401). Reconnect Freshdesk.",
        });
      }
    }
  }
  return { closed, failed };
}

async function pollOne(ctx: CronContext, connection: DeliveryConnection): Promise<number> {
  const key = pollCursorKey(connection.row.id);
  const stored = Number(await ctx.kv.get(key));
  const since = new Date((Number.isFinite(stored) && stored > 0 ? stored : ctx.now.getTime() - FIRST_LOOK_MS) - OVERLAP_MS);
  const fields = connection.credential.fields ?? {};
  const client = freshdeskClient({
    fetch: ctx.fetch,
    env: ctx.env,
    now: () => ctx.now,
    signal: AbortSignal.timeout(10_000),
    credentials: { domain: fields.domain ?? "", api_key: fields.api_key ?? "" },
  });
  const tickets = await client.ticketsUpdatedSince(since);
  const refs = externalRefs({
    db: ctx.db,
    companyId: connection.row.companyId,
    provider: "freshdesk",
    now: () => ctx.now,
    owner: "freshdesk-poll",
  });
  let closed = 0;
  let cursor = Number.isFinite(stored) && stored > 0 ? stored : ctx.now.getTime() - FIRST_LOOK_MS;
  for (const ticket of tickets) {
    const updated = Date.parse(ticket.updated_at);
    if (Number.isFinite(updated)) cursor = Math.max(cursor, updated);
    if (!DONE.has(ticket.status)) continue;
    const conversationId = (ticket.tags ?? []).find((t) => /^conv_[a-z0-9]{1,40}$/.test(t));
    if (!conversationId) continue;
    // Only a ticket we created for that conversation may close it (a tag anyone can type is not proof).
    if ((await refs.lookup(TICKET_REF, conversationId))?.remoteId !== String(ticket.id)) continue;
    if (
      (await closeFromProvider(
        { db: ctx.db, env: ctx.env, now: ctx.now },
        { provider: CATALOG.freshdesk, companyId: connection.row.companyId, conversationId },
      )) === "closed"
    )
      closed += 1;
  }
  await ctx.kv.put(key, String(cursor));
  return closed;
}
