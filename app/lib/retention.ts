/**
 * How long history is kept (docs/decisions/0087-retention.md). Each window is a whole number of
 * days from an env var; a missing or unusable value means the default, never "keep nothing".
 * Shared by the cron's purge and by the screens and /v1 responses that say how far back history goes.
 */
export type RetentionWindows = {
  /** Delivery attempts (status, duration, response excerpt), by the attempt's time. */
  attemptsDays: number;
  /** Deliveries, by their last activity; their attempts go with them. */
  deliveriesDays: number;
  /**
   * Events (the /v1/events log), by when they were dispatched; kept while a delivery still needs
   * them, and never purged sooner than deliveries (a delivery's body is its event).
   */
  eventsDays: number;
  /** Audit log rows, by their time. */
  auditDays: number;
};

export const DEFAULT_RETENTION: RetentionWindows = { attemptsDays: 30, deliveriesDays: 30, eventsDays: 30, auditDays: 365 };

/** Ten years: a longer window is almost certainly a typo (and would overflow nothing, but help nobody). */
const MAX_DAYS = 3650;

type RetentionEnv = {
  RETENTION_ATTEMPTS_DAYS?: string;
  RETENTION_DELIVERIES_DAYS?: string;
  RETENTION_EVENTS_DAYS?: string;
  RETENTION_AUDIT_DAYS?: string;
};

function days(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= MAX_DAYS ? n : fallback;
}

export function retentionWindows(env: RetentionEnv): RetentionWindows {
  return {
    attemptsDays: days(env.RETENTION_ATTEMPTS_DAYS, DEFAULT_RETENTION.attemptsDays),
    deliveriesDays: days(env.RETENTION_DELIVERIES_DAYS, DEFAULT_RETENTION.deliveriesDays),
    eventsDays: days(env.RETENTION_EVENTS_DAYS, DEFAULT_RETENTION.eventsDays),
    auditDays: days(env.RETENTION_AUDIT_DAYS, DEFAULT_RETENTION.auditDays),
  };
}

const plural = (n: number) => `${n} day${n === 1 ? "" : "s"}`;

/** One sentence for a delivery log: how far back it goes. */
export function deliveryHistoryNote(w: RetentionWindows): string {
  const attempts = Math.min(w.attemptsDays, w.deliveriesDays);
  if (attempts === w.deliveriesDays) return `Deliveries are kept for ${plural(w.deliveriesDays)} after their last attempt, then deleted.`;
  return `Deliveries are kept for ${plural(w.deliveriesDays)} after their last attempt, the details of each attempt for ${plural(attempts)}.`;
}
