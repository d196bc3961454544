import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const app = fileURLToPath(new URL("../../app", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) && !e.name.includes(".test.") ? [join(dir, e.name)] : [],
  );
}

// What every render pays for, once per element: an Intl formatter made in a component cost half the
// server's CPU on a page of 25 deliveries (ADR 0161). Components format through LocalTime's cached ones.
describe("render hygiene (ADR 0161)", () => {
  it("no component or route constructs an Intl formatter; app/components/local-time.tsx makes them once and reuses them", () => {
    const offenders = [...sources(join(app, "components")), ...sources(join(app, "routes"))]
      .filter((f) => !f.endsWith(join("components", "local-time.tsx")))
      .filter((f) => /new\s+Intl\.|\.toLocale(Date|Time)?String\(\s*[^)\s]/.test(readFileSync(f, "utf8")))
      .map((f) => relative(app, f));
    expect(offenders).toEqual([]);
  });

  it("the check sees the file that does make formatters (it reads the real sources)", () => {
    expect(readFileSync(join(app, "components", "local-time.tsx"), "utf8")).toMatch(/new\s+Intl\.DateTimeFormat/);
  });
});

// An SVG used as a CSS image (a data URI in `mask` or `background`) makes Chromium build an isolated SVG document
// the first time a style uses it: ~100 ms of the first style recalculation on a page with the shell's icons. Icons
// are symbols of the page's one inline sprite (components/icon.tsx, ADR 0165).
describe("icons (ADR 0165)", () => {
  it("the stylesheet draws no SVG image", () => {
    const css = readFileSync(join(app, "styles", "tailwind.css"), "utf8");
    expect(css).not.toMatch(/url\(\s*["']?data:image\/svg/);
    expect(css).not.toMatch(/url\([^)]*\.svg/);
  });

  it("every icon a component names is a symbol of the sprite", async () => {
    const { SPRITE_MARKUP } = await import("../../app/components/icon-sprite.server");
    const symbols = new Set([...SPRITE_MARKUP.matchAll(/<symbol id="icon-([a-z]+)"/g)].map((m) => m[1]));
    expect(symbols.size).toBeGreaterThan(10);
    const named = [...sources(join(app, "components")), ...sources(join(app, "routes"))].flatMap((f) =>
      [...readFileSync(f, "utf8").matchAll(/<Icon name="([a-z]+)"/g)].map((m) => m[1]),
    );
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((n) => !symbols.has(n))).toEqual([]);
  });
});
