import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { HSTS_VALUE } from "~/lib/http/headers";
import worker from "../../workers/app";
import { ORIGIN } from "../helpers/browser-client";
import { TEST_API_KEY } from "../helpers/seed";

async function fetchAs(environment: string, path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const res = await worker.fetch!(
    new Request(`${ORIGIN}${path}`, { redirect: "manual", ...init }) as never,
    { ...env, ENVIRONMENT: environment } as never,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

describe("Strict-Transport-Security (issue 16)", () => {
  const cases: [string, string, RequestInit?][] = [
    ["a page", "/login"],
    ["a redirect to sign in", "/integrations"],
    ["a 404 page", "/no-such-page"],
    ["/v1 with a key", "/v1/me", { headers: { Authorization: `Bearer ${TEST_API_KEY}` } }],
    ["/v1 without a key (401)", "/v1/me"],
    ["the OpenAPI document", "/v1/openapi.json"],
    ["Slack's events endpoint refusing an unsigned request", "/slack/events", { method: "POST", body: "{}" }],
    [
      "a forged page POST (403)",
      "/logout",
      { method: "POST", body: "x=1", headers: { "Content-Type": "application/x-www-form-urlencoded" } },
    ],
  ];

  it.each(cases)("%s carries HSTS in production", async (_name, path, init) => {
    const res = await fetchAs("production", path, init);
    expect(res.headers.get("Strict-Transport-Security"), `${path} → ${res.status}`).toBe(HSTS_VALUE);
  });

  it("outside production (http://localhost) no HSTS is sent", async () => {
    for (const [, path, init] of cases)
      expect((await fetchAs("development", path, init)).headers.get("Strict-Transport-Security")).toBeNull();
  });
});
