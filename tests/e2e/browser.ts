import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import type { Socket } from "node:net";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page, type Request, type Route } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
// @ts-ignore: plain JS helpers shared with the scripts
import { idleBoundKeepSocketAlive, root } from "../../scripts/lib.mjs";

export const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
export type ViewportName = keyof typeof VIEWPORTS;

const SCREENSHOTS = join(root, "test-results", "screenshots");

/**
 * Every request of a page reaches the app through Playwright's `route.fetch` (below), whose keep-alive agent has no
 * idle bound; `npm start` is workerd, which closes an idle connection at 5 s, so a request could meet that close and
 * fail before any answer (a GET is asked again, a POST reached the page as a failed request). Playwright's server
 * side runs in this process, so every agent here closes its idle sockets first (ADR 0172, as the bench's client).
 */
const PATCHED = Symbol.for("integrations-hub.e2e.idle-socket-bound");
// Node's Agent returns whether to keep the socket (its typings say void)
const agentProto = http.Agent.prototype as unknown as { keepSocketAlive(socket: Socket): boolean; [PATCHED]?: true };
if (!agentProto[PATCHED]) {
  agentProto.keepSocketAlive = idleBoundKeepSocketAlive(agentProto.keepSocketAlive);
  agentProto[PATCHED] = true;
}

/** Debian's Chromium: CHROMIUM_PATH, else PATH, else apt-get install it when we can, else a clear error. */
export function findChromium(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  const onPath = () => {
    for (const name of ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]) {
      try {
        return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
      } catch {}
    }
    return "";
  };
  let found = onPath();
  if (found) return found;
  const canApt = process.getuid?.() === 0 && existsSync("/usr/bin/apt-get");
  if (canApt) {
    execFileSync("sh", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"], {
      stdio: "inherit",
    });
    found = onPath();
    if (found) return found;
  }
  throw new Error("No Chromium found: install Debian's `chromium` (apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary.");
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

/** One Chromium for a test file: launched before its tests, closed after them. Read `.browser` inside tests. */
export function fileBrowser() {
  const shared = { browser: undefined as unknown as Browser };
  beforeAll(async () => {
    shared.browser = await launchBrowser();
  });
  afterAll(async () => {
    await shared.browser?.close();
  });
  return shared;
}

const jsEnabledPages = new WeakMap<Page, boolean>();

export type Session = { context: BrowserContext; page: Page; requests: string[] };

/** A fresh context at a viewport with JS on or off; every request URL is recorded. */
/**
 * `wrangler dev`'s proxy can lose a POST that lands on a keep-alive connection its user worker is
 * closing, and answers 503 "Your worker restarted mid-request" although the worker never restarted
 * (cloudflare/workers-sdk#14641; it retries GETs itself, never POSTs). The harness sends exactly that
 * answer's request again, at most twice, as the message asks; any other answer reaches the page as is.
 */
const DEV_PROXY_LOST = "Your worker restarted mid-request";
async function routeRequest(route: Route) {
  const request = route.request();
  if (request.method() === "GET" && !ONCE_ONLY_GET.test(new URL(request.url()).pathname)) return fetchBounded(route);
  if (request.method() === "GET" || request.method() === "HEAD") return route.continue();
  try {
    for (let attempt = 1; ; attempt++) {
      const response = await route.fetch({ maxRedirects: 0 });
      if (attempt === 3 || response.status() !== 503 || !(await response.text()).includes(DEV_PROXY_LOST))
        return await route.fulfill({ response });
      console.warn(`e2e: ${request.method()} ${request.url()} was lost by wrangler dev's proxy (503); sending it again`);
    }
  } catch (error) {
    // the page went away (or aborted the request) meanwhile: nothing is waiting for the answer. Anything else (a
    // dropped connection) is named, since the page now shows a failed request instead of the answer.
    const why = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
    if (!/has been closed/.test(why))
      console.warn(`e2e: ${request.method()} ${request.url()} failed (${why}); the page sees a failed request`);
    await route.abort().catch(() => {});
  }
}

/**
 * GETs are fetched here, each try bounded. `wrangler dev` now and then stops a response's body
 * midway until the client gives up: its own log shows such GETs (static files, Remix's
 * `/__manifest`, a document) as "200 OK (20 s)" when this harness gave up on them, and a loaded
 * run's `/login` as "200 OK (91 s)" when the navigation's 90 s bound ended the test. An idle
 * clean-clone run asked again for 14 static files. A GET not answered in 20 s, or whose connection
 * failed (a loaded run's page saw net::ERR_FAILED when only timeouts were retried), is asked for again
 * on a new connection (at most three tries, each named in the output); redirects reach the page as
 * answered, so the browser follows them itself, and whatever the Worker answers reaches the page
 * as is. A GET that must not run twice (an OAuth callback spends its code) is left to the browser.
 * Chromium's own favicon requests bypass routing, so their "still pending" lines remain (they hold
 * up nothing).
 */
const ONCE_ONLY_GET = /\/callback$/;
export async function fetchBounded(route: Route, tryMs = 20_000) {
  const url = route.request().url();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return await route.fulfill({ response: await route.fetch({ maxRedirects: 0, timeout: attempt === 3 ? 3 * tryMs : tryMs }) });
      } catch (error) {
        // a timeout or a dropped connection is asked again; a closed page has nothing waiting
        const why = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
        if (attempt === 3 || /has been closed/.test(why)) throw error;
        console.warn(`e2e: GET ${url} failed on try ${attempt} (${why}); asking again`);
      }
    }
  } catch {
    // the page went away meanwhile, or the file never answered: the page sees a failed request
    await route.abort().catch(() => {});
  }
}

/** What every test context gets, the axe twin's included: the same bounds and the same answer to wrangler dev's lost POSTs. */
async function prepareContext(context: BrowserContext) {
  // Every wait waits on a state; the bound only ends a hung test. A loaded 2-core machine (workerd, Chromium and
  // the tests on the same cores) has taken more than Playwright's default 30 s for one navigation.
  context.setDefaultTimeout(90_000);
  context.setDefaultNavigationTimeout(90_000);
  await context.route("**/*", routeRequest);
}

export async function openPage(
  browser: Browser,
  { js, viewport, locale = "en-US", timezoneId }: { js: boolean; viewport: ViewportName; locale?: string; timezoneId?: string },
): Promise<Session> {
  const context = await browser.newContext({ javaScriptEnabled: js, viewport: VIEWPORTS[viewport], locale, timezoneId });
  await prepareContext(context);
  const page = await context.newPage();
  jsEnabledPages.set(page, js);
  const requests: string[] = [];
  // A request that never ends keeps a navigation from reaching "load": name it in the output.
  const pending = new Map<Request, NodeJS.Timeout>();
  page.on("request", (r) => {
    requests.push(r.url());
    const timer = setTimeout(() => console.warn(`e2e: ${r.method()} ${r.url()} still pending after 20 s`), 20_000);
    timer.unref();
    pending.set(r, timer);
  });
  const settle = (r: Request) => {
    clearTimeout(pending.get(r));
    pending.delete(r);
  };
  page.on("requestfinished", settle);
  page.on("requestfailed", settle);
  return { context, page, requests };
}

/** Hosts other than loopback that the page tried to reach. */
export function offLoopback(requests: string[]): string[] {
  return requests.filter((u) => {
    if (u.startsWith("data:") || u.startsWith("blob:") || u.startsWith("about:")) return false;
    const host = new URL(u).hostname;
    return host !== "127.0.0.1" && host !== "localhost" && host !== "[::1]";
  });
}

/**
 * With JavaScript on, waits until React has hydrated the page's forms (their DOM nodes carry React's
 * props), so a click is handled by the app rather than lost between the HTML and hydration.
 */
export async function waitForHydration(page: Page) {
  if (jsEnabledPages.get(page) === false) return;
  await page.waitForFunction(() => {
    const forms = [...document.querySelectorAll("form")];
    return forms.length > 0 && forms.every((f) => Object.keys(f).some((k) => k.startsWith("__reactProps")));
  });
}

export async function signInThroughForm(
  page: Page,
  baseURL: string,
  email: string,
  password = process.env.DEMO_PASSWORD || "demo-password",
  path = "/integrations",
) {
  await page.goto(`${baseURL}/login?redirectTo=${encodeURIComponent(path)}`);
  await waitForHydration(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.getByRole("button", { name: "Sign in" }).click()]);
  await page.waitForLoadState("load");
  // Usually a client-side navigation, already hydrated; but a route chunk that failed to load makes Remix reload the
  // document, and a click made before that page hydrates bypasses the app: the likeliest cause of a clean-clone run
  // whose Add Webhook click never showed its field error.
  await waitForHydration(page);
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

type AxeViolation = { id: string; impact: string; help: string; nodes: { target: string[] }[] };

/**
 * Runs axe-core (WCAG 2.x A/AA rules) in the page; evaluate() is not subject to the page's CSP.
 * A page opened with JavaScript off cannot run axe, so the same URL (same cookies, same server
 * HTML) is checked in a JavaScript-enabled twin context.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  // evaluate() still runs in a JS-off page, but axe's timers never fire there
  if (jsEnabledPages.get(page) === false) {
    const browser = page.context().browser()!;
    const twin = await browser.newContext({
      storageState: await page.context().storageState(),
      viewport: page.viewportSize() ?? undefined,
    });
    await prepareContext(twin);
    const twinPage = await twin.newPage();
    try {
      await twinPage.goto(page.url());
      return await axeViolations(twinPage);
    } finally {
      await twin.close();
    }
  }
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(async () => {
    // @ts-ignore: injected above
    const result = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
    return result.violations;
  })) as AxeViolation[];
  return violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help} → ${v.nodes
        .map((n) => n.target.join(" "))
        .slice(0, 3)
        .join(", ")}`,
  );
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * The card of one connected integration on the Connected tab, found by its heading. Scoped to the
 * "Connected Integrations" region so that nothing else on the page (a modal's list, the Available
 * section) can match it as well.
 */
export function connectedCard(page: Page, name: string) {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return page.getByRole("region", { name: /^Connected Integrations/ }).getByRole("article", { name: new RegExp(`^${escaped}\\b`) });
}
