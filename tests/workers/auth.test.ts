import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BrowserClient, ORIGIN, signIn } from "../helpers/browser-client";
import { ACME, DEMO_PASSWORD } from "../helpers/seed";

describe("sign-in", () => {
  it("an admin with the right password lands on the page they asked for, with a fresh session cookie", async () => {
    const client = new BrowserClient();
    const res = await client.post("/login", { email: "John@Acme.com ", password: DEMO_PASSWORD, redirectTo: "/integrations/available" });
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/integrations/available");
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("__Host-ih_session="));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).not.toMatch(/Domain=/i);
    const page = await client.get("/integrations");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Acme Corporation");
  });

  it("the CSRF cookie is __Host-, Secure, HttpOnly and SameSite=Lax", async () => {
    const res = await SELF.fetch(`${ORIGIN}/login`);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("__Host-ih_csrf="));
    expect(cookie).toMatch(/; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
  });

  it("a wrong password is refused with a 400 that keeps the email and not the password", async () => {
    const client = new BrowserClient();
    const res = await client.post("/login", { email: "john@acme.com", password: "wrong-password" });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("The email or password is incorrect.");
    expect(html).toContain('value="john@acme.com"');
    expect(html).not.toContain("wrong-password");
    expect(client.cookies.has("__Host-ih_session")).toBe(false);
  });

  it("an unknown user gets the same message as a wrong password", async () => {
    const res = await new BrowserClient().post("/login", { email: "nobody@acme.com", password: "whatever" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("The email or password is incorrect.");
  });

  it("a malformed email is a 400 with a field error", async () => {
    const res = await new BrowserClient().post("/login", { email: "not-an-email", password: "x" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Enter a valid email address");
  });

  it("five failures lock the account for a while, even with the right password, and say so", async () => {
    const client = new BrowserClient();
    for (let i = 0; i < 5; i++) {
      const r = await client.post("/login", { email: "admin@globex.com", password: `nope-${i}` });
      expect(r.status).toBe(400);
    }
    const locked = await client.post("/login", { email: "admin@globex.com", password: DEMO_PASSWORD });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await locked.text()).toContain("Too many failed sign-in attempts");
  });

  it("too many failures from one IP lock that IP out across accounts", { timeout: 60_000 }, async () => {
    const client = new BrowserClient();
    const ip = { "CF-Connecting-IP": "203.0.113.9" };
    for (let i = 0; i < 30; i++) {
      await client.post("/login", { email: `user${i}@example.com`, password: "x" }, { headers: ip });
    }
    const res = await client.post("/login", { email: ACME.adminEmail, password: DEMO_PASSWORD }, { headers: ip });
    expect(res.status).toBe(429);
    const other = await client.post(
      "/login",
      { email: ACME.adminEmail, password: DEMO_PASSWORD },
      { headers: { "CF-Connecting-IP": "203.0.113.10" } },
    );
    expect(other.status).toBe(302);
  });

  it("redirectTo is limited to same-origin paths", async () => {
    for (const evil of ["https://evil.example/x", "//evil.example", "/\\evil.example", "javascript:alert(1)", "/\t/evil.example"]) {
      const res = await new BrowserClient().post("/login", { email: ACME.adminEmail, password: DEMO_PASSWORD, redirectTo: evil });
      expect(res.status).toBe(302);
      expect(res.headers.get("Location")).toBe("/integrations");
    }
  });

  it("sign-out ends the session: the old cookie no longer opens the page", async () => {
    const client = await signIn(ACME.adminEmail);
    const stolen = client.cookies.get("__Host-ih_session")!;
    const res = await client.post("/logout");
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/login");
    const replay = await SELF.fetch(`${ORIGIN}/integrations`, { headers: { Cookie: `__Host-ih_session=${stolen}` }, redirect: "manual" });
    expect(replay.status).toBe(302);
    expect(replay.headers.get("Location")).toBe("/login?redirectTo=%2Fintegrations");
  });

  it("a tampered session cookie is ignored", async () => {
    const client = await signIn(ACME.adminEmail);
    const cookie = client.cookies.get("__Host-ih_session")!;
    const tampered = cookie.replace(/^.{6}/, "AAAAAA");
    const res = await SELF.fetch(`${ORIGIN}/integrations`, { headers: { Cookie: `__Host-ih_session=${tampered}` }, redirect: "manual" });
    expect(res.status).toBe(302);
  });
});

describe("access to /integrations", () => {
  it("a visitor is redirected to /login with redirectTo", async () => {
    const res = await SELF.fetch(`${ORIGIN}/integrations`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/login?redirectTo=%2Fintegrations");
  });

  it("an agent gets a 403 page on every tab", async () => {
    const agent = await signIn(ACME.agentEmail);
    for (const path of ["/integrations", "/integrations/available", "/integrations/developers"]) {
      const page = await agent.get(path);
      expect(page.status).toBe(403);
      expect(await page.text()).toContain("Only company admins");
    }
  });

  it("the shell shows the company, the user's initials and the sidebar with Integrations current", async () => {
    const admin = await signIn(ACME.adminEmail);
    const html = await (await admin.get("/integrations")).text();
    expect(html).toContain("Acme Corporation");
    expect(html).toContain(">JC<");
    for (const label of ["Dashboard", "Agents", "Knowledge", "Conversations", "Widget", "Integrations", "Settings", "Billing"]) {
      expect(html).toContain(label);
    }
    expect(html).toMatch(/aria-current="page"[^>]*href="\/integrations"|href="\/integrations"[^>]*aria-current="page"/);
    expect(html).toContain(`href="${env.APP_BASE_URL}/dashboard"`);
  });
});

describe("CSRF and Origin", () => {
  it("a cross-origin POST is refused with 403 and changes nothing", async () => {
    const client = await signIn(ACME.adminEmail);
    const res = await client.post("/logout", {}, { origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect((await client.get("/integrations")).status).toBe(200);
  });

  it("a POST without the CSRF token is refused with 403 and changes nothing", async () => {
    const client = await signIn(ACME.adminEmail);
    const res = await client.post("/logout", {}, { csrf: false });
    expect(res.status).toBe(403);
    expect((await client.get("/integrations")).status).toBe(200);
  });

  it("a POST with another browser's CSRF token is refused", async () => {
    const client = await signIn(ACME.adminEmail);
    const res = await client.post("/logout", {}, { csrf: "A".repeat(43) });
    expect(res.status).toBe(403);
  });

  it("a sign-in POST from another site is refused (login CSRF)", async () => {
    const res = await new BrowserClient().post(
      "/login",
      { email: ACME.adminEmail, password: DEMO_PASSWORD },
      { origin: "https://evil.example" },
    );
    expect(res.status).toBe(403);
  });

  it("a JSON POST to a page is refused", async () => {
    const client = await signIn(ACME.adminEmail);
    const res = await SELF.fetch(`${ORIGIN}/logout`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: ORIGIN, Cookie: `__Host-ih_csrf=${client.csrf}` },
      body: JSON.stringify({ csrf: client.csrf }),
    });
    expect(res.status).toBe(403);
  });
});

describe("error pages", () => {
  it("an unknown page is a 404 page without a stack trace", async () => {
    const admin = await signIn(ACME.adminEmail);
    const res = await admin.get("/no/such/page");
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).toContain("Page not found");
    expect(html).not.toMatch(/at .*\.js:\d+/);
  });
});

describe("development-only routes", () => {
  it("POST /__dev/cron does not exist outside development", async () => {
    const res = await SELF.fetch(`${ORIGIN}/__dev/cron`, { method: "POST", headers: { Origin: ORIGIN } });
    expect(res.status).toBe(403);
  });
});
