import { userActor } from "../audit.server";
import type { CurrentUser } from "../auth/users.server";
import { createDb } from "../db/client";
import type { Env } from "../env";
import { keyringFromEnv } from "../security/encryption";
import type { EndpointDeps } from "./endpoints.server";
import { guardPolicy } from "./url-guard";

/** The deps a signed-in admin's webhook actions run with (routes build them here, in one place). */
export async function endpointDepsForUser(env: Env, user: CurrentUser, ip: string | null): Promise<EndpointDeps> {
  return {
    db: createDb(env.DB),
    ring: await keyringFromEnv(env),
    policy: guardPolicy(env),
    companyId: user.company.id,
    actor: userActor(user),
    now: new Date(),
    ip,
  };
}
