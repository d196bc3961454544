/**
 * The one place that turns the Worker's bindings into the dependencies lib code takes
 * (`{ db, kv, env, fetch, now }` and what hangs off them). Routes, /v1 handlers and queue
 * consumers all build their dependencies here, so a new binding or a changed policy is wired once.
 */
import type { AuthenticatedKey } from "./api-keys/authenticate.server";
import { type AuditActor, userActor } from "./audit.server";
import type { CurrentUser } from "./auth/users.server";
import { createDb, type Db } from "./db/client";
import type { Env } from "./env";
import { registryDeliverers } from "./integrations/pipeline.server";
import { keyringFromEnv } from "./security/encryption";
import type { ConsumerDeps } from "./webhooks/consumer.server";
import type { EndpointDeps } from "./webhooks/endpoints.server";
import { retrySchedule, SEND_TIMEOUT_MS } from "./webhooks/retry";
import { dohResolver, guardPolicy } from "./webhooks/url-guard";

/** Deliveries one consumer invocation sends at once. */
export const MAX_IN_FLIGHT = 6;

// Late-bound so the global fetch in effect at call time is used (tests swap it per test).
const globalFetch: typeof fetch = (input, init) => fetch(input, init);

export type AppDeps = { db: Db; kv: KVNamespace; env: Env; fetch: typeof fetch; now: () => Date };

/** The common dependencies: storage, the environment, the network and the clock. */
export function appDeps(env: Env): AppDeps {
  return { db: createDb(env.DB), kv: env.KV, env, fetch: globalFetch, now: () => new Date() };
}

/** Who acts and for which company: every write is scoped to `companyId` and audited as `actor`. */
export type Caller = { companyId: string; actor: AuditActor; ip: string | null };

export function userCaller(user: CurrentUser, ip: string | null): Caller {
  return { companyId: user.company.id, actor: userActor(user), ip };
}

export function apiKeyCaller(key: AuthenticatedKey, ip: string | null): Caller {
  return { companyId: key.companyId, actor: { type: "api_key", id: key.id, label: key.name }, ip };
}

/**
 * What webhook endpoint actions (create, edit, rotate, test, resend) run with. `db` and `now`
 * may come from the caller's request (the /v1 handler already holds both).
 */
export async function endpointDeps(env: Env, caller: Caller, request: { db?: Db; now?: Date } = {}): Promise<EndpointDeps> {
  return {
    db: request.db ?? createDb(env.DB),
    ring: await keyringFromEnv(env),
    policy: guardPolicy(env),
    companyId: caller.companyId,
    actor: caller.actor,
    now: request.now ?? new Date(),
    ip: caller.ip,
  };
}

/** What one signed delivery attempt runs with: the deliveries consumer and the Test button. */
export async function deliveryDeps(env: Env, overrides: Partial<ConsumerDeps> = {}): Promise<ConsumerDeps> {
  const f = overrides.fetch ?? globalFetch;
  return {
    db: createDb(env.DB),
    env,
    ring: await keyringFromEnv(env),
    fetch: f,
    resolve: dohResolver(f),
    now: () => new Date(),
    timeoutMs: SEND_TIMEOUT_MS,
    // The engine knows no integration: the registry's deliverers are handed to it here.
    deliverers: registryDeliverers(),
    random: Math.random,
    schedule: retrySchedule(env),
    concurrency: MAX_IN_FLIGHT,
    // A failed attempt's retry is a new message for the next attempt (webhooks/consumer).
    queue: env.DELIVERIES,
    ...overrides,
  };
}
