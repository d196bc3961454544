import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { apiRoutes } from "~/lib/api/routes/index.server";
import { webhookEventTypes } from "~/lib/db/schema";

describe("/docs/api", () => {
  it("is public, server-rendered and lists every operation, the six events and the signature recipe", async () => {
    const res = await SELF.fetch("http://localhost/docs/api", { redirect: "manual" });
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const route of apiRoutes) expect(html).toContain(`id="${route.operationId}"`);
    for (const route of apiRoutes) expect(html).toContain(route.path.replace(/:([a-z]+)/g, "{$1}"));
    for (const type of webhookEventTypes) expect(html).toContain(`id="event-${type}"`);
    for (const text of ["webhook-signature", "standardwebhooks", "timingSafeEqual", "Retry-After", "next_cursor", "application/problem+json", "curl -X POST", "Authorization: Bearer $API_KEY"]) {
      expect(html).toContain(text);
    }
    expect(html).toContain('href="/v1/openapi.json"');
  });
});
