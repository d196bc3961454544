import { env, SELF } from "cloudflare:test";
import { createApiKey } from "~/lib/api-keys/keys.server";
import { createDb } from "~/lib/db/client";
import type { ApiScope } from "~/lib/db/schema";
import { apiScopes } from "~/lib/vocabulary";
import { TEST_API_KEY } from "../helpers/seed";
import { conformanceProblems } from "./openapi-conformance";

export const API = "http://localhost/v1";

/** A /v1 call; every response is checked against the OpenAPI document (openapi-conformance.ts). */
export async function api(
  path: string,
  {
    method = "GET",
    body,
    key = TEST_API_KEY,
    raw,
    headers = {},
  }: { method?: string; body?: unknown; key?: string | null; raw?: string; headers?: Record<string, string> } = {},
) {
  const h = new Headers(headers);
  if (key) h.set("Authorization", `Bearer ${key}`);
  let payload: string | undefined = raw;
  if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined && !h.has("Content-Type")) h.set("Content-Type", "application/json");
  const res = await SELF.fetch(`${API}${path}`, { method, headers: h, body: payload });
  const problems = await conformanceProblems(method, `${API}${path}`, res);
  if (problems.length) throw new Error(`response does not match the OpenAPI document:\n${problems.join("\n")}`);
  return res;
}

export async function newKey(companyId: string, scopes: ApiScope[] = [...apiScopes], name = "Test key") {
  const db = createDb(env.DB);
  return createApiKey({ db, companyId, actor: { type: "system", id: null, label: "test" }, now: new Date(), name, scopes });
}

export const validConversation = {
  contact: { email: "pat@example.com", name: "Pat" },
  subject: "Order #42",
  message: { body: "Where is my order?" },
};

export async function createConversationViaApi(key?: string) {
  const res = await api("/conversations", { method: "POST", body: validConversation, ...(key ? { key } : {}) });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; status: string };
}

export async function count(table: string, where = "1=1", ...binds: unknown[]) {
  const row = await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`)
    .bind(...binds)
    .first<{ n: number }>();
  return row!.n;
}
