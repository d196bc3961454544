import { createExecutionContext, env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { handleApiRequest } from "~/lib/api/handler.server";
import type { Env } from "~/lib/env";
import { handleBrowserRequest, MAX_FORM_BYTES } from "~/lib/http/browser.server";
import { MAX_BODY_BYTES as SLACK_MAX } from "~/lib/integrations/slack/inbound.server";
import { BrowserClient, ORIGIN } from "../helpers/browser-client";
import { ACME, TEST_API_KEY } from "../helpers/seed";

/** A body of `total` bytes sent in 16 KiB chunks with no Content-Length; `pulled()` says how much was read. */
function streamedBody(total: number, prefix = "") {
  let sent = 0;
  const chunk = new TextEncoder().encode("a".repeat(16 * 1024));
  const head = new TextEncoder().encode(prefix);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === 0 && head.byteLength) {
        controller.enqueue(head);
        sent += head.byteLength;
        return;
      }
      if (sent >= total) return controller.close();
      controller.enqueue(chunk);
      sent += chunk.byteLength;
    },
  });
  return { stream, pulled: () => sent };
}

const remixNeverCalled = async () => {
  throw new Error("Remix must not see an oversized body");
};

describe("body size caps before parsing", () => {
  it("a page POST streamed without Content-Length is cut at the cap with a 413, before the CSRF check reads it", async () => {
    const client = new BrowserClient();
    const csrf = await client.ensureCsrf();
    const body = streamedBody(8 * 1024 * 1024, `csrf=${csrf}&email=${encodeURIComponent(ACME.adminEmail)}&password=`);
    const request = new Request(`${ORIGIN}/login`, {
      method: "POST",
      body: body.stream,
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: ORIGIN, Cookie: `__Host-ih_csrf=${csrf}` },
      duplex: "half",
    } as RequestInit);
    const res = await handleBrowserRequest(request, env as Env, createExecutionContext(), remixNeverCalled);
    expect(res.status).toBe(413);
    expect(body.pulled()).toBeLessThan(MAX_FORM_BYTES + 64 * 1024);
  });

  it("a page POST with a declared Content-Length over the cap is refused without reading it", async () => {
    const client = new BrowserClient();
    await client.ensureCsrf();
    const res = await client.post("/login", { email: ACME.adminEmail, password: "x".repeat(MAX_FORM_BYTES) });
    expect(res.status).toBe(413);
  });

  it("/slack/events reads a chunked body only up to its cap", async () => {
    const body = streamedBody(8 * 1024 * 1024);
    const { handleSlackEvents } = await import("~/lib/integrations/slack/inbound.server");
    const request = new Request(`${ORIGIN}/slack/events`, {
      method: "POST",
      body: body.stream,
      headers: { "Content-Type": "application/json" },
      duplex: "half",
    } as RequestInit);
    const res = await handleSlackEvents(request, { ...(env as Env), SLACK_SIGNING_SECRET: "s3cret" });
    expect(res.status).toBe(413);
    expect(body.pulled()).toBeLessThan(SLACK_MAX + 64 * 1024);
  });

  it("a /v1 body streamed without Content-Length is cut at the cap with a 413 problem", async () => {
    const body = streamedBody(8 * 1024 * 1024);
    const request = new Request("http://localhost/v1/conversations", {
      method: "POST",
      body: body.stream,
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${TEST_API_KEY}` },
      duplex: "half",
    } as RequestInit);
    const res = await handleApiRequest(request, env as Env, createExecutionContext());
    expect(res.status).toBe(413);
    expect(body.pulled()).toBeLessThan(128 * 1024);
  });

  it("a /v1 body longer than its declared Content-Length is still refused at the cap, never stored", async () => {
    const body = streamedBody(8 * 1024 * 1024, '{"subject":"');
    const request = new Request("http://localhost/v1/conversations", {
      method: "POST",
      body: body.stream,
      headers: { "Content-Type": "application/json", "Content-Length": "100", Authorization: `Bearer ${TEST_API_KEY}` },
      duplex: "half",
    } as RequestInit);
    const res = await handleApiRequest(request, env as Env, createExecutionContext());
    expect([400, 413]).toContain(res.status);
    expect(body.pulled()).toBeLessThan(128 * 1024);
  });
});

describe("malformed cookies", () => {
  it("a POST with a malformed CSRF cookie is a 403, never a 500", async () => {
    const res = await SELF.fetch(`${ORIGIN}/login`, {
      method: "POST",
      body: new URLSearchParams({ csrf: "%E0%A4%A", email: ACME.adminEmail, password: "x" }),
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: ORIGIN, Cookie: "__Host-ih_csrf=%E0%A4%A" },
      redirect: "manual",
    });
    expect(res.status).toBe(403);
  });

  it("a page GET with a malformed CSRF cookie renders and is given a fresh cookie", async () => {
    const res = await SELF.fetch(`${ORIGIN}/login`, { headers: { Cookie: "__Host-ih_csrf=%zz" } });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("__Host-ih_csrf="))).toBe(true);
  });
});
