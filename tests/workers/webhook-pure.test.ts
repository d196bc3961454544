import { decodeBase64 } from "@oslojs/encoding";
import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_SCHEDULE, maxAttempts, nextRetryDelay, parseRetryAfter, retrySchedule } from "~/lib/webhooks/retry";
import { buildWebhookBody, generateSecret, signWebhook } from "~/lib/webhooks/signing";
import { checkResolvedHost, checkWebhookUrl, clearDnsCache, describeUrlRule, guardPolicy } from "~/lib/webhooks/url-guard";

const PROD = guardPolicy({ ENVIRONMENT: "production" });
const DEV_PRIVATE = guardPolicy({ ENVIRONMENT: "development", WEBHOOK_ALLOW_PRIVATE: "true" });

describe("signing", () => {
  it("a generated secret is whsec_ followed by base64 of 32 random bytes, different every time", () => {
    const a = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(decodeBase64(a.slice(6))).toHaveLength(32);
    expect(generateSecret()).not.toBe(a);
  });

  it("matches the Standard Webhooks reference vector", async () => {
    // From the Standard Webhooks specification's test suite.
    const headers = await signWebhook({
      id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
      timestamp: 1614265330,
      body: '{"test": 2432232314}',
      secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    });
    expect(headers["webhook-signature"]).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    expect(headers["webhook-id"]).toBe("msg_p5jXN8AQM9LWM0D4loKWxJek");
    expect(headers["webhook-timestamp"]).toBe("1614265330");
  });

  it("signs with every secret given, space-separated, current first", async () => {
    const [a, b] = [generateSecret(), generateSecret()];
    const both = await signWebhook({ id: "evt_1", timestamp: 1700000000, body: "{}", secrets: [a, b] });
    const onlyA = await signWebhook({ id: "evt_1", timestamp: 1700000000, body: "{}", secrets: [a] });
    const onlyB = await signWebhook({ id: "evt_1", timestamp: 1700000000, body: "{}", secrets: [b] });
    expect(both["webhook-signature"]).toBe(`${onlyA["webhook-signature"]} ${onlyB["webhook-signature"]}`);
  });

  it("one flipped byte of the body gives a different signature", async () => {
    const secret = generateSecret();
    const body = buildWebhookBody({
      id: "evt_1",
      type: "message.sent",
      createdAt: new Date(0),
      companyId: "co_acme",
      payload: { a: 1 },
      performedBy: { type: "ai", id: null, name: null },
    });
    const flipped = body.replace('"a":1', '"a":2');
    const s1 = await signWebhook({ id: "evt_1", timestamp: 1, body, secrets: [secret] });
    const s2 = await signWebhook({ id: "evt_1", timestamp: 1, body: flipped, secrets: [secret] });
    expect(s1["webhook-signature"]).not.toBe(s2["webhook-signature"]);
  });

  it("the body has exactly id, type, created_at, company_id, data and performed_by", () => {
    const body = JSON.parse(
      buildWebhookBody({
        id: "evt_1",
        type: "conversation.closed",
        createdAt: new Date("2026-01-01T00:00:00Z"),
        companyId: "co_acme",
        payload: { x: true },
        performedBy: { type: "agent", id: "usr_1", name: "John" },
      }),
    );
    expect(body).toEqual({
      id: "evt_1",
      type: "conversation.closed",
      created_at: "2026-01-01T00:00:00.000Z",
      company_id: "co_acme",
      data: { x: true },
      performed_by: { type: "agent", id: "usr_1", name: "John" },
    });
  });
});

describe("the retry schedule", () => {
  it("defaults to 5, 300, 1800, 7200, 18000, 36000, 36000 seconds: 8 attempts", () => {
    expect(retrySchedule({})).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
    expect(maxAttempts(DEFAULT_RETRY_SCHEDULE)).toBe(8);
  });

  it("WEBHOOK_RETRY_SCHEDULE overrides it, and a malformed value falls back to the default", () => {
    expect(retrySchedule({ WEBHOOK_RETRY_SCHEDULE: "1, 2,3" })).toEqual([1, 2, 3]);
    expect(retrySchedule({ WEBHOOK_RETRY_SCHEDULE: "1,banana" })).toBe(DEFAULT_RETRY_SCHEDULE);
    expect(retrySchedule({ WEBHOOK_RETRY_SCHEDULE: "-5" })).toBe(DEFAULT_RETRY_SCHEDULE);
  });

  it("the next delay follows the schedule with ±10 % jitter and ends after the last attempt", () => {
    const s = DEFAULT_RETRY_SCHEDULE;
    expect(nextRetryDelay({ attemptsMade: 3, schedule: s, random: () => 0.5 })).toBe(1800);
    expect(nextRetryDelay({ attemptsMade: 3, schedule: s, random: () => 0 })).toBe(1620);
    expect(nextRetryDelay({ attemptsMade: 3, schedule: s, random: () => 0.99999999 })).toBe(1980);
    expect(nextRetryDelay({ attemptsMade: 7, schedule: s, random: () => 0.5 })).toBe(36000);
    expect(nextRetryDelay({ attemptsMade: 8, schedule: s, random: () => 0.5 })).toBeNull();
  });

  it("Retry-After is clamped between 1× and 2× the scheduled delay, and the queue's 12 h cap holds", () => {
    const s = DEFAULT_RETRY_SCHEDULE;
    const mid = () => 0.5;
    expect(nextRetryDelay({ attemptsMade: 2, schedule: s, retryAfterSeconds: 10, random: mid })).toBe(300);
    expect(nextRetryDelay({ attemptsMade: 2, schedule: s, retryAfterSeconds: 450, random: mid })).toBe(450);
    expect(nextRetryDelay({ attemptsMade: 2, schedule: s, retryAfterSeconds: 99999, random: mid })).toBe(600);
    expect(nextRetryDelay({ attemptsMade: 7, schedule: s, retryAfterSeconds: 99999, random: mid })).toBe(43200);
  });

  it("Retry-After is read as seconds or as an HTTP-date, and garbage is ignored", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:02:00 GMT", now)).toBe(120);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe("the webhook URL guard", () => {
  const refusedEverywhere = [
    "https://169.254.169.254/latest/meta-data",
    "https://[fe80::1]/x",
    "https://[::ffff:169.254.169.254]/x",
    "https://user:pass@example.com/x",
    "https://metadata.google.internal/x",
    "https://printer.local/x",
    "ftp://example.com/x",
    "javascript:alert(1)",
    "not a url",
    `https://example.com/${"a".repeat(2048)}`,
  ];
  const privateAddresses = [
    "https://10.0.0.1/x",
    "https://172.16.5.4/x",
    "https://192.168.1.1/x",
    "https://100.64.0.1/x",
    "https://0.0.0.0/x",
    "https://[fc00::1]/x",
    "https://[fd12:3456::1]/x",
    "https://[::ffff:10.0.0.1]/x",
    "https://[::ffff:192.168.0.1]/x",
    "https://[::]/x",
    // IPv4-translated (RFC 2765), local-use NAT64 (RFC 8215) and Teredo forms (issue 16)
    "https://[::ffff:0:10.0.0.1]/x",
    "https://[::ffff:0:a9fe:a9fe]/x",
    "https://[64:ff9b:1::a9fe:a9fe]/x",
    "https://[64:ff9b:1:0:0:0:7f00:1]/x",
    "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x",
    "https://[2001::1]/x",
  ];
  const loopback = [
    "https://127.0.0.1/x",
    "https://127.1/x",
    "https://2130706433/x",
    "https://0x7f000001/x",
    "https://0177.0.0.1/x",
    "https://[::1]/x",
    "https://[::ffff:127.0.0.1]/x",
    "https://localhost/x",
    "https://api.localhost/x",
    "https://localhost./x",
  ];

  it.each(refusedEverywhere)("refuses %s in production and in development", (url) => {
    expect(checkWebhookUrl(url, PROD).ok).toBe(false);
    expect(checkWebhookUrl(url, DEV_PRIVATE).ok).toBe(false);
  });

  it.each(privateAddresses)("refuses the private address %s even when private URLs are allowed in development", (url) => {
    expect(checkWebhookUrl(url, PROD).ok).toBe(false);
    expect(checkWebhookUrl(url, DEV_PRIVATE).ok).toBe(false);
  });

  it.each(loopback)("refuses the loopback URL %s in production but allows it in development with WEBHOOK_ALLOW_PRIVATE", (url) => {
    expect(checkWebhookUrl(url, PROD).ok).toBe(false);
    expect(checkWebhookUrl(url, DEV_PRIVATE).ok).toBe(true);
  });

  it("the scheme error states the rule of the environment it runs in", () => {
    expect(checkWebhookUrl("ftp://hooks.example.com/x", PROD)).toEqual({ ok: false, reason: "The URL must start with https://." });
    expect(checkWebhookUrl("http://hooks.example.com/x", PROD)).toEqual({ ok: false, reason: "The URL must start with https://." });
    expect(checkWebhookUrl("ftp://hooks.example.com/x", DEV_PRIVATE)).toEqual({
      ok: false,
      reason: "The URL must start with https:// or http://.",
    });
    expect(checkWebhookUrl("http://hooks.example.com/x", DEV_PRIVATE).ok).toBe(true);
    expect(describeUrlRule(PROD)).toMatch(/^Must start with https:\/\//);
    expect(describeUrlRule(DEV_PRIVATE)).toContain("development environment: http:// and loopback addresses");
  });

  it("WEBHOOK_ALLOW_PRIVATE is ignored outside development", () => {
    for (const ENVIRONMENT of ["production", "test", undefined]) {
      expect(checkWebhookUrl("http://127.0.0.1:8788/", guardPolicy({ ENVIRONMENT, WEBHOOK_ALLOW_PRIVATE: "true" })).ok).toBe(false);
    }
  });

  it("production wants https on the default port; development allows http and other ports", () => {
    expect(checkWebhookUrl("https://hooks.example.com/in", PROD).ok).toBe(true);
    expect(checkWebhookUrl("https://hooks.example.com:443/in", PROD).ok).toBe(true);
    expect(checkWebhookUrl("http://hooks.example.com/in", PROD).ok).toBe(false);
    expect(checkWebhookUrl("https://hooks.example.com:8443/in", PROD).ok).toBe(false);
    expect(checkWebhookUrl("http://hooks.example.com:8080/in", DEV_PRIVATE).ok).toBe(true);
    expect(checkWebhookUrl("https://93.184.216.34/in", PROD).ok).toBe(true);
    expect(checkWebhookUrl("https://[2606:4700::1111]/in", PROD).ok).toBe(true);
  });

  it("a URL of exactly 2048 characters is accepted and one more is refused", () => {
    const base = "https://example.com/";
    expect(checkWebhookUrl(base + "a".repeat(2048 - base.length), PROD).ok).toBe(true);
    expect(checkWebhookUrl(base + "a".repeat(2049 - base.length), PROD).ok).toBe(false);
  });

  it("in production a name resolving into a private range is refused, answers are cached, and a failed lookup refuses", async () => {
    clearDnsCache();
    let lookups = 0;
    const resolve = async (host: string) => {
      lookups++;
      return host === "evil.example.com" ? ["93.184.216.34", "10.0.0.1"] : ["93.184.216.34"];
    };
    expect((await checkResolvedHost(new URL("https://evil.example.com/"), PROD, resolve)).ok).toBe(false);
    expect((await checkResolvedHost(new URL("https://good.example.com/"), PROD, resolve)).ok).toBe(true);
    expect((await checkResolvedHost(new URL("https://good.example.com/"), PROD, resolve)).ok).toBe(true);
    expect(lookups).toBe(2);
    const failing = async () => {
      throw new Error("timeout");
    };
    expect((await checkResolvedHost(new URL("https://down.example.com/"), PROD, failing)).ok).toBe(false);
    // Outside production there is no lookup at all.
    expect((await checkResolvedHost(new URL("https://down.example.com/"), DEV_PRIVATE, failing)).ok).toBe(true);
  });
});
