// Client JS and CSS a browser downloads for a page, from the Remix build manifest (deterministic).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import remixConfig from "../remix.config.js";
import { root } from "./lib.mjs";

// architecture.md §8's budget again (it had been raised to 96 and 97 KB in sessions 2 and 3). The page's weight is
// what a browser downloads for it: with lazy route discovery the full manifest file is never loaded (ADR 0115).
export const BUDGETS = { jsGzip: 95 * 1024, cssGzip: 15 * 1024 };

const publicDir = join(root, "public");

export function loadManifest() {
  const dir = join(publicDir, "build");
  const file = readdirSync(dir).find((f) => /^manifest-.*\.js$/.test(f));
  if (!file) throw new Error("no Remix manifest: run `npm run build` first");
  const text = readFileSync(join(dir, file), "utf8");
  return { file: `/build/${file}`, manifest: JSON.parse(text.replace(/^window\.__remixManifest=/, "").replace(/;\s*$/, "")) };
}

/** Route ids a URL path renders, outermost first (the matching chain in the manifest). */
export function routeChain(manifest, ids) {
  return ids.map((id) => {
    const r = manifest.routes[id];
    if (!r) throw new Error(`unknown route id ${id}`);
    return r;
  });
}

function size(urlPath) {
  const buf = readFileSync(join(publicDir, urlPath));
  return { raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length };
}

/**
 * The manifest a page carries. With `v3_lazyRouteDiscovery` (remix.config.js) <Scripts> inlines only the routes the
 * page renders plus those matching its parent paths ("/" here), and manifest-*.js is never downloaded; without it the
 * whole manifest file is. Returns the file to count, or the inline script's text.
 */
function pageManifest(file, manifest, routeIds) {
  if (!remixConfig.future?.v3_lazyRouteDiscovery) return { file };
  const ids = new Set([...routeIds, ...chainForPath("/")]);
  const routes = Object.fromEntries([...ids].map((id) => [id, manifest.routes[id]]));
  return { inline: `window.__remixManifest = ${JSON.stringify({ ...manifest, routes }, null, 2)};` };
}

/** JS (the page's manifest + entry + each route's module and imports, deduplicated) and CSS for a chain of route ids. */
export function pageWeight(routeIds) {
  const { file, manifest } = loadManifest();
  const pm = pageManifest(file, manifest, routeIds);
  const js = new Set([...(pm.file ? [pm.file] : []), manifest.entry.module, ...manifest.entry.imports]);
  for (const r of routeChain(manifest, routeIds)) {
    js.add(r.module);
    for (const i of r.imports ?? []) js.add(i);
  }
  const cssDir = join(publicDir, "build", "_assets");
  const css = readdirSync(cssDir)
    .filter((f) => f.endsWith(".css"))
    .map((f) => `/build/_assets/${f}`);
  const sum = (sizes) => sizes.reduce((a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip }), { raw: 0, gzip: 0 });
  const inline = pm.inline ? [{ raw: Buffer.byteLength(pm.inline), gzip: gzipSync(pm.inline, { level: 9 }).length }] : [];
  return {
    js: sum([...[...js].map(size), ...inline]),
    css: sum(css.map(size)),
    jsFiles: [...js, ...(pm.inline ? ["(inline manifest)"] : [])],
    cssFiles: css,
  };
}

/** The route ids (outermost first) that render a URL path, found from the manifest. */
export function chainForPath(urlPath) {
  const { manifest } = loadManifest();
  const routes = manifest.routes;
  const fullPath = (r) => {
    const parts = [];
    for (let x = r; x; x = x.parentId ? routes[x.parentId] : undefined) if (x.path) parts.unshift(x.path);
    return `/${parts.join("/")}`;
  };
  // an index route when the path has one (a layout's own URL renders its index), else the route itself
  const leaf =
    Object.values(routes).find((r) => r.index && fullPath(r) === urlPath) ??
    Object.values(routes).find((r) => !r.index && fullPath(r) === urlPath);
  if (!leaf) throw new Error(`no route renders ${urlPath}`);
  const chain = [];
  for (let x = leaf; x; x = x.parentId ? routes[x.parentId] : undefined) chain.unshift(x.id);
  return chain;
}

/** The route chain of /integrations, read from the current build's manifest. */
export const integrationsPage = () => chainForPath("/integrations");
