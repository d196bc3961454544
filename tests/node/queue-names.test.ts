/**
 * The queue table (app/lib/queues.server.ts) and wrangler.toml name the same queues: every consumer
 * wrangler.toml configures has an entry in QUEUE_NAMES, and each producer and dead-letter queue too.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { QUEUE_NAMES } from "~/lib/queues/names";

it("wrangler.toml consumes exactly the queues the consumer table knows", () => {
  const toml = readFileSync(fileURLToPath(new URL("../../wrangler.toml", import.meta.url)), "utf8");
  const consumers = [...toml.matchAll(/\[\[queues\.consumers\]\]\s*\nqueue = "([^"]+)"/g)].map((m) => m[1]);
  const producers = [...toml.matchAll(/\[\[queues\.producers\]\]\s*\nbinding = "[^"]+"\s*\nqueue = "([^"]+)"/g)].map((m) => m[1]);
  const deadLetterQueues = [...toml.matchAll(/dead_letter_queue = "([^"]+)"/g)].map((m) => m[1]);
  const known = Object.values(QUEUE_NAMES).sort();
  expect(consumers.sort()).toEqual(known);
  expect(producers.sort()).toEqual([QUEUE_NAMES.deliveries, QUEUE_NAMES.events].sort());
  expect(deadLetterQueues.sort()).toEqual([QUEUE_NAMES.deliveriesDeadLetters, QUEUE_NAMES.eventsDeadLetters].sort());
});
