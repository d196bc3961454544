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

describe("server-side sessions: idle timeout and sign-out everywhere (ADR 0083)", () => {
  const sessionRows = () => env.DB.prepare("SELECT * FROM sessions WHERE user_id = 'usr_john'").all<Record<string, number | string>>();
  const replay = (cookie: string) =>
    SELF.fetch(`${ORIGIN}/integrations`, {
      headers: { Cookie: `__Host-ih_session=${cookie}`, "CF-Connecting-IP": "198.51.100.200" },
      redirect: "manual",
    });

  it("a session lives in D1 under the hash of its token; neither KV nor D1 holds the token itself", async () => {
    await env.DB.prepare("DELETE FROM sessions").run();
    const client = await signIn(ACME.adminEmail);
    const cookie = decodeURIComponent(client.cookies.get("__Host-ih_session")!);
    const { t } = JSON.parse(atob(cookie.slice(0, cookie.lastIndexOf(".")))) as { t: string };
    const rows = (await sessionRows()).results;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(t);
    expect((await env.KV.list({ prefix: "session:" })).keys).toEqual([]);
  });

  it("signing out deletes the session row: the same cookie replayed from anywhere is sent to sign in", async () => {
    await env.DB.prepare("DELETE FROM sessions").run();
    const laptop = await signIn(ACME.adminEmail);
    const phone = await signIn(ACME.adminEmail);
    const stolen = laptop.cookies.get("__Host-ih_session")!;
    expect((await replay(stolen)).status).toBe(200);
    expect((await laptop.post("/logout")).status).toBe(302);
    expect((await sessionRows()).results).toHaveLength(1); // the phone's own session is untouched
    const res = await replay(stolen);
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/login?redirectTo=%2Fintegrations");
    expect((await phone.get("/integrations")).status).toBe(200);
  });

  it("a session unused for 30 minutes is over; one used within them is kept alive", async () => {
    await env.DB.prepare("DELETE FROM sessions").run();
    const client = await signIn(ACME.adminEmail);
    const minutesAgo = (m: number) => Date.now() - m * 60_000;
    await env.DB.prepare("UPDATE sessions SET last_seen_at = ?").bind(minutesAgo(29)).run();
    expect((await client.get("/integrations")).status).toBe(200);
    // the request moved last_seen_at forward (written at most every 5 minutes)
    expect(Number((await sessionRows()).results[0]!.last_seen_at)).toBeGreaterThan(minutesAgo(1));
    await env.DB.prepare("UPDATE sessions SET last_seen_at = ?").bind(minutesAgo(31)).run();
    const idle = await client.get("/integrations");
    expect(idle.status).toBe(302);
    expect(idle.headers.get("Location")).toBe("/login?redirectTo=%2Fintegrations");
  });

  it("a session ends a week after sign-in, however active", async () => {
    await env.DB.prepare("DELETE FROM sessions").run();
    const client = await signIn(ACME.adminEmail);
    await env.DB.prepare("UPDATE sessions SET expires_at = ?")
      .bind(Date.now() - 1)
      .run();
    expect((await client.get("/integrations")).status).toBe(302);
  });

  it("signing in again replaces the session the browser carried (no fixation)", async () => {
    await env.DB.prepare("DELETE FROM sessions").run();
    const client = await signIn(ACME.adminEmail);
    const first = client.cookies.get("__Host-ih_session")!;
    expect((await client.post("/login", { email: ACME.adminEmail, password: DEMO_PASSWORD })).status).toBe(302);
    expect(client.cookies.get("__Host-ih_session")).not.toBe(first);
    expect((await sessionRows()).results).toHaveLength(1);
    expect((await replay(first)).status).toBe(302);
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
