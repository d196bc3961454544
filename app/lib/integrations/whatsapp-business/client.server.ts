/**
 * The few Cloud API (Graph) calls the app makes. The base URL comes from env (`WHATSAPP_API_BASE`,
 * default https://graph.facebook.com), so the sandbox and the real API are the same code path.
 * Errors come back in Graph's shape `{ error: { message, type, code } }`; code 190 (or a 401) means
 * the access token is no good.
 */
import type { Env } from "../../env";

export const GRAPH_VERSION = "v26.0";
export const REAL_API_BASE = "https://graph.facebook.com";
export const MAX_TEXT_LENGTH = 4096;

export type GraphDeps = { env: Env; fetch: typeof fetch; signal?: AbortSignal };

export function whatsAppApiBase(env: Env): string {
  const v = env.WHATSAPP_API_BASE;
  return (typeof v === "string" && v.trim() ? v.trim() : REAL_API_BASE).replace(/\/+$/, "");
}

export function isWhatsAppSandboxed(env: Env): boolean {
  return whatsAppApiBase(env) !== REAL_API_BASE;
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
}

async function call<T>(deps: GraphDeps, token: string, method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const res = await deps.fetch(`${whatsAppApiBase(deps.env)}/${GRAPH_VERSION}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, Accept: "application/json", ...(body ? { "Content-Type": "application/json" } : {}) },
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

/** `GET /{phone-number-id}`: proves the token can use this number, and names it. */
export async function getPhoneNumber(deps: GraphDeps, input: { token: string; phoneNumberId: string }): Promise<PhoneNumberInfo> {
  const data = await call<{ id?: unknown; display_phone_number?: unknown; verified_name?: unknown }>(
    deps,
    input.token,
    "GET",
    `/${encodeURIComponent(input.phoneNumberId)}?fields=id,display_phone_number,verified_name`,
  );
  return {
    id: typeof data?.id === "string" ? data.id : input.phoneNumberId,
    displayPhoneNumber: typeof data?.display_phone_number === "string" ? data.display_phone_number : null,
    verifiedName: typeof data?.verified_name === "string" ? data.verified_name : null,
  };
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
  input: { token: string; phoneNumberId: string; body: OutboundBody },
): Promise<{ wamid: string }> {
  const data = await call<{ messages?: { id?: unknown }[] }>(
    deps,
    input.token,
    "POST",
    `/${encodeURIComponent(input.phoneNumberId)}/messages`,
    input.body,
  );
  const wamid = data?.messages?.[0]?.id;
  if (typeof wamid !== "string") throw new GraphApiError("The Cloud API answered without a message id", 502, null, null);
  return { wamid };
}
