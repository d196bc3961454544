import { readFileSync } from "node:fs";
import { type AgnosticRouteObject, createMemoryHistory, createRouter, matchPath, matchRoutes } from "@remix-run/router";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/**
 * ADR 0168: `patches/@remix-run+router+*.patch` (applied by patch-package on `npm ci`) caches the ranked route
 * branches per routes array and the compiled path patterns. A cache miss runs the router's own code, so the
 * judge here is the router itself: matching on a fresh copy of a route tree (a miss) must equal matching on
 * an array that has already answered many other paths (a hit), and lazy route discovery must still see the
 * routes it patches in.
 */

const ROUTER = new URL("../../node_modules/@remix-run/router/dist/", import.meta.url);

function tree(): AgnosticRouteObject[] {
  return [
    {
      id: "root",
      path: "/",
      children: [
        { id: "home", index: true },
        {
          id: "integrations",
          path: "integrations",
          children: [
            { id: "integrations-index", index: true },
            { id: "developers", path: "developers" },
            { id: "webhook", path: "developers/webhooks/:id" },
            { id: "detail", path: ":slug" },
            { id: "configure", path: ":slug/configure" },
            { id: "optional", path: "optional/:tab?" },
          ],
        },
        { id: "v1-splat", path: "v1/*" },
        { id: "Case", path: "Case", caseSensitive: true },
        { id: "not-found", path: "*" },
      ],
    },
  ];
}

const ids = (routes: AgnosticRouteObject[], path: string) =>
  matchRoutes(routes, path)?.map((m) => [m.route.id, m.pathname, m.pathnameBase, m.params]) ?? null;

const segment = fc.constantFrom(
  "integrations",
  "developers",
  "webhooks",
  "slack",
  "configure",
  "v1",
  "x",
  "Case",
  "case",
  "optional",
  "",
  "%2F",
  "a%20b",
);
const pathArb = fc.array(segment, { maxLength: 5 }).map((s) => `/${s.join("/")}`);

describe("@remix-run/router patch (ADR 0168)", () => {
  it("is applied to both builds of the router", () => {
    for (const file of ["router.js", "router.cjs.js"]) {
      const src = readFileSync(new URL(file, ROUTER), "utf8");
      expect(src).toContain("rankedBranchesCache");
      expect(src).toContain("compiledPathCache");
    }
  });

  it("a cached routes array matches every path exactly as a fresh one does", () => {
    const warm = tree();
    fc.assert(
      fc.property(pathArb, (path) => {
        expect(ids(warm, path)).toEqual(ids(tree(), path));
      }),
      { numRuns: 500 },
    );
  });

  it("keys compiled patterns by end and case sensitivity too", () => {
    expect(matchPath({ path: "/a", end: true }, "/a/b")).toBeNull();
    expect(matchPath({ path: "/a", end: false }, "/a/b")?.pathnameBase).toBe("/a");
    expect(matchPath({ path: "/a", end: true }, "/a/b")).toBeNull();
    expect(matchPath({ path: "/A", caseSensitive: false }, "/a")).not.toBeNull();
    expect(matchPath({ path: "/A", caseSensitive: true }, "/a")).toBeNull();
    expect(matchPath({ path: "/A", caseSensitive: false }, "/a")).not.toBeNull();
  });

  it("routes patched in by lazy route discovery are matched at once", async () => {
    const router = createRouter({ routes: tree(), history: createMemoryHistory({ initialEntries: ["/"] }) }).initialize();
    try {
      expect(ids(router.routes, "/integrations/new-tab/deep")?.at(-1)?.[0]).toBe("not-found");
      router.patchRoutes("integrations", [{ id: "deep", path: ":slug/deep" }]);
      expect(ids(router.routes, "/integrations/new-tab/deep")?.at(-1)).toEqual([
        "deep",
        "/integrations/new-tab/deep",
        "/integrations/new-tab/deep",
        { slug: "new-tab" },
      ]);
      router.patchRoutes(null, [{ id: "top", path: "/top" }]);
      expect(ids(router.routes, "/top")?.at(-1)?.[0]).toBe("top");
      await router.navigate("/integrations/new-tab/deep");
      expect(router.state.matches.at(-1)?.route.id).toBe("deep");
    } finally {
      router.dispose();
    }
  });
});
