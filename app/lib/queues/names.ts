/**
 * The Worker's queues by exact name (wrangler.toml [[queues.producers]] / [[queues.consumers]]).
 * queues.server.ts maps each name to its consumer; tests/node/queue-names.test.ts checks that
 * wrangler.toml consumes exactly these.
 */
export const QUEUE_NAMES = {
  events: "ih-events",
  deliveries: "ih-deliveries",
  eventsDeadLetters: "ih-events-dlq",
  deliveriesDeadLetters: "ih-deliveries-dlq",
} as const;
