/**
 * A queue producer that coalesces (ADR 0145): every `send`/`sendBatch` made in the same turn of
 * the event loop goes to the queue as `sendBatch` calls of at most SEND_BATCH_LIMIT messages, one
 * call per chunk instead of one per caller. An events batch fans out its events side by side
 * (ADR 0125); each event's first attempts are enqueued here, so a batch of 25 events to one
 * endpoint costs one producer call, not 25.
 *
 * Each caller's promise settles with the chunks that carry its messages: resolved once every one
 * of them is accepted, rejected when any of them failed (its event's fan-out is then retried; a
 * message that did get through is harmless twice, the deliveries consumer's claim acks the copy).
 * A caller's messages may be split across two chunks but are never reordered.
 */
export const SEND_BATCH_LIMIT = 100;

type Pending<T> = { items: MessageSendRequest<T>[]; resolve(response: QueueSendBatchResponse): void; reject(error: unknown): void };

export function batchingQueue<T>(queue: Queue<T>): Queue<T> {
  let pending: Pending<T>[] = [];

  async function flush() {
    const entries = pending;
    pending = [];
    // chunk the turn's messages, remembering which callers each chunk carries
    const chunks: { items: MessageSendRequest<T>[]; owners: Set<Pending<T>> }[] = [];
    for (const entry of entries) {
      for (const item of entry.items) {
        let last = chunks.at(-1);
        if (!last || last.items.length >= SEND_BATCH_LIMIT) {
          last = { items: [], owners: new Set() };
          chunks.push(last);
        }
        last.items.push(item);
        last.owners.add(entry);
      }
    }
    const failed = new Map<Pending<T>, unknown>();
    const answered = new Map<Pending<T>, QueueSendBatchResponse>();
    // one call at a time, as each fan-out sent its own chunks: a queue takes a burst of calls badly
    // (Miniflare's broker runs out of timers, one per message, ADR 0145)
    for (const chunk of chunks) {
      try {
        const response = await queue.sendBatch(chunk.items);
        for (const owner of chunk.owners) answered.set(owner, response);
      } catch (error) {
        for (const owner of chunk.owners) if (!failed.has(owner)) failed.set(owner, error);
      }
    }
    for (const entry of entries) {
      if (failed.has(entry)) entry.reject(failed.get(entry));
      else entry.resolve(answered.get(entry)!);
    }
  }

  function enqueue(items: MessageSendRequest<T>[]): Promise<QueueSendBatchResponse> {
    // nothing to carry: the queue is asked as it would have been (sendBatch of none)
    if (items.length === 0) return queue.sendBatch([]);
    return new Promise((resolve, reject) => {
      pending.push({ items, resolve, reject });
      // after this turn's microtasks: every fan-out of the batch that reached its enqueue has asked
      if (pending.length === 1) setTimeout(flush, 0);
    });
  }

  const producer: Queue<T> = {
    send: (body: T, options?: QueueSendOptions) => enqueue([{ body, ...options }]),
    sendBatch: (messages: Iterable<MessageSendRequest<T>>, options?: QueueSendBatchOptions) =>
      enqueue(
        [...messages].map((m) =>
          options?.delaySeconds != null && m.delaySeconds == null ? { ...m, delaySeconds: options.delaySeconds } : m,
        ),
      ),
    metrics: () => queue.metrics(),
  };
  return producer;
}
