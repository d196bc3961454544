// The coalescing producer the events consumer enqueues first attempts through (ADR 0145).
import { describe, expect, it } from "vitest";
import { batchingQueue, SEND_BATCH_LIMIT } from "~/lib/queues/batching-queue";

type Body = { id: number };

function recordingQueue({ failCall }: { failCall?: number } = {}) {
  const calls: MessageSendRequest<Body>[][] = [];
  const response = { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } };
  const queue = {
    async send() {
      throw new Error("the wrapper only calls sendBatch");
    },
    async sendBatch(messages: Iterable<MessageSendRequest<Body>>) {
      const list = [...messages];
      calls.push(list);
      if (calls.length === failCall) throw new Error("queue down");
      return response;
    },
    async metrics() {
      return { backlogCount: 0, backlogBytes: 0 };
    },
  } as unknown as Queue<Body>;
  return { queue, calls };
}

const bodies = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ body: { id: from + i } }));

describe("batchingQueue", () => {
  it("sends made in the same turn go as one sendBatch, in order, each caller's delay kept", async () => {
    const { queue, calls } = recordingQueue();
    const q = batchingQueue(queue);
    await Promise.all([q.sendBatch(bodies(0, 3)), q.send({ id: 3 }, { delaySeconds: 5 }), q.sendBatch(bodies(4, 2), { delaySeconds: 2 })]);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.map((m) => m.body.id)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(calls[0]!.map((m) => m.delaySeconds)).toEqual([undefined, undefined, undefined, 5, 2, 2]);
  });

  it(`more than ${SEND_BATCH_LIMIT} messages in a turn go in chunks of at most ${SEND_BATCH_LIMIT}, none lost`, async () => {
    const { queue, calls } = recordingQueue();
    const q = batchingQueue(queue);
    // 25 events × 9 deliveries each = 225 messages
    await Promise.all(Array.from({ length: 25 }, (_, e) => q.sendBatch(bodies(e * 9, 9))));
    expect(calls.map((c) => c.length)).toEqual([100, 100, 25]);
    expect(calls.flat().map((m) => m.body.id)).toEqual(Array.from({ length: 225 }, (_, i) => i));
  });

  it("a failed chunk rejects exactly the callers whose messages it carried", async () => {
    const { queue, calls } = recordingQueue({ failCall: 2 });
    const q = batchingQueue(queue);
    // callers of 60: the first chunk carries callers 0 and 1 (40 of its 60), the second 1, 2 and 3 (20 of it)
    const results = await Promise.allSettled(Array.from({ length: 4 }, (_, c) => q.sendBatch(bodies(c * 60, 60))));
    expect(calls.map((c) => c.length)).toEqual([100, 100, 40]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "rejected", "rejected"]);
  });

  it("sends in a later turn make a new call", async () => {
    const { queue, calls } = recordingQueue();
    const q = batchingQueue(queue);
    await q.send({ id: 1 });
    await q.send({ id: 2 });
    expect(calls.map((c) => c.map((m) => m.body.id))).toEqual([[1], [2]]);
  });
});
