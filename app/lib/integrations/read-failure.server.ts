import type { Db } from "../db/client";
import { NeedsReauthError } from "./access.server";
import { type ConnectionRow, markRefused } from "./connections.server";
import { ProviderApiError } from "./provider-http.server";

/**
 * Why a read from a provider (an order lookup, a customer-context part) failed, in words for the
 * caller; a 401 also marks the connection as needing a reconnect. null: an error nobody expected.
 */
export async function readFailureText(
  deps: { db: Db; now: () => Date },
  row: Pick<ConnectionRow, "id" | "companyId">,
  name: string,
  error: unknown,
): Promise<string | null> {
  if (error instanceof NeedsReauthError) return `${name} needs to be reconnected.`;
  if (error instanceof ProviderApiError) {
    if (error.status === 401) {
      await markRefused({ db: deps.db, connection: row, now: deps.now(), name });
      return `${name} refused our access; reconnect it.`;
    }
    if (error.status === 429)
      return `${name} is rate limiting us${error.retryAfterSeconds ? `; retry in ${error.retryAfterSeconds} s` : ""}.`;
    return error.message.slice(0, 300);
  }
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return `${name} did not answer in time.`;
  return null;
}
