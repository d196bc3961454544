import { env } from "cloudflare:test";
import type { ApiRoute } from "~/lib/api/define";
import { apiRoutes } from "~/lib/api/routes/index.server";
// @ts-ignore: the Remix server build (npm test builds before running)
import * as build from "../../../build/server/index.js";

/**
 * Everything the hardening suite discovers by itself: page routes from the Remix build's
 * manifest and /v1 routes from the route table. A route added later is covered without
 * editing any test.
 */
export type RouteEntry = {
  id: string;
  path?: string;
  parentId?: string;
  index?: boolean;
  module: { handle?: { access?: string }; action?: unknown; loader?: unknown };
};

const manifest = (build as unknown as { routes: Record<string, RouteEntry> }).routes;
export const pageRoutes: RouteEntry[] = Object.values(manifest).filter((r) => r.id !== "root");
export const adminRoutes = pageRoutes.filter((r) => r.module.handle?.access === "admin");
export const actionRoutes = pageRoutes.filter((r) => r.module.action);
export const v1Routes: readonly ApiRoute[] = apiRoutes;

/** The route's path pattern, e.g. "/integrations/developers/webhooks/:id/edit". */
export function patternOf(route: RouteEntry): string {
  const parts: string[] = [];
  for (let r: RouteEntry | undefined = route; r && r.id !== "root"; r = r.parentId ? manifest[r.parentId] : undefined) {
    if (r.path) parts.unshift(r.path);
  }
  return `/${parts.join("/")}`;
}

export function paramNames(pattern: string): string[] {
  return [...pattern.matchAll(/:([a-zA-Z]+)/g)].map((m) => m[1]!);
}

/** Params that name a catalog entry (public knowledge), not a tenant's row. */
export const CATALOG_PARAMS = new Set(["provider"]);

/**
 * Fills a pattern's params by name from `values` ("does_not_exist" for unknown names) and a
 * splat with a path that matches nothing.
 */
export function fill(pattern: string, values: Record<string, string> = {}): string {
  return pattern
    .replace(/:([a-zA-Z]+)/g, (_m, name: string) =>
      encodeURIComponent(values[name] ?? (CATALOG_PARAMS.has(name) ? "slack" : "does_not_exist")),
    )
    .replace(/\*$/, "no/such/page");
}

/** True when the pattern carries an id that belongs to a tenant (another company's → 404). */
export function hasTenantParam(pattern: string): boolean {
  return paramNames(pattern).some((n) => !CATALOG_PARAMS.has(n));
}

// ---- /v1 -----------------------------------------------------------------------------------

/** The resource a /v1 path param refers to, named by the segment before it. */
export function v1ParamResource(path: string, param: string): string {
  const segs = path.split("/");
  const i = segs.indexOf(`:${param}`);
  return segs[i - 1] ?? "";
}

/** Params of the /v1 table that are not tenant rows (e.g. /v1/hooks/samples/:event). */
const V1_PUBLIC_RESOURCES = new Set(["samples"]);

export function v1Fill(path: string, ids: Record<string, string>, fallback = "does_not_exist"): string {
  return path.replace(/:([a-zA-Z]+)/g, (_m, name: string) => {
    const resource = v1ParamResource(path, name);
    if (V1_PUBLIC_RESOURCES.has(resource)) return "conversation.created";
    return encodeURIComponent(ids[resource] ?? fallback);
  });
}

export function v1HasTenantParam(path: string): boolean {
  return paramNames(path).some((n) => !V1_PUBLIC_RESOURCES.has(v1ParamResource(path, n)));
}

// ---- state snapshots ------------------------------------------------------------------------

let tableNames: string[] | null = null;

/** Every row of every application table, as one comparable object (one D1 round trip). */
export async function dumpD1(opts: { ignoreColumns?: string[] } = {}): Promise<Record<string, Record<string, unknown>[]>> {
  // sessions.last_seen_at is request bookkeeping (the idle timeout), like the KV throttles
  const ignore = new Set(["last_seen_at", ...(opts.ignoreColumns ?? [])]);
  tableNames ??= (
    await env.DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%' ORDER BY name",
    ).all<{ name: string }>()
  ).results.map((r) => r.name);
  const results = await env.DB.batch(tableNames.map((name) => env.DB.prepare(`SELECT * FROM "${name}" ORDER BY rowid`)));
  const out: Record<string, Record<string, unknown>[]> = {};
  tableNames.forEach((name, i) => {
    out[name] = (results[i]!.results as Record<string, unknown>[]).map((row) =>
      Object.fromEntries(Object.entries(row).filter(([k]) => !ignore.has(k))),
    );
  });
  return out;
}

/** Every KV key with its value. */
export async function dumpKV(): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  let cursor: string | undefined;
  do {
    const page: KVNamespaceListResult<unknown> = await env.KV.list(cursor ? { cursor } : {});
    for (const k of page.keys) out[k.name] = await env.KV.get(k.name);
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return out;
}

/** KV keys that are pure bookkeeping of a request (sessions, throttles): excluded from "nothing changed". */
export function withoutSessions(kv: Record<string, string | null>) {
  return Object.fromEntries(Object.entries(kv).filter(([k]) => !k.startsWith("session:")));
}

export type CapturedQueue = Queue<unknown> & { sent: unknown[] };

/** A queue binding that records what is sent and never delivers (no consumer runs behind the test's back). */
export function capturingQueue(): CapturedQueue {
  const sent: unknown[] = [];
  return {
    sent,
    async send(body: unknown) {
      sent.push(body);
    },
    async sendBatch(messages: Iterable<MessageSendRequest<unknown>>) {
      for (const m of messages) sent.push(m.body);
    },
  } as unknown as CapturedQueue;
}

/** Swaps the Worker's queue producers for capturing ones (the Worker under SELF shares this env). */
export function captureQueues() {
  const events = capturingQueue();
  const deliveries = capturingQueue();
  Object.assign(env, { EVENTS: events, DELIVERIES: deliveries });
  return { events, deliveries };
}

export type FakeMessage<T> = Message<T> & { outcome: { acked: boolean; retryDelay: number | null } };

/** A hand-made batch whose messages remember whether they were acked or retried (and with what delay). */
export function fakeBatch<T>(queue: string, bodies: T[], attempts = 1): MessageBatch<T> & { messages: FakeMessage<T>[] } {
  const messages = bodies.map((body, i) => {
    const outcome = { acked: false, retryDelay: null as number | null };
    return {
      id: `msg-${i}-${Math.random().toString(36).slice(2)}`,
      timestamp: new Date(),
      body,
      attempts,
      outcome,
      ack() {
        outcome.acked = true;
      },
      retry(opts?: { delaySeconds?: number }) {
        outcome.retryDelay = opts?.delaySeconds ?? 0;
      },
    } as unknown as FakeMessage<T>;
  });
  return { queue, messages, ackAll() {}, retryAll() {} } as unknown as MessageBatch<T> & { messages: FakeMessage<T>[] };
}
