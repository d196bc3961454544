import { env } from "cloudflare:test";
import { decodeBase64, encodeBase64 } from "@oslojs/encoding";
import { eq } from "drizzle-orm";
import { createDb } from "~/lib/db/client";
import { deliveries, events } from "~/lib/db/schema";
import type { DeliveriesMessage } from "~/lib/env";
import { newId } from "~/lib/ids";
import { keyringFromEnv } from "~/lib/security/encryption";
import type { ConsumerDeps } from "~/lib/webhooks/consumer.server";
import { createEndpoint, type EndpointDeps } from "~/lib/webhooks/endpoints.server";

export const db = () => createDb(env.DB);

export async function endpointDeps(companyId = "co_acme", now = new Date()): Promise<EndpointDeps> {
  return {
    db: db(),
    ring: await keyringFromEnv(env),
    policy: { production: false, allowLoopback: false },
    companyId,
    actor: { type: "user", id: "usr_john", label: "john@acme.com" },
    now,
  };
}

export async function makeEndpoint(opts: { url?: string; companyId?: string; source?: "user" | "rest_hook"; events?: string[] } = {}) {
  const res = await createEndpoint(
    await endpointDeps(opts.companyId),
    { url: opts.url ?? "https://hooks.example.com/in", description: "test", events: opts.events ?? ["conversation.created"] },
    { source: opts.source },
  );
  if (!res.ok) throw new Error(`could not create endpoint: ${JSON.stringify(res)}`);
  return res.value;
}

/** An event and a pending webhook delivery for it, as the events consumer would insert them. */
export async function makeDelivery(
  endpointId: string,
  opts: { companyId?: string; attempts?: number; type?: "conversation.created" } = {},
) {
  const companyId = opts.companyId ?? "co_acme";
  const eventId = newId("evt");
  const deliveryId = newId("dlv");
  await db().batch([
    db()
      .insert(events)
      .values({
        id: eventId,
        companyId,
        type: opts.type ?? "conversation.created",
        payload: { conversation: { id: "conv_1", subject: "Hello ☃" } },
        performedBy: { type: "contact", id: null, name: "Jane" },
        createdAt: new Date(),
        dispatchedAt: new Date(),
      }),
    db()
      .insert(deliveries)
      .values({
        id: deliveryId,
        companyId,
        eventId,
        targetKind: "webhook",
        targetId: endpointId,
        status: "pending",
        attempts: opts.attempts ?? 0,
      }),
  ]);
  return { eventId, deliveryId };
}

export async function deliveryRow(id: string) {
  return db().select().from(deliveries).where(eq(deliveries.id, id)).get();
}

export type Sent = { url: string; init: RequestInit; headers: Headers; body: string };

/** A scripted fetch: each call gets the next response (the last one repeats), and every request is kept. */
export function scriptedFetch(responses: (Response | ((req: Sent) => Promise<Response> | Response))[]) {
  const sent: Sent[] = [];
  let i = 0;
  let inFlight = 0;
  const stats = { maxInFlight: 0 };
  const fn = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const req: Sent = { url: String(input), init, headers: new Headers(init.headers), body: String(init.body ?? "") };
    sent.push(req);
    inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    try {
      const r = responses[Math.min(i++, responses.length - 1)]!;
      return typeof r === "function" ? await r(req) : r.clone();
    } finally {
      inFlight--;
    }
  }) as typeof fetch;
  return { fetch: fn, sent, stats };
}

/** A DELIVERIES producer that keeps what is sent (with its delay) and delivers nothing. */
export function schedulingQueue() {
  const sent: { body: DeliveriesMessage; delaySeconds?: number }[] = [];
  const queue = {
    async send(body: DeliveriesMessage, o?: QueueSendOptions) {
      sent.push({ body, delaySeconds: o?.delaySeconds });
    },
    async sendBatch(items: Iterable<MessageSendRequest<DeliveriesMessage>>) {
      for (const i of items) sent.push({ body: i.body, delaySeconds: i.delaySeconds });
    },
  } as unknown as Queue<DeliveriesMessage>;
  return { queue, sent };
}

export function consumerOverrides(fetchFn: typeof fetch, extra: Partial<ConsumerDeps> = {}): Partial<ConsumerDeps> {
  return {
    fetch: fetchFn,
    resolve: async () => ["93.184.216.34"],
    timeoutMs: 1000,
    random: () => 0.5,
    deliverers: new Map(),
    queue: schedulingQueue().queue,
    ...extra,
  };
}

/** Standard Webhooks verification done by hand with WebCrypto (the Node tests use the official packages). */
export async function signatureMatches(secret: string, headers: Headers, body: string): Promise<boolean> {
  const key = await crypto.subtle.importKey(
    "raw",
    new Uint8Array(decodeBase64(secret.slice(6))),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign(
    "HMAC",
    key,
    new TextEncoder().encode(`${headers.get("webhook-id")}.${headers.get("webhook-timestamp")}.${body}`),
  );
  const expected = `v1,${encodeBase64(new Uint8Array(mac))}`;
  return (headers.get("webhook-signature") ?? "").split(" ").includes(expected);
}
