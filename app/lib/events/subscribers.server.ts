import type { Db } from "../db/client";
import type { events } from "../db/schema";

export type EventRow = typeof events.$inferSelect;
/** An integration that wants the event; `delaySeconds` holds the first attempt back (a grace window). */
export type IntegrationTarget = { targetKind: "integration"; targetId: string; delaySeconds?: number };
/**
 * Which integrations want one event. The fan-out knows no integration: the Worker's entry points
 * pass the registry's subscriber (app/lib/integrations/pipeline.server.ts).
 */
export type IntegrationSubscriber = (db: Db, event: EventRow) => Promise<IntegrationTarget[]>;
