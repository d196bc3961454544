import { lt, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { deadLetters } from "../db/schema";
import { describeMessage } from "./messages";

/**
 * Dead letters are kept, listed and replayed (docs/decisions/0060-queues-and-dead-letters.md).
 * - A message a queue gave up on (max_retries) reaches the `<queue>-dlq` queue, whose consumer
 *   stores it here (`storeDeadLetters`); a message no consumer can read is stored directly.
 * - An operator lists them and asks for a replay with `node scripts/dlq.mjs` (which only sets
 *   replay_requested_at: no queue credentials needed).
 * - The cron re-sends each requested one to the queue it was meant for (`replayDeadLetters`),
 *   claimed by one conditional UPDATE, so two overlapping cron runs send it once. A replayed
 *   message is handled like any other: a delivery or event that moved on meanwhile is stale and
 *   acknowledged without effect.
 * Not a tenant table: messages carry ids only (never payloads or secrets), and it is read by
 * operators, not by a company's users.
 */
export const DEAD_LETTER_SUFFIX = "-dlq";
export const DEAD_LETTER_RETENTION_MS = 30 * 86_400_000;

type Letter = { id: string; body: unknown; attempts: number };

/** Statements that keep messages of `queue` (the queue they were meant for, without "-dlq"). */
function insertLetters(db: Db, queue: string, letters: readonly Letter[], now: Date) {
  return letters.map((m) => {
    const { kind, ref } = describeMessage(queue, m.body);
    return db
      .insert(deadLetters)
      .values({ id: m.id, queue, kind, ref, body: JSON.stringify(m.body ?? null), attempts: m.attempts, receivedAt: now })
      .onConflictDoNothing();
  });
}

/** The `-dlq` consumers: each message is stored, then acknowledged (a failed write is retried). */
export async function storeDeadLetters(db: Db, batch: MessageBatch<unknown>, now: Date): Promise<void> {
  const queue = batch.queue.endsWith(DEAD_LETTER_SUFFIX) ? batch.queue.slice(0, -DEAD_LETTER_SUFFIX.length) : batch.queue;
  if (batch.messages.length === 0) return;
  const [first, ...rest] = insertLetters(db, queue, batch.messages, now);
  try {
    await db.batch([first!, ...rest]);
  } catch (error) {
    console.error("dead letters could not be stored", queue, error instanceof Error ? error.message : "unknown");
    for (const m of batch.messages) m.retry({ delaySeconds: 60 });
    return;
  }
  for (const m of batch.messages) m.ack();
}

/** A message no consumer of `queue` can read: retrying cannot help, so it is kept for an operator at once. */
export async function keepUnreadable(db: Db, queue: string, message: Message<unknown>, now: Date): Promise<void> {
  console.error("unreadable queue message kept as a dead letter", queue, message.id);
  const [statement] = insertLetters(db, queue, [message], now);
  await statement!.run();
}

/**
 * Cron: re-sends the dead letters an operator asked to replay, each to its own queue. Claimed
 * first (replayed_at set by one UPDATE … RETURNING); a send that fails gives the claim back.
 */
export async function replayDeadLetters({
  db,
  queues,
  now,
  limit = 100,
}: {
  db: Db;
  queues: Readonly<Record<string, Queue<unknown>>>;
  now: Date;
  limit?: number;
}): Promise<number> {
  const t = now.getTime();
  const claimed = await db.all<{ id: string; queue: string; body: string }>(sql`UPDATE dead_letters SET replayed_at = ${t}
    WHERE id IN (SELECT id FROM dead_letters WHERE replay_requested_at IS NOT NULL AND replayed_at IS NULL
      ORDER BY replay_requested_at LIMIT ${limit})
    RETURNING id, queue, body`);
  let sent = 0;
  for (const letter of claimed) {
    const queue = queues[letter.queue];
    try {
      if (!queue) throw new Error(`no producer for queue ${letter.queue}`);
      await queue.send(JSON.parse(letter.body) as unknown);
      sent++;
    } catch (error) {
      console.error("dead letter replay failed", letter.id, error instanceof Error ? error.message : "unknown");
      await db.run(sql`UPDATE dead_letters SET replayed_at = NULL WHERE id = ${letter.id} AND replayed_at = ${t}`);
    }
  }
  return sent;
}

/** Cron: dead letters older than the retention period go (replayed or not). */
export async function purgeDeadLetters({ db, now }: { db: Db; now: Date }) {
  await db.delete(deadLetters).where(lt(deadLetters.receivedAt, new Date(now.getTime() - DEAD_LETTER_RETENTION_MS)));
}
