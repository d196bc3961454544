import type * as z from "zod";
import type { AuthenticatedKey } from "../api-keys/authenticate.server";
import type { Db } from "../db/client";
import type { Env } from "../env";
import type { LimitBucket } from "../security/limits.server";
import type { ApiScope } from "../vocabulary";

export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

export type ApiRequestContext<B, Q> = {
  request: Request;
  env: Env;
  ctx: ExecutionContext;
  db: Db;
  key: AuthenticatedKey;
  now: Date;
  params: Record<string, string>;
  body: B;
  query: Q;
};

export type ResponseDoc = { description: string; schema?: z.ZodType };

/**
 * One row of the /v1 route table: everything the router needs (method, path, scope, request
 * schemas) and everything the OpenAPI document says about it comes from the same object.
 */
export type ApiRoute<B = unknown, Q = unknown> = {
  method: HttpMethod;
  /** e.g. "/v1/conversations/:id" */
  path: string;
  /** null: any valid key may call it (then `scopeReason` must say why; the route inventory test checks). */
  scope: ApiScope | null;
  /** Why a route is open to every valid key, whatever its scopes. Required when scope is null. */
  scopeReason?: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  /** How the document describes each path parameter (default: "The {name} id."). */
  params?: Record<string, { description: string; example?: string }>;
  responses: Record<number, ResponseDoc>;
  /** A per-company budget this route spends one unit of (checked after validation, before the handler): 429 when spent. */
  companyLimit?: LimitBucket;
  /**
   * The handler calls beyond D1 (a provider's API). A GET without it runs beside the per-key limit
   * check, so a far location waits on storage once, not twice (ADR 0120); one with it runs only
   * once the limit allows it.
   */
  callsProviders?: true;
  handler: (c: ApiRequestContext<B, Q>) => Promise<Response>;
};

export function defineRoute<BS extends z.ZodType = z.ZodType<undefined>, QS extends z.ZodType = z.ZodType<undefined>>(
  route: Omit<ApiRoute<z.output<BS>, z.output<QS>>, "body" | "query"> & { body?: BS; query?: QS },
): ApiRoute {
  return route as unknown as ApiRoute;
}

export function jsonResponse(value: unknown, status = 200, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  h.set("Content-Type", "application/json");
  h.set("Cache-Control", "no-store");
  return new Response(JSON.stringify(value), { status, headers: h });
}
