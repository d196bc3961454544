import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { BrowserClient, signIn } from "../helpers/browser-client";
import { ACME, GLOBEX } from "../helpers/seed";
import {
  ACME_MARKERS,
  type AcmeFixtures,
  adminPageUrls,
  createAcmeFixtures,
  type DiscoveredForm,
  discoverAllForms,
  fieldsToRecord,
} from "./hardening/fixtures";
import {
  actionRoutes,
  adminRoutes,
  dumpD1,
  dumpKV,
  fill,
  hasTenantParam,
  pageRoutes,
  patternOf,
  withoutSessions,
} from "./hardening/inventory";

/**
 * Every page and action of the Remix build's manifest, for every kind of caller: a visitor, an
 * agent, another company's admin and the company's own admin. Routes added later are covered
 * without editing this file; a route without an access rule fails the first test.
 */
const ACCESS_RULES = ["public", "admin"] as const;

/** The URL a route answers at, with sample values for params ("slack" for :provider, a made-up id otherwise). */
const sampleUrl = (r: (typeof pageRoutes)[number]) => fill(patternOf(r));

describe("route inventory", () => {
  it("every page and action declares its access rule", () => {
    const missing = pageRoutes.filter((r) => !ACCESS_RULES.includes(r.module.handle?.access as never)).map((r) => r.id);
    expect(missing).toEqual([]);
  });

  it.each(adminRoutes.map((r) => [r.id, sampleUrl(r)]))("%s (%s): a visitor is sent to sign in", async (_id, url) => {
    const res = await new BrowserClient().get(url);
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe(`/login?redirectTo=${encodeURIComponent(url)}`);
  });

  it.each(adminRoutes.map((r) => [r.id, sampleUrl(r)]))("%s (%s): an agent gets 403", async (_id, url) => {
    const agent = await signIn(ACME.agentEmail);
    expect((await agent.get(url)).status).toBe(403);
  });

  it.each(adminRoutes.map((r) => [r.id, sampleUrl(r)]))("%s (%s): an admin never gets a 5xx", async (_id, url) => {
    const admin = await signIn(ACME.adminEmail);
    expect((await admin.get(url)).status).toBeLessThan(500);
  });
});

describe("route inventory with another company's rows", () => {
  let fx: AcmeFixtures;
  let acmeForms: DiscoveredForm[];
  beforeAll(async () => {
    fx = await createAcmeFixtures();
    const john = await signIn(ACME.adminEmail);
    acmeForms = await discoverAllForms(john, adminPageUrls(adminRoutes.map(patternOf), fx, fill));
  });

  /** The submissions an admin's pages offer for this route's URL, or a made-up intent when none renders. */
  function submissionsFor(url: string): Record<string, string[]>[] {
    const forms = acmeForms.filter((f) => f.action.replace(/\?.*$/, "") === url);
    return forms.length ? forms.map((f) => fieldsToRecord(f.fields)) : [{ intent: ["anything"] }];
  }

  it("the admin's pages offer at least one form for every route with an action", () => {
    const withoutForms = adminRoutes.filter(
      (r) => r.module.action && !acmeForms.some((f) => f.action.replace(/\?.*$/, "") === fill(patternOf(r), fx.pageParams)),
    );
    // Routes whose forms live on another URL (e.g. a modal posting to its parent) are still covered by the POST matrix.
    expect(withoutForms.length).toBeLessThan(adminRoutes.length);
    expect(acmeForms.length).toBeGreaterThan(3);
  });

  it.each(adminRoutes.filter((r) => hasTenantParam(patternOf(r))).map((r) => [r.id, patternOf(r)]))(
    "%s: another company's admin gets 404 for Acme's ids",
    async (_id, pattern) => {
      const globex = await signIn(GLOBEX.adminEmail);
      const res = await globex.get(fill(pattern, fx.pageParams));
      expect(res.status).toBe(404);
      const html = await res.text();
      for (const marker of Object.values(ACME_MARKERS)) expect(html).not.toContain(marker);
    },
  );

  it.each(adminRoutes.map((r) => [r.id, patternOf(r)]))("%s: another company's admin never sees Acme's rows", async (_id, pattern) => {
    const globex = await signIn(GLOBEX.adminEmail);
    const res = await globex.get(fill(pattern, fx.pageParams));
    expect(res.status).toBeLessThan(500);
    const html = await res.text();
    for (const marker of Object.values(ACME_MARKERS)) expect(html, marker).not.toContain(marker);
  });

  const adminActions = actionRoutes.filter((r) => r.module.handle?.access === "admin");

  it.each(adminActions.map((r) => [r.id, patternOf(r)]))(
    "%s: a visitor's POST is sent to sign in and changes nothing",
    async (_id, pattern) => {
      const url = fill(pattern, fx.pageParams);
      const visitor = new BrowserClient();
      await visitor.ensureCsrf();
      const before = [await dumpD1(), withoutSessions(await dumpKV())];
      for (const fields of submissionsFor(url)) {
        const res = await visitor.post(url, fields);
        expect(res.status, JSON.stringify(fields)).toBe(302);
        expect(res.headers.get("Location")).toMatch(/^\/login\?redirectTo=/);
      }
      expect([await dumpD1(), withoutSessions(await dumpKV())]).toEqual(before);
    },
  );

  it.each(adminActions.map((r) => [r.id, patternOf(r)]))("%s: an agent's POST gets 403 and changes nothing", async (_id, pattern) => {
    const url = fill(pattern, fx.pageParams);
    const agent = await signIn(ACME.agentEmail);
    const before = [await dumpD1(), withoutSessions(await dumpKV())];
    for (const fields of submissionsFor(url)) expect((await agent.post(url, fields)).status, JSON.stringify(fields)).toBe(403);
    expect([await dumpD1(), withoutSessions(await dumpKV())]).toEqual(before);
  });

  it("another company's admin posting any Acme form that names an Acme row gets 404 and changes nothing", async () => {
    const ids = Object.entries(fx.pageParams)
      .filter(([k]) => k !== "provider")
      .map(([, v]) => v);
    const targeted = acmeForms.filter((f) => ids.some((id) => f.action.includes(id) || f.fields.some(([, v]) => v === id)));
    expect(targeted.length).toBeGreaterThan(0);
    const globex = await signIn(GLOBEX.adminEmail);
    const before = [await dumpD1(), withoutSessions(await dumpKV())];
    for (const form of targeted) {
      const res = await globex.post(form.action, fieldsToRecord(form.fields));
      expect(res.status, `${form.action} ${JSON.stringify(form.fields)}`).toBe(404);
    }
    expect([await dumpD1(), withoutSessions(await dumpKV())]).toEqual(before);
  });
});

/**
 * Inbound endpoints that providers call, outside Remix (no session, no CSRF gate): each is
 * authenticated by the provider's signature alone. A new one belongs in this list.
 */
const SIGNATURE_AUTHENTICATED = [
  { path: "/slack/events", scheme: "Slack v0 signature (X-Slack-Signature)" },
  { path: "/integrations/zendesk/events?company=acme", scheme: "Zendesk webhook signature (X-Zendesk-Webhook-Signature)" },
] as const;

describe("signature-authenticated inbound endpoints", () => {
  it.each(SIGNATURE_AUTHENTICATED.map((e) => [e.path, e.scheme]))(
    "%s (%s): an unsigned POST is refused and changes nothing",
    async (path) => {
      const before = [await dumpD1(), withoutSessions(await dumpKV())];
      const res = await SELF.fetch(`http://localhost${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ type: "event_callback", event_id: "Ev1", detail: { id: "1", status: "SOLVED" } }),
      });
      // 401 for a bad signature; 503 when the endpoint's secret is not configured at all.
      expect([401, 503]).toContain(res.status);
      expect([await dumpD1(), withoutSessions(await dumpKV())]).toEqual(before);
    },
  );
});

/**
 * Inbound provider routes the Worker serves before Remix: no session, the provider's signature (or
 * handshake token) is the authentication. Each is declared here with how it authenticates, and an
 * unauthenticated call must be refused with nothing written.
 */
const SIGNED_ROUTES = [
  { path: "/integrations/whatsapp-business/webhook", access: "signature", header: "X-Hub-Signature-256", handshake: "hub.verify_token" },
] as const;

describe("signature-authenticated inbound routes", () => {
  it.each(SIGNED_ROUTES.map((r) => [r.path, r]))("%s: an unsigned POST is a 401 and writes nothing", async (path, route) => {
    expect(route.access).toBe("signature");
    const before = await dumpD1();
    const res = await SELF.fetch(`http://localhost${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ object: "whatsapp_business_account", entry: [] }),
    });
    expect(res.status).toBe(401);
    expect(await dumpD1()).toEqual(before);
  });

  it.each(SIGNED_ROUTES.map((r) => [r.path, r]))("%s: a handshake with an unknown token is a 403", async (path, route) => {
    const res = await SELF.fetch(
      `http://localhost${path}?hub.mode=subscribe&${route.handshake}=whv_unknown_token_0000000000&hub.challenge=42`,
    );
    expect(res.status).toBe(403);
  });
});
