import type { Db } from "../db/client";
import type { deliveries, events } from "../db/schema";
import type { Env } from "../env";

/**
 * Deliveries whose target_kind is "integration" (target_id = the provider id) ride the
 * same retry machinery as webhooks: the consumer hands them to the deliverer it was given for the
 * provider (the registry's, see app/lib/integrations/pipeline.server.ts) and treats its outcome
 * like an HTTP attempt. The engine imports no integration.
 */
export type IntegrationOutcome = {
  /** HTTP status of the provider call, when there was one. */
  statusCode: number | null;
  ok: boolean;
  /** Final: no retry (the target is gone, access was refused, the provider rejected the request). */
  gone?: boolean;
  error?: string | null;
  retryAfterSeconds?: number | null;
  /**
   * Not attempted: another attempt holds what this one needs (a parent record being created).
   * The engine sends the same attempt again after this many seconds, recording and counting
   * nothing, at most MAX_DEFERRALS times (webhooks/attempt.server.ts).
   */
  deferSeconds?: number | null;
  requestHeaders?: Record<string, string>;
  responseExcerpt?: string | null;
  /** What the attempt did, in plain words, and the remote record it touched (the activity list). */
  summary?: string | null;
  remoteUrl?: string | null;
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
