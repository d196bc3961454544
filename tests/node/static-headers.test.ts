import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { HSTS_VALUE } from "~/lib/http/headers";

// Static assets are served without running the Worker: public/_headers gives them the HSTS header
// the Worker adds to its own responses in production (tests/workers/transport-security.test.ts).
it("public/_headers sends every static asset the Worker's HSTS policy", () => {
  const rules = readFileSync(new URL("../../public/_headers", import.meta.url), "utf8")
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith("#"));
  expect(rules[0]).toBe("/*");
  expect(rules.slice(1).map((l) => l.trim())).toContain(`Strict-Transport-Security: ${HSTS_VALUE}`);
});
