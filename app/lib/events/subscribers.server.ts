import type { Db } from "../db/client";
import type { events } from "../db/schema";
import type { Env } from "../env";

export type EventRow = typeof events.$inferSelect;
/** An integration that wants the event; `delaySeconds` holds the first attempt back (a grace window). */
export type IntegrationTarget = { targetKind: "integration"; targetId: string; delaySeconds?: number };
/**
 * Which integrations want one event. The fan-out knows no integration: the Worker's entry points
 * pass the registry's subscriber (app/lib/integrations/pipeline.server.ts).
 */
export type IntegrationSubscriber = (db: Db, event: EventRow) => Promise<IntegrationTarget[]>;

/**
 * An inbound provider callback to process on the EVENTS queue (`{ kind: "inbound", provider, id }`):
 * the adapter's hook, found by provider id. It throws to be retried; anything it cannot use it
 * ignores. The queue consumer knows no provider: the Worker passes the registry's handlers.
 */
export type InboundHandler = (
  rt: { db: Db; kv: KVNamespace; env: Env; fetch: typeof fetch; now: () => Date },
  id: string,
) => Promise<unknown>;
export type InboundRegistry = ReadonlyMap<string, InboundHandler>;
