import type { Db } from "../db/client";
import type { deliveries, events } from "../db/schema";
import type { Env } from "../env";

/**
 * Deliveries whose target_kind is "integration" (target_id = provider, e.g. "slack") ride the
 * same retry machinery as webhooks: the consumer hands them to the deliverer registered for the
 * provider and treats its outcome like an HTTP attempt. Providers register themselves at import
 * (slack/register.server.ts).
 */
export type IntegrationOutcome = {
  /** HTTP status of the provider call, when there was one. */
  statusCode: number | null;
  ok: boolean;
  /** The target is gone for good (e.g. the channel was deleted): stop, no retries. */
  gone?: boolean;
  error?: string | null;
  retryAfterSeconds?: number | null;
  requestHeaders?: Record<string, string>;
  responseExcerpt?: string | null;
};

export type IntegrationDeliverer = (input: {
  db: Db;
  env: Env;
  fetch: typeof fetch;
  delivery: typeof deliveries.$inferSelect;
  event: typeof events.$inferSelect;
  signal: AbortSignal;
}) => Promise<IntegrationOutcome>;

export type DelivererRegistry = ReadonlyMap<string, IntegrationDeliverer>;

const registry = new Map<string, IntegrationDeliverer>();

export function registerIntegrationDeliverer(provider: string, deliverer: IntegrationDeliverer) {
  registry.set(provider, deliverer);
}

export function integrationDeliverers(): DelivererRegistry {
  return registry;
}
