/**
 * `GET /v1/contacts/{email}/orders`: the company's connected stores (adapters with an
 * `orderLookup`) asked for the customer's recent orders. Each store's answer is kept about a
 * minute in KV (key: connection + SHA-256 of the email, never the email) and never written to
 * D1. One store failing does not hide the others; a refused credential marks it for reconnecting.
 */
import { encodeHexLowerCase } from "@oslojs/encoding";
import * as z from "zod";
import type { Db } from "../../db/client";
import type { connections } from "../../db/schema";
import type { Env } from "../../env";
import type { StoreOrder } from "../adapter";
import { connectedTo } from "../connections.server";
import { loadCredential, readSettings } from "../pipeline.server";
import { readFailureText } from "../read-failure.server";
import { listAdapters, REGISTRY, type Registry } from "../registry";

/** KV's shortest expiry is 60 seconds: "about a minute". */
export const ORDERS_CACHE_TTL_SECONDS = 60;
const LOOKUP_TIMEOUT_MS = 10_000;

export type SourcedOrder = StoreOrder & { source: string };
export type OrderSource = { provider: string; ok: boolean; cached: boolean; error: string | null };
export type OrdersResult =
  | { kind: "no_store" }
  | { kind: "invalid_email" }
  | { kind: "ok"; orders: SourcedOrder[]; sources: OrderSource[] };

const Email = z.email().max(254);

type Deps = { db: Db; kv: KVNamespace; env: Env; fetch: typeof fetch; now: () => Date };

async function cacheKey(connectionId: string, email: string) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(email.trim().toLowerCase()));
  return `orders:${connectionId}:${encodeHexLowerCase(new Uint8Array(digest))}`;
}

export async function lookupOrders(
  deps: Deps,
  { companyId, email: raw, limit }: { companyId: string; email: string; limit: number },
  registry: Registry = REGISTRY,
): Promise<OrdersResult> {
  const stores = listAdapters(registry).filter((a) => a.orderLookup);
  if (stores.length === 0) return { kind: "no_store" };
  const rows = await connectedTo({ db: deps.db, companyId, providers: stores.map((a) => a.id) });
  // Whether the company has a store decides first, like an ownership check: then the email is validated.
  if (rows.length === 0) return { kind: "no_store" };
  const parsed = Email.safeParse(raw.trim());
  if (!parsed.success) return { kind: "invalid_email" };
  const email = parsed.data;
  const orders: SourcedOrder[] = [];
  const sources: OrderSource[] = [];
  for (const row of rows) {
    const adapter = stores.find((a) => a.id === row.provider)!;
    const name = adapter.provider.name;
    const key = await cacheKey(row.id, email);
    const cached = await deps.kv.get<StoreOrder[]>(key, "json");
    if (Array.isArray(cached)) {
      orders.push(...cached.slice(0, limit).map((o) => ({ ...o, source: row.provider })));
      sources.push({ provider: row.provider, ok: true, cached: true, error: null });
      continue;
    }
    try {
      const credential = await loadCredential(deps, adapter, row);
      const found = await adapter.orderLookup!({
        connection: { row, credential, context: row.context ?? {}, settings: readSettings(adapter, row.config) },
        env: deps.env,
        fetch: deps.fetch,
        now: deps.now,
        signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS),
        email,
        limit,
      });
      await deps.kv.put(key, JSON.stringify(found), { expirationTtl: ORDERS_CACHE_TTL_SECONDS });
      orders.push(...found.map((o) => ({ ...o, source: row.provider })));
      sources.push({ provider: row.provider, ok: true, cached: false, error: null });
    } catch (error) {
      sources.push({ provider: row.provider, ok: false, cached: false, error: await failureText(deps, row, name, error) });
    }
  }
  orders.sort((a, b) => b.created_at.localeCompare(a.created_at));
  return { kind: "ok", orders: orders.slice(0, limit), sources };
}

async function failureText(deps: Deps, row: typeof connections.$inferSelect, name: string, error: unknown): Promise<string> {
  const known = await readFailureText(deps, row, name, error);
  if (known === null) throw error;
  return known;
}
