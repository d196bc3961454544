import { describe, expect, it } from "vitest";
// @ts-ignore: the Remix server build (npm test builds before running)
import * as build from "../../build/server/index.js";
import { BrowserClient, signIn } from "../helpers/browser-client";
import { ACME } from "../helpers/seed";

type RouteEntry = { id: string; path?: string; parentId?: string; index?: boolean; module: { handle?: { access?: string }; action?: unknown; loader?: unknown } };

const ACCESS_RULES = ["public", "admin"] as const;
const routes = Object.values((build as unknown as { routes: Record<string, RouteEntry> }).routes).filter((r) => r.id !== "root");

/** The URL a route answers at, with sample values for params ("slack" for :provider, a made-up id otherwise). */
function urlOf(route: RouteEntry): string {
  const parts: string[] = [];
  for (let r: RouteEntry | undefined = route; r && r.id !== "root"; r = r.parentId ? (build as any).routes[r.parentId] : undefined) {
    if (r.path) parts.unshift(r.path);
  }
  const path = "/" + parts.join("/");
  return path.replace(/:provider\b/g, "slack").replace(/:[a-zA-Z]+/g, "does_not_exist").replace(/\*$/, "no/such/page");
}

describe("route inventory", () => {
  it("every page and action declares its access rule", () => {
    const missing = routes.filter((r) => !ACCESS_RULES.includes(r.module.handle?.access as never)).map((r) => r.id);
    expect(missing).toEqual([]);
  });

  const adminRoutes = routes.filter((r) => r.module.handle?.access === "admin");

  it.each(adminRoutes.map((r) => [r.id, urlOf(r)]))("%s (%s): a visitor is sent to sign in", async (_id, url) => {
    const res = await new BrowserClient().get(url);
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe(`/login?redirectTo=${encodeURIComponent(url)}`);
  });

  it.each(adminRoutes.map((r) => [r.id, urlOf(r)]))("%s (%s): an agent gets 403", async (_id, url) => {
    const agent = await signIn(ACME.agentEmail);
    expect((await agent.get(url)).status).toBe(403);
  });

  it.each(adminRoutes.filter((r) => r.module.action).map((r) => [r.id, urlOf(r)]))("%s (%s): an agent's POST gets 403", async (_id, url) => {
    const agent = await signIn(ACME.agentEmail);
    expect((await agent.post(url, { intent: "anything" })).status).toBe(403);
  });

  it.each(adminRoutes.map((r) => [r.id, urlOf(r)]))("%s (%s): an admin never gets a 5xx", async (_id, url) => {
    const admin = await signIn(ACME.adminEmail);
    expect((await admin.get(url)).status).toBeLessThan(500);
  });
});
