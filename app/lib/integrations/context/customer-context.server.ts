/**
 * `GET /v1/contacts/{email}/context`: one answer merging what every connected source knows about a
 * customer, for the AI agent to read before it answers. Each source is an adapter with a
 * `customerContext` hook (CRMs, help desks) or an `orderLookup` (stores); all are asked at once,
 * each within its own time budget: a source that is slow or fails is listed in `missing` and never
 * holds the others up. Each part carries its source and when it was fetched. Answers are kept
 * about a minute in KV (key: connection + SHA-256 of the email, never the email) and never
 * written to D1. docs/decisions/0091-customer-context.md.
 */
import { encodeHexLowerCase } from "@oslojs/encoding";
import * as z from "zod";
import type { Db } from "../../db/client";
import type { connections } from "../../db/schema";
import type { Env } from "../../env";
import type { CrmContext, HelpdeskContext, ProviderAdapter, StoreOrder } from "../adapter";
import { connectedTo } from "../connections.server";
import { loadCredential, readSettings } from "../pipeline.server";
import { readFailureText } from "../read-failure.server";
import { listAdapters, REGISTRY, type Registry } from "../registry";

/** KV's shortest expiry is 60 seconds: "about a minute". */
export const CONTEXT_CACHE_TTL_SECONDS = 60;
/** How long one source may take before it is reported missing (CUSTOMER_CONTEXT_BUDGET_MS overrides). */
export const DEFAULT_SOURCE_BUDGET_MS = 2500;
/** Orders a store contributes. */
const STORE_ORDERS = 5;

export type ContextKind = "crm" | "helpdesk" | "store";
type StorePart = { recent_orders: (StoreOrder & { source: string })[] };
type Found = { kind: "crm"; crm: CrmContext } | { kind: "helpdesk"; helpdesk: HelpdeskContext } | { kind: "store"; store: StorePart };
export type ContextPart = {
  source: string;
  source_name: string;
  kind: ContextKind;
  fetched_at: string;
  age_seconds: number;
  cached: boolean;
  /** false: the source answered and knows nobody by this email. */
  found: boolean;
} & Partial<{ crm: CrmContext; helpdesk: HelpdeskContext; store: StorePart }>;
export type MissingSource = { source: string; source_name: string; kind: ContextKind; reason: string };
export type ContextResult =
  | { kind: "no_source" }
  | { kind: "invalid_email" }
  | { kind: "ok"; email: string; parts: ContextPart[]; missing: MissingSource[] };

type Deps = { db: Db; kv: KVNamespace; env: Env; fetch: typeof fetch; now: () => Date };
type Row = typeof connections.$inferSelect;
type Cached = { fetched_at: string; found: Found | null };

const Email = z.email().max(254);

const kindOf = (adapter: ProviderAdapter): ContextKind | null =>
  adapter.customerContext ? (adapter.provider.category === "support" ? "helpdesk" : "crm") : adapter.orderLookup ? "store" : null;

export function sourceBudgetMs(env: Pick<Env, "CUSTOMER_CONTEXT_BUDGET_MS">): number {
  const n = Number(env.CUSTOMER_CONTEXT_BUDGET_MS);
  return Number.isFinite(n) && n >= 50 && n <= 30_000 ? Math.floor(n) : DEFAULT_SOURCE_BUDGET_MS;
}

async function cacheKey(connectionId: string, email: string) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(email.trim().toLowerCase()));
  return `context:${connectionId}:${encodeHexLowerCase(new Uint8Array(digest))}`;
}

class OverBudget extends Error {}

/** `work` within `ms`, or OverBudget: the timer wins even if the work ignores its abort signal. */
function withinBudget<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(new OverBudget());
      reject(new OverBudget());
    }, ms);
  });
  return Promise.race([work(controller.signal), late]).finally(() => clearTimeout(timer));
}

export async function customerContext(
  deps: Deps,
  { companyId, email: raw }: { companyId: string; email: string },
  registry: Registry = REGISTRY,
): Promise<ContextResult> {
  const sources = listAdapters(registry).filter((a) => kindOf(a));
  if (sources.length === 0) return { kind: "no_source" };
  const rows = await connectedTo({ db: deps.db, companyId, providers: sources.map((a) => a.id) });
  if (rows.length === 0) return { kind: "no_source" };
  const parsed = Email.safeParse(raw.trim());
  if (!parsed.success) return { kind: "invalid_email" };
  const email = parsed.data;
  const budget = sourceBudgetMs(deps.env);

  const settled = await Promise.all(
    rows.map(async (row) => {
      const adapter = sources.find((a) => a.id === row.provider)!;
      const kind = kindOf(adapter)!;
      const label = { source: row.provider, source_name: adapter.provider.name, kind };
      try {
        const { value, cached } = await withinBudget(budget, (signal) => askSource(deps, adapter, row, email, signal));
        return { part: partOf(label, value, cached, deps.now()) };
      } catch (error) {
        return { missing: { ...label, reason: await failureText(deps, row, adapter.provider.name, error, budget) } };
      }
    }),
  );
  return {
    kind: "ok",
    email,
    parts: settled.flatMap((s) => (s.part ? [s.part] : [])),
    missing: settled.flatMap((s) => (s.missing ? [s.missing] : [])),
  };
}

async function askSource(deps: Deps, adapter: ProviderAdapter, row: Row, email: string, signal: AbortSignal) {
  const key = await cacheKey(row.id, email);
  const hit = await deps.kv.get<Cached>(key, "json");
  if (hit && typeof hit.fetched_at === "string") return { value: hit, cached: true };
  const credential = await loadCredential(deps, adapter, row);
  const ctx = {
    connection: { row, credential, context: row.context ?? {}, settings: readSettings(adapter, row.config) },
    env: deps.env,
    fetch: deps.fetch,
    now: deps.now,
    signal,
    email,
  };
  let found: Found | null;
  if (adapter.customerContext) found = await adapter.customerContext(ctx);
  else {
    const orders = await adapter.orderLookup!({ ...ctx, limit: STORE_ORDERS });
    found = orders.length ? { kind: "store", store: { recent_orders: orders.map((o) => ({ ...o, source: row.provider })) } } : null;
  }
  const value: Cached = { fetched_at: deps.now().toISOString(), found };
  await deps.kv.put(key, JSON.stringify(value), { expirationTtl: CONTEXT_CACHE_TTL_SECONDS });
  return { value, cached: false };
}

function partOf(label: { source: string; source_name: string; kind: ContextKind }, value: Cached, cached: boolean, now: Date): ContextPart {
  const age = Math.max(0, Math.round((now.getTime() - Date.parse(value.fetched_at)) / 1000));
  const part: ContextPart = { ...label, fetched_at: value.fetched_at, age_seconds: age, cached, found: value.found !== null };
  if (value.found?.kind === "crm") part.crm = value.found.crm;
  if (value.found?.kind === "helpdesk") part.helpdesk = value.found.helpdesk;
  if (value.found?.kind === "store") part.store = value.found.store;
  return part;
}

async function failureText(deps: Deps, row: Row, name: string, error: unknown, budget: number): Promise<string> {
  if (error instanceof OverBudget) return `${name} did not answer within ${budget} ms.`;
  const known = await readFailureText(deps, row, name, error);
  if (known !== null) return known;
  console.error("customer context source failed", row.provider, error instanceof Error ? error.name : "unknown");
  return `${name} could not be asked.`;
}
