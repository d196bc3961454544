import { describe, expect, inject, it } from "vitest";
import {
  axeViolations,
  fileBrowser,
  offLoopback,
  openPage,
  screenshot,
  signInThroughForm,
  type ViewportName,
  waitForHydration,
} from "./browser";

const baseURL = inject("baseURL");
const shared = fileBrowser();

const combos: { js: boolean; viewport: ViewportName }[] = [
  { js: true, viewport: "desktop" },
  { js: false, viewport: "desktop" },
  { js: true, viewport: "phone" },
  { js: false, viewport: "phone" },
];

describe.each(combos)("the app shell with JavaScript $js at $viewport width", ({ js, viewport }) => {
  it("an admin signs in through the form and lands on Integrations inside the shell, with no request off loopback", async () => {
    const { context, page, requests } = await openPage(shared.browser, { js, viewport });
    await signInThroughForm(page, baseURL, "john@acme.com");
    expect(new URL(page.url()).pathname).toBe("/integrations");
    await page.getByRole("heading", { name: "Connected Integrations", exact: false }).first().waitFor();
    const tabs = page.getByRole("navigation", { name: "Integrations sections" });
    await expect(tabs.getByRole("link", { name: "Connected" }).getAttribute("aria-current")).resolves.toBe("page");
    if (viewport === "desktop") {
      await expect(page.getByRole("complementary").getByRole("link", { name: "Integrations" }).getAttribute("aria-current")).resolves.toBe(
        "page",
      );
      await expect(page.getByText("Acme Corporation").first().isVisible()).resolves.toBe(true);
      await expect(page.getByRole("searchbox", { name: "Search", exact: true }).isVisible()).resolves.toBe(true);
    } else {
      await expect(page.getByLabel("Open menu").isVisible()).resolves.toBe(true);
    }
    await screenshot(page, `shell-integrations-${viewport}-${js ? "js" : "nojs"}`);
    expect(offLoopback(requests)).toEqual([]);
    await context.close();
  });

  it("sign-out from the user menu ends the session", async () => {
    const { context, page } = await openPage(shared.browser, { js, viewport });
    await signInThroughForm(page, baseURL, "john@acme.com");
    if (viewport === "desktop") {
      await page.locator("summary", { hasText: "Account menu for" }).click();
    } else {
      await page.getByLabel("Open menu").click();
    }
    await Promise.all([page.waitForURL(/\/login/), page.getByRole("button", { name: "Sign out" }).click()]);
    await page.goto(`${baseURL}/integrations`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await context.close();
  });
});

describe("the page's JavaScript (ADR 0150)", () => {
  it("is fetched at low priority, after the document and the stylesheet, and still hydrates the page", async () => {
    const { context, page } = await openPage(shared.browser, { js: true, viewport: "desktop" });
    await signInThroughForm(page, baseURL, "john@acme.com");
    const res = await page.request.get(`${baseURL}/integrations`);
    const html = await res.text();
    const preloads = [...html.matchAll(/<link rel="modulepreload"[^>]*>/g)].map((m) => m[0]);
    expect(preloads.length).toBeGreaterThan(4);
    for (const link of preloads) expect(link).toContain('fetchpriority="low"');
    expect(html).toMatch(/<script[^>]*fetchpriority="low"[^>]*type="module"|<script[^>]*type="module"[^>]*fetchpriority="low"/);
    expect(html).toMatch(/<link rel="stylesheet"[^>]*>/);
    expect(html).not.toMatch(/<link rel="stylesheet"[^>]*fetchpriority/);
    // hydrated: the forms carry React's props, and a client-side navigation works (no full document load)
    await waitForHydration(page);
    await page.evaluate(() => {
      (window as unknown as { marker: boolean }).marker = true;
    });
    await page.getByRole("navigation", { name: "Integrations sections" }).getByRole("link", { name: "Available" }).click();
    await page.waitForURL(/\/integrations\/available$/);
    await page.locator('nav[aria-label="Integrations sections"] a[aria-current="page"]', { hasText: "Available" }).waitFor();
    await expect(page.evaluate(() => (window as unknown as { marker?: boolean }).marker)).resolves.toBe(true);
    await context.close();
  });
});

describe("the icons (ADR 0165)", () => {
  it.each([true, false])(
    "are symbols of the page's one sprite, drawn at their size, and stay through hydration and client navigation (JavaScript %s)",
    async (js) => {
      const { context, page } = await openPage(shared.browser, { js, viewport: "desktop" });
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(e.message));
      await signInThroughForm(page, baseURL, "john@acme.com");
      const icons = () =>
        page.evaluate(() => {
          const sprites = document.querySelectorAll("svg#icon-sprite");
          const symbols = new Set([...document.querySelectorAll("svg#icon-sprite symbol")].map((s) => s.id));
          const uses = [...document.querySelectorAll("svg use")].map((u) => {
            const box = u.closest("svg")!.getBoundingClientRect();
            return { ref: u.getAttribute("href") ?? "", width: box.width, visible: box.width > 0 };
          });
          return {
            sprites: sprites.length,
            symbols: symbols.size,
            missing: uses.filter((u) => !symbols.has(u.ref.slice(1))).map((u) => u.ref),
            uses,
          };
        });
      const check = async () => {
        const seen = await icons();
        expect(seen.sprites).toBe(1);
        expect(seen.symbols).toBeGreaterThan(10);
        expect(seen.missing).toEqual([]);
        // the shell's sidebar (8 links), header (search, help, bell, chevron) and the product mark are drawn
        const drawn = seen.uses.filter((u) => u.visible);
        expect(drawn.length).toBeGreaterThanOrEqual(13);
        expect(drawn.filter((u) => u.ref === "#icon-integrations").map((u) => u.width)).toEqual([20]);
      };
      await page.getByRole("heading", { name: "Connected Integrations", exact: false }).first().waitFor();
      await check();
      if (js) {
        await waitForHydration(page);
        await check();
        await page.getByRole("navigation", { name: "Integrations sections" }).getByRole("link", { name: "API & Webhooks" }).click();
        await page.waitForURL(/\/integrations\/developers$/);
        await page.locator('nav[aria-label="Integrations sections"] a[aria-current="page"]', { hasText: "API & Webhooks" }).waitFor();
        await check();
      }
      expect(errors).toEqual([]);
      await context.close();
    },
  );
});

describe("local times (ADR 0167)", () => {
  it.each([
    { js: true, worker: "loads" },
    { js: false, worker: "loads" },
    { js: true, worker: "fails to load" },
  ])(
    "show in the viewer's locale, in UTC from the server and in the browser's zone once JavaScript runs, formatted off the main thread while the worker works (JavaScript $js, worker $worker)",
    async ({ js, worker }) => {
      const { context, page } = await openPage(shared.browser, { js, viewport: "desktop", locale: "de-DE", timezoneId: "Asia/Tokyo" });
      // the fallback: with no worker the browser still shows local times, formatted on the main thread
      if (worker === "fails to load") await page.route("**/local-time-worker.js", (route) => route.fulfill({ status: 404, body: "" }));
      await page.addInitScript(() => {
        const counter = window as unknown as { intlMade: number };
        counter.intlMade = 0;
        for (const name of ["DateTimeFormat", "RelativeTimeFormat"] as const) {
          const made = Intl[name] as unknown as (...args: unknown[]) => unknown;
          (Intl as unknown as Record<string, unknown>)[name] = new Proxy(made, {
            construct(target, args, newTarget) {
              counter.intlMade++;
              return Reflect.construct(target, args, newTarget);
            },
            apply(target, self, args) {
              counter.intlMade++;
              return Reflect.apply(target, self, args);
            },
          });
        }
      });
      await signInThroughForm(page, baseURL, "john@acme.com");
      // What a time may read (dates in the long style, instants in the medium one), in de-DE, in the zone given
      const readings = (iso: string, timeZone: string) => {
        const at = new Date(iso);
        const instant = new Intl.DateTimeFormat("de-DE", { dateStyle: "medium", timeStyle: "short", timeZone }).format(at);
        return [
          new Intl.DateTimeFormat("de-DE", { dateStyle: "long", timeZone }).format(at),
          timeZone === "UTC" ? `${instant} UTC` : instant,
        ];
      };
      const expectTimes = async (timeZone: string) => {
        const times = page.locator("main time");
        await times.first().waitFor();
        const count = await times.count();
        expect(count).toBeGreaterThan(0);
        for (let i = 0; i < count; i++) {
          const iso = (await times.nth(i).getAttribute("datetime"))!;
          const options = readings(iso, timeZone);
          await expect.poll(() => times.nth(i).textContent()).toSatisfy((text) => options.includes(text ?? ""));
        }
      };
      await page.goto(`${baseURL}/integrations/developers`);
      if (!js) {
        await expectTimes("UTC");
        await context.close();
        return;
      }
      await waitForHydration(page);
      await expectTimes("Asia/Tokyo");
      // a time mounted by a client-side navigation (away and back) gets the browser's text too
      const tabs = page.getByRole("navigation", { name: "Integrations sections" });
      await tabs.getByRole("link", { name: "Available" }).click();
      await page.waitForURL(/\/integrations\/available$/);
      await tabs.getByRole("link", { name: "API & Webhooks" }).click();
      await page.waitForURL(/\/integrations\/developers$/);
      await expectTimes("Asia/Tokyo");
      const intlMade = await page.evaluate(() => (window as unknown as { intlMade: number }).intlMade);
      if (worker === "loads") expect(intlMade).toBe(0);
      else expect(intlMade).toBeGreaterThan(0);
      await context.close();
    },
  );
});

describe("the Content-Security-Policy (ADR 0162)", () => {
  it("no page reports a violation once its JavaScript has run (zod's eval probe is off: jitless)", async () => {
    const { context, page } = await openPage(shared.browser, { js: true, viewport: "desktop" });
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener("securitypolicyviolation", (e) =>
        seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
      );
    });
    await signInThroughForm(page, baseURL, "john@acme.com");
    const violations: Record<string, string[]> = {};
    for (const path of ["/integrations", "/integrations/available", "/integrations/developers", "/integrations/developers/webhooks/new"]) {
      await page.goto(`${baseURL}${path}`);
      await waitForHydration(page);
      const seen = await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
      if (seen.length) violations[path] = seen;
    }
    expect(violations).toEqual({});
    // the setting reached zod before its first schema: the page's global says so
    await expect(
      page.evaluate(() => (globalThis as unknown as { __zod_globalConfig?: { jitless?: boolean } }).__zod_globalConfig?.jitless),
    ).resolves.toBe(true);
    await context.close();
  });
});

describe("the phone drawer", () => {
  it("opens without JavaScript and shows the full menu with Integrations current", async () => {
    const { context, page } = await openPage(shared.browser, { js: false, viewport: "phone" });
    await signInThroughForm(page, baseURL, "john@acme.com");
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav.isVisible()).resolves.toBe(false);
    await page.getByLabel("Open menu").click();
    await expect(nav.isVisible()).resolves.toBe(true);
    for (const label of ["Dashboard", "Agents", "Knowledge", "Conversations", "Widget", "Integrations", "Settings", "Billing"]) {
      await expect(nav.getByRole("link", { name: label }).isVisible()).resolves.toBe(true);
    }
    await screenshot(page, "shell-drawer-phone-nojs");
    await context.close();
  });
});

describe("access", () => {
  it("an anonymous visitor is sent to /login with redirectTo and comes back after signing in", async () => {
    const { context, page } = await openPage(shared.browser, { js: true, viewport: "desktop" });
    await page.goto(`${baseURL}/integrations/developers`);
    expect(page.url()).toBe(`${baseURL}/login?redirectTo=%2Fintegrations%2Fdevelopers`);
    await page.getByLabel("Email").fill("john@acme.com");
    await page.getByLabel("Password").fill("demo-password");
    await Promise.all([page.waitForURL(/\/integrations\/developers$/), page.getByRole("button", { name: "Sign in" }).click()]);
    await context.close();
  });

  it("an agent gets the 403 page", async () => {
    const { context, page } = await openPage(shared.browser, { js: false, viewport: "desktop" });
    await signInThroughForm(page, baseURL, "sarah@acme.com");
    const res = await page.goto(`${baseURL}/integrations`);
    expect(res?.status()).toBe(403);
    await expect(page.getByText("Only company admins").isVisible()).resolves.toBe(true);
    await context.close();
  });

  it("a wrong password shows the error and keeps the email", async () => {
    const { context, page } = await openPage(shared.browser, { js: false, viewport: "phone" });
    await page.goto(`${baseURL}/login`);
    await page.getByLabel("Email").fill("john@acme.com");
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("The email or password is incorrect.");
    await expect(page.getByLabel("Email").inputValue()).resolves.toBe("john@acme.com");
    await screenshot(page, "login-error-phone-nojs");
    await context.close();
  });
});

describe("accessibility (axe-core)", () => {
  for (const viewport of ["desktop", "phone"] as const) {
    it(`/login has no violations at ${viewport} width`, async () => {
      const { context, page } = await openPage(shared.browser, { js: true, viewport });
      await page.goto(`${baseURL}/login`);
      await screenshot(page, `login-${viewport}`);
      expect(await axeViolations(page)).toEqual([]);
      await context.close();
    });

    it(`/integrations has no violations at ${viewport} width`, async () => {
      const { context, page } = await openPage(shared.browser, { js: true, viewport });
      await signInThroughForm(page, baseURL, "john@acme.com");
      expect(await axeViolations(page)).toEqual([]);
      await context.close();
    });
  }
});
