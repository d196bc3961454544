import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { type RunningApp, startApp } from "./app-server";
import { launchBrowser } from "./browser";

/**
 * A test file's own app instance (`npm start` with extra env, its own state and sandbox) and browser,
 * started once before the file's tests and stopped after them. Read `app` and `browser` inside tests.
 */
export function ownApp(env: Record<string, string>) {
  const own = { app: undefined as unknown as RunningApp, browser: undefined as unknown as Browser };
  beforeAll(async () => {
    own.app = await startApp({ env });
    own.browser = await launchBrowser();
  });
  afterAll(async () => {
    await own.browser?.close();
    await own.app?.stop();
  });
  return own;
}

/** A /v1 caller with a key (or `init.key`); a non-2xx answer fails the test and shows the body. */
export function v1Client(baseURL: () => string, key: string) {
  return async <T = any>(path: string, init: { method?: string; body?: unknown; key?: string } = {}): Promise<T> => {
    const res = await fetch(`${baseURL()}/v1${path}`, {
      method: init.method ?? "GET",
      headers: { Authorization: `Bearer ${init.key ?? key}`, "Content-Type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    return res.json() as Promise<T>;
  };
}

/** A provider fake's records, as `/__sandbox/state/{provider}` shows them. */
export const sandboxState = async (sandboxURL: string | undefined, provider: string) =>
  (await fetch(`${sandboxURL}/__sandbox/state/${provider}`)).json() as Promise<Record<string, any[]>>;

/** Waits for a state (deliveries and inbound work run on the app's queues), not for a time; the bound only ends a hung test. */
export async function until<T>(read: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
