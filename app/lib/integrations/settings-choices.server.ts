/**
 * Settings pickers whose choices come from the provider (an adapter's `settingsChoices`): read with
 * the connection's credential, kept 5 minutes in KV per connection (Refresh forgets them), and the
 * check that a saved value is one of them. A provider that cannot be asked is a readable message,
 * never a 500; a refused credential marks the connection for reconnecting.
 */
import type { Db } from "../db/client";
import type { Env } from "../env";
import { NeedsReauthError } from "./access.server";
import type { ConnectionRow, ProviderAdapter, SettingsChoice } from "./adapter";
import { markRefused } from "./connections.server";
import { loadCredential, readSettings } from "./pipeline.server";
import { ProviderApiError } from "./provider-http.server";

export const CHOICES_CACHE_TTL_SECONDS = 300;
const READ_TIMEOUT_MS = 10_000;
const cacheKey = (connectionId: string) => `settings_choices:${connectionId}`;

export type Choices = Record<string, SettingsChoice[]>;
export type ChoicesResult = { ok: true; choices: Choices } | { ok: false; choices: Choices; error: string };

type Deps = { db: Db; kv: KVNamespace; env: Env; fetch: typeof fetch; now: () => Date };

export async function loadSettingsChoices(deps: Deps, adapter: ProviderAdapter, row: ConnectionRow): Promise<ChoicesResult> {
  if (!adapter.settingsChoices) return { ok: true, choices: {} };
  const cached = await deps.kv.get<Choices>(cacheKey(row.id), "json");
  if (cached && typeof cached === "object") return { ok: true, choices: cached };
  const name = adapter.provider.name;
  try {
    const credential = await loadCredential(deps, adapter, row);
    const choices = await adapter.settingsChoices({
      connection: { row, credential, context: row.context ?? {}, settings: readSettings(adapter, row.config) },
      env: deps.env,
      fetch: deps.fetch,
      now: deps.now,
      signal: AbortSignal.timeout(READ_TIMEOUT_MS),
    });
    await deps.kv.put(cacheKey(row.id), JSON.stringify(choices), { expirationTtl: CHOICES_CACHE_TTL_SECONDS });
    return { ok: true, choices };
  } catch (error) {
    if (error instanceof NeedsReauthError)
      return { ok: false, choices: {}, error: `${name} needs to be reconnected before its lists can be read.` };
    if (error instanceof ProviderApiError) {
      if (error.status === 401) {
        await markRefused({ db: deps.db, connection: row, now: deps.now(), name });
        return { ok: false, choices: {}, error: `${name} refused our access. Reconnect ${name}, then choose again.` };
      }
      if (error.status === 429) return { ok: false, choices: {}, error: `${name} is rate limiting us. Wait a minute, then press Refresh.` };
      return { ok: false, choices: {}, error: `${name} could not list the choices (${error.message}). Press Refresh to try again.` };
    }
    throw error;
  }
}

export function forgetSettingsChoices(kv: KVNamespace, connectionId: string) {
  return kv.delete(cacheKey(connectionId));
}

/**
 * Field errors for picker values that are not among the provider's choices ("" means none chosen).
 * Without the list nothing can be checked, so nothing is saved (a form error, key "").
 */
export function checkChoices(values: Record<string, unknown>, result: ChoicesResult): Record<string, string[]> {
  if (!result.ok) return { "": [result.error] };
  const errors: Record<string, string[]> = {};
  for (const [field, list] of Object.entries(result.choices)) {
    const value = values[field];
    if (typeof value !== "string" || value === "") continue;
    if (!list.some((c) => c.value === value)) errors[field] = ["That choice is not available any more. Press Refresh and choose again."];
  }
  return errors;
}
