import { describe, expect, it } from "vitest";
// @ts-ignore: plain JS shared with the benchmark
import { BUDGETS, integrationsPage, pageWeight } from "../../scripts/bundle-sizes.mjs";

// Sizes are deterministic, so the architecture.md §8 budgets are enforced here; timings live in `npm run bench`.
describe("size budgets (architecture.md §8)", () => {
  const weight = pageWeight(integrationsPage());

  it(`client JS for /integrations is at most ${BUDGETS.jsGzip / 1024} KB gzip`, () => {
    expect(weight.js.gzip).toBeLessThanOrEqual(BUDGETS.jsGzip);
  });

  it(`CSS for /integrations is at most ${BUDGETS.cssGzip / 1024} KB gzip`, () => {
    expect(weight.css.gzip).toBeLessThanOrEqual(BUDGETS.cssGzip);
  });

  it("the weight counts the real files (entry, root and route modules, CSS)", () => {
    expect(weight.jsFiles.length).toBeGreaterThan(4);
    expect(weight.js.gzip).toBeGreaterThan(50 * 1024); // react-dom + remix alone are ~80 KB gzip
    expect(weight.css.gzip).toBeGreaterThan(1024);
  });
});
