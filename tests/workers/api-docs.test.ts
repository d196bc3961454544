import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { apiRoutes } from "~/lib/api/routes/index.server";
import { webhookEventTypes } from "~/lib/db/schema";
import { signIn } from "../helpers/browser-client";
import { ACME } from "../helpers/seed";

describe("/docs/api", () => {
  it("is public, server-rendered and lists every operation, the six events and the signature recipe", async () => {
    const res = await SELF.fetch("http://localhost/docs/api", { redirect: "manual" });
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const route of apiRoutes) expect(html).toContain(`id="${route.operationId}"`);
    for (const route of apiRoutes) expect(html).toContain(route.path.replace(/:([A-Za-z_]+)/g, "{$1}"));
    for (const type of webhookEventTypes) expect(html).toContain(`id="event-${type}"`);
    for (const text of [
      "webhook-signature",
      "standardwebhooks",
      "timingSafeEqual",
      "Retry-After",
      "next_cursor",
      "application/problem+json",
      "curl -X POST",
      "Authorization: Bearer $API_KEY",
    ]) {
      expect(html).toContain(text);
    }
    expect(html).toContain('href="/v1/openapi.json"');
  });
});

describe("/docs/api: the typed event catalog", () => {
  it("each event type has its meaning, its schema's fields (linked to the schema) and an example", async () => {
    const html = (await (await SELF.fetch("http://localhost/docs/api")).text()).replace(/<script[\s\S]*?<\/script>/g, "");
    for (const type of webhookEventTypes) {
      const at = html.indexOf(`id="event-${type}"`);
      const section = html.slice(at, html.indexOf("</section>", html.indexOf("</table>", at)) + 2000);
      expect(section).toContain(`Fields of ${type}`);
      expect(section).toContain(`aria-label="Example ${type} body"`);
      expect(section).toContain("performed_by");
    }
    expect(html).toContain('href="#schema-MessageWithConversation"');
    expect(html).toContain('id="schema-EscalationTriggeredEvent"');
  });

  it("Add Webhook says what each event will deliver, without JS (a details disclosure)", async () => {
    const admin = await signIn(ACME.adminEmail);
    const html = await (await admin.get("/integrations/developers/webhooks/new")).text();
    expect(html).toMatch(/<summary[^>]*>What will I receive\?<\/summary>/);
    for (const type of webhookEventTypes) expect(html).toMatch(new RegExp(`<summary[^>]*>${type.replace(".", "\\.")}</summary>`));
    expect(html).toContain("&quot;type&quot;: &quot;escalation.triggered&quot;");
    expect(html).toContain('href="/docs/api#events"');
  });
});

describe("/docs/api reads as documentation", () => {
  /** What a reader sees: the HTML without the hydration data in <script> tags. */
  async function page() {
    return (await (await SELF.fetch("http://localhost/docs/api")).text()).replace(/<script[\s\S]*?<\/script>/g, "");
  }

  it("renders the descriptions' Markdown instead of showing backticks", async () => {
    const html = await page();
    expect(html.match(/.{60}`[a-z_.]+`.{20}/s)?.[0] ?? null).toBeNull();
    expect(html).not.toContain("**");
    expect(html).toContain("<code>conversation.created</code>");
  });

  it("shows request bodies as fields with linked schemas and an example, never as raw $ref JSON", async () => {
    const html = await page();
    expect(html).not.toContain("$ref");
    expect(html).not.toContain("#/components/schemas/");
    expect(html).not.toContain("9007199254740991");
    // every linked schema has its section
    for (const [, name] of html.matchAll(/href="#schema-([A-Za-z0-9_]+)"/g)) expect(html).toContain(`id="schema-${name}"`);
    expect(html).toContain('aria-label="Example request body of POST /v1/conversations"');
    expect(html).toContain("pat@example.com");
    expect(html).toMatch(/<caption class="sr-only">Request body of POST \/v1\/conversations<\/caption>/);
  });

  it("names no internal setting", async () => {
    const html = await page();
    // $API_BASE, $API_KEY and WEBHOOK_SECRET are variables the examples ask the reader to set; nothing else in capitals
    const names = [...html.matchAll(/\b[A-Z]{3,}_[A-Z_]{3,}\b/g)].map((m) => m[0]);
    expect(names.filter((n) => !["API_BASE", "API_KEY", "WEBHOOK_SECRET"].includes(n))).toEqual([]);
  });
});
