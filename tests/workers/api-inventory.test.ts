import { beforeAll, describe, expect, it } from "vitest";
import { apiScopes } from "~/lib/db/schema";
import { ACME, GLOBEX } from "../helpers/seed";
import { api, newKey } from "./api-client";
import { ACME_MARKERS, type AcmeFixtures, createAcmeFixtures } from "./hardening/fixtures";
import { dumpD1, v1Fill, v1HasTenantParam, v1Routes } from "./hardening/inventory";

/**
 * Every row of the /v1 route table (so routes added later are covered): its access rule is
 * declared, and without a key → 401, with a key lacking the scope → 403, with another company's
 * key on Acme's ids → exactly what a made-up id gets (404), and none of these changes anything.
 */
const rows = v1Routes.map((r) => [`${r.method} ${r.path}`, r] as const);
const hasBody = (method: string) => method === "POST" || method === "PATCH";
/** A key's last use is bookkeeping, not state a refusal may not touch. */
const dump = () => dumpD1({ ignoreColumns: ["last_used_at"] });
/** A body POST /v1/webhooks/:id/replays accepts, so only ownership can answer it. */
const REPLAY_BODY = { url: "https://staging.example.com/replay", from: "2024-01-01T00:00:00Z" };

describe("/v1 route inventory", () => {
  let fx: AcmeFixtures;
  beforeAll(async () => {
    fx = await createAcmeFixtures();
  });

  it("every /v1 route declares a scope, or null with a reason", () => {
    const undeclared = v1Routes
      .filter(
        (r) =>
          !("scope" in r) ||
          r.scope === undefined ||
          (r.scope === null ? !(typeof r.scopeReason === "string" && r.scopeReason.length >= 20) : !apiScopes.includes(r.scope)),
      )
      .map((r) => `${r.method} ${r.path}`);
    expect(undeclared).toEqual([]);
  });

  it("every /v1 route is unique by method and path", () => {
    const keys = v1Routes.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each(rows)("%s: no key or a wrong key → 401 and nothing changed", async (_name, route) => {
    const path = v1Fill(route.path, fx.v1Ids).replace(/^\/v1/, "");
    const before = await dump();
    for (const key of [null, "sk_live_wrongwrongwrongwrongwrongwrongwrongwrong", "Basic abc"]) {
      // one client address per route: requests without a valid key are limited per address
      const from = { "CF-Connecting-IP": `192.0.2.${v1Routes.indexOf(route) + 1}` };
      const res = await api(path, { method: route.method, key, headers: from, ...(hasBody(route.method) ? { body: {} } : {}) });
      expect(res.status, String(key)).toBe(401);
      expect(res.headers.get("Content-Type")).toBe("application/problem+json");
      expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
    }
    expect(await dump()).toEqual(before);
  });

  it.each(rows.filter(([, r]) => r.scope !== null))(
    "%s: a key without the route's scope → 403 and nothing changed",
    async (_name, route) => {
      const key = (
        await newKey(
          ACME.id,
          apiScopes.filter((s) => s !== route.scope),
          "no-scope key",
        )
      ).secret;
      const path = v1Fill(route.path, fx.v1Ids).replace(/^\/v1/, "");
      const before = await dump();
      const res = await api(path, { method: route.method, key, ...(hasBody(route.method) ? { body: {} } : {}) });
      expect(res.status).toBe(403);
      expect(await dump()).toEqual(before);
    },
  );

  it.each(rows.filter(([, r]) => v1HasTenantParam(r.path)))(
    "%s: another company's key on Acme's ids → the same 404 as a made-up id, nothing changed",
    async (_name, route) => {
      const globex = (await newKey(GLOBEX.id, [...apiScopes])).secret;
      const acmePath = v1Fill(route.path, fx.v1Ids).replace(/^\/v1/, "");
      const madeUpPath = v1Fill(route.path, {}, "zz_does_not_exist").replace(/^\/v1/, "");
      // Bodies a valid request might carry, so validation cannot answer before the ownership check.
      const bodies: unknown[] = hasBody(route.method)
        ? [{}, { status: "closed" }, { body: "hi", author: "agent" }, { description: "x" }]
        : [undefined];
      const before = await dump();
      for (const body of bodies) {
        const opts = { method: route.method, key: globex, ...(body !== undefined ? { body } : {}) };
        const [onAcme, onMadeUp] = [await api(acmePath, opts), await api(madeUpPath, opts)];
        const acmeText = await onAcme.text();
        expect(onAcme.status, JSON.stringify(body)).toBe(onMadeUp.status);
        expect([400, 404]).toContain(onAcme.status);
        for (const marker of Object.values(ACME_MARKERS)) expect(acmeText).not.toContain(marker);
        await onMadeUp.body?.cancel();
      }
      // With no body to validate, ownership is all that can answer.
      if (!hasBody(route.method)) expect((await api(acmePath, { method: route.method, key: globex })).status).toBe(404);
      expect(await dump()).toEqual(before);
    },
  );

  it("another company's key reaches 404 (not 400) on every write route given a body valid for it", async () => {
    const globex = (await newKey(GLOBEX.id)).secret;
    const writes = v1Routes.filter((r) => hasBody(r.method) && v1HasTenantParam(r.path));
    const bodies = [{}, { status: "closed" }, { body: "hi", author: "agent" }, { description: "x" }, REPLAY_BODY];
    for (const route of writes) {
      const statuses = [];
      for (const body of bodies)
        statuses.push((await api(v1Fill(route.path, fx.v1Ids).replace(/^\/v1/, ""), { method: route.method, key: globex, body })).status);
      expect(statuses, `${route.method} ${route.path}`).toContain(404);
    }
  });
});
