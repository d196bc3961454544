import type { ApiRoute } from "./define";

/** Matches "/v1/conversations/:id" against a path; params are the raw segments. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const want = pattern.split("/");
  const got = pathname.replace(/\/+$/, "").split("/");
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(":")) {
      if (!g || g.length > 200) return null;
      params[w.slice(1)] = g;
    } else if (w !== g) return null;
  }
  return params;
}

export function findRoute(routes: readonly ApiRoute[], method: string, pathname: string) {
  let pathKnown = false;
  const allowed = new Set<string>();
  for (const route of routes) {
    const params = matchPath(route.path, pathname);
    if (!params) continue;
    pathKnown = true;
    allowed.add(route.method);
    if (route.method === method) return { route, params } as const;
  }
  return { route: null, pathKnown, allowed: [...allowed] } as const;
}
