/**
 * The few Cloud API (Graph) calls the app makes. The base URL comes from env (`WHATSAPP_API_BASE`,
 * default https://graph.facebook.com), so the sandbox and the real API are the same code path.
 * Errors come back in Graph's shape `{ error: { message, type, code } }`; code 190 (or a 401) means
 * the access token is no good. Every call carries `appsecret_proof` (HMAC-SHA256 of the token keyed
 * with the app secret): Graph refuses a wrong one, which is how connecting checks the app secret,
 * and apps that turn on "Require app secret" need it on every call.
 */
import { encodeHexLowerCase } from "@oslojs/encoding";
import type { Env } from "../../env";

export const GRAPH_VERSION = "v26.0";
export const REAL_API_BASE = "https://graph.facebook.com";
export const MAX_TEXT_LENGTH = 4096;

export type GraphDeps = { env: Env; fetch: typeof fetch; signal?: AbortSignal };

export function whatsAppApiBase(env: Env): string {
  const v = env.WHATSAPP_API_BASE;
  return (typeof v === "string" && v.trim() ? v.trim() : REAL_API_BASE).replace(/\/+$/, "");
}

export class GraphApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: number | null,
    readonly retryAfterSeconds: number | null,
  ) {
    super(message);
    this.name = "GraphApiError";
  }
  /** The token is invalid, expired or revoked. */
  get badToken() {
    return this.status === 401 || this.code === 190;
  }
  /** Graph did not accept our appsecret_proof: the app secret is not the token's app's. */
  get badAppSecret() {
    return this.code === 100 && /appsecret_proof/i.test(this.message);
  }
}

/** The token and app secret a call is made with. */
export type GraphAuth = { token: string; appSecret: string };

async function appSecretProof({ token, appSecret }: GraphAuth): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(appSecret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return encodeHexLowerCase(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(token))));
}

async function call<T>(deps: GraphDeps, auth: GraphAuth, method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const url = new URL(`${whatsAppApiBase(deps.env)}/${GRAPH_VERSION}${path}`);
  url.searchParams.set("appsecret_proof", await appSecretProof(auth));
  const res = await deps.fetch(url, {
    method,
    headers: {
      Authorization: `Bearer ${auth.token}`,
      Accept: "application/json",
      ...(body ? { "Content-Type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
    redirect: "manual",
    signal: deps.signal,
  });
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const error = (data as { error?: { message?: unknown; code?: unknown } } | null)?.error;
    const message = typeof error?.message === "string" ? error.message.slice(0, 300) : `HTTP ${res.status}`;
    const retryAfter = Number(res.headers.get("retry-after"));
    throw new GraphApiError(
      message,
      res.status,
      typeof error?.code === "number" ? error.code : null,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
    );
  }
  return data as T;
}

export type PhoneNumberInfo = { id: string; displayPhoneNumber: string | null; verifiedName: string | null };

/** `GET /{phone-number-id}`: proves the token (and app secret) can use this number, and names it. */
export async function getPhoneNumber(deps: GraphDeps, input: GraphAuth & { phoneNumberId: string }): Promise<PhoneNumberInfo> {
  const data = await call<{ id?: unknown; display_phone_number?: unknown; verified_name?: unknown }>(
    deps,
    input,
    "GET",
    `/${encodeURIComponent(input.phoneNumberId)}?fields=id,display_phone_number,verified_name`,
  );
  return {
    id: typeof data?.id === "string" ? data.id : input.phoneNumberId,
    displayPhoneNumber: typeof data?.display_phone_number === "string" ? data.display_phone_number : null,
    verifiedName: typeof data?.verified_name === "string" ? data.verified_name : null,
  };
}

const MAX_PAGES = 5;
type PhoneNumberPage = { data?: { id?: unknown }[]; paging?: { cursors?: { after?: unknown }; next?: unknown } } | null;

/**
 * `GET /{waba-id}/phone_numbers`: whether the phone number belongs to this WhatsApp Business
 * Account (following the `after` cursor for a few pages of 100).
 */
export async function businessAccountHasNumber(
  deps: GraphDeps,
  input: GraphAuth & { businessAccountId: string; phoneNumberId: string },
): Promise<boolean> {
  let after: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query: URLSearchParams = new URLSearchParams({ fields: "id", limit: "100", ...(after ? { after } : {}) });
    const data: PhoneNumberPage = await call<PhoneNumberPage>(
      deps,
      input,
      "GET",
      `/${encodeURIComponent(input.businessAccountId)}/phone_numbers?${query}`,
    );
    if (data?.data?.some((n) => n?.id === input.phoneNumberId)) return true;
    const cursor: unknown = data?.paging?.cursors?.after;
    if (!data?.paging?.next || typeof cursor !== "string") return false;
    after = cursor;
  }
  return false;
}

export type OutboundBody =
  | { messaging_product: "whatsapp"; recipient_type: "individual"; to: string; type: "text"; text: { body: string; preview_url: false } }
  | {
      messaging_product: "whatsapp";
      recipient_type: "individual";
      to: string;
      type: "template";
      template: { name: string; language: { code: string } };
    };

export function textMessage(to: string, body: string): OutboundBody {
  const clipped = body.length > MAX_TEXT_LENGTH ? `${body.slice(0, MAX_TEXT_LENGTH - 1)}…` : body;
  return { messaging_product: "whatsapp", recipient_type: "individual", to, type: "text", text: { body: clipped, preview_url: false } };
}

export function templateMessage(to: string, template: { name: string; language: string }): OutboundBody {
  return {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to,
    type: "template",
    template: { name: template.name, language: { code: template.language } },
  };
}

/** `POST /{phone-number-id}/messages` → the wamid Meta gave the message. */
export async function sendMessage(
  deps: GraphDeps,
  input: GraphAuth & { phoneNumberId: string; body: OutboundBody },
): Promise<{ wamid: string }> {
  const data = await call<{ messages?: { id?: unknown }[] }>(
    deps,
    input,
    "POST",
    `/${encodeURIComponent(input.phoneNumberId)}/messages`,
    input.body,
  );
  const wamid = data?.messages?.[0]?.id;
  if (typeof wamid !== "string") throw new GraphApiError("The Cloud API answered without a message id", 502, null, null);
  return { wamid };
}
