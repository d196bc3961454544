import type { Db } from "../db/client";
import type { events } from "../db/schema";

export type EventRow = typeof events.$inferSelect;
export type IntegrationTarget = { targetKind: "integration"; targetId: string };
export type IntegrationSubscriber = (db: Db, event: EventRow) => Promise<IntegrationTarget[]>;

/**
 * Integrations that react to events (e.g. Slack posts new conversations) register here; each
 * returns the delivery targets it wants for one event. Empty until an integration registers.
 */
export const integrationSubscribers: IntegrationSubscriber[] = [];
