import { env, SELF } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { type BrowserClient, ORIGIN, signIn } from "../helpers/browser-client";
import { ACME } from "../helpers/seed";
import { FAKE_ENV } from "./fake-provider";
import { adminPageUrls, createAcmeFixtures, type DiscoveredForm, discoverAllForms } from "./hardening/fixtures";
import { hostileForm, UNESCAPED } from "./hardening/hostile";
import { adminRoutes, captureQueues, dumpD1, fill, patternOf } from "./hardening/inventory";

/**
 * Every POST form the admin's pages render (discovered from the HTML, so forms added later are
 * fuzzed too), submitted with hostile values: never a 500, a refusal (4xx) leaves D1 exactly as
 * it was, and nothing the fuzzer sent comes back unescaped in the HTML (nor on the page a
 * success redirects to).
 */
/** Each run renders a full page (~60 ms in workerd): 30 runs × every form keeps the file well under a minute. */
const RUNS = 30;
let admin: BrowserClient;
let forms: DiscoveredForm[];

/** Destructive submissions run last so they do not remove the rows the others act on. */
const destructive = (f: DiscoveredForm) =>
  /\/(delete|disconnect)$/.test(f.action) || f.fields.some(([n, v]) => n === "intent" && /revoke|delete|disconnect|regenerate/.test(v));

beforeAll(async () => {
  // Configured OAuth providers (fake hosts), so Connect reaches its real code path.
  Object.assign(env, FAKE_ENV);
  // No queue consumer may write behind the comparison's back: messages are captured, not delivered.
  captureQueues();
  const fx = await createAcmeFixtures();
  admin = await signIn(ACME.adminEmail);
  const all = await discoverAllForms(admin, adminPageUrls(adminRoutes.map(patternOf), fx, fill));
  forms = [...all.filter((f) => !destructive(f)), ...all.filter(destructive)];
});

async function postPairs(client: BrowserClient, url: string, pairs: [string, string][]) {
  const body = new URLSearchParams();
  body.append("csrf", client.csrf);
  for (const [k, v] of pairs) body.append(k, v);
  const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  return SELF.fetch(`${ORIGIN}${url}`, {
    method: "POST",
    body,
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Host: new URL(ORIGIN).host, Origin: ORIGIN, Cookie: cookie },
  });
}

describe("fuzzing every form action", () => {
  it("finds the forms to fuzz on the admin's pages", () => {
    expect(forms.length).toBeGreaterThan(5);
    expect(new Set(forms.map((f) => f.fields.find(([n]) => n === "intent")?.[1])).size).toBeGreaterThan(4);
  });

  // RUNS bounds the work; the timeout only ends a hang. The run takes ~80–100 s on 2 idle cores and passed 120 s
  // once with the e2e project running beside it, so the bound is far from the work.
  it("fuzzes each form: never a 500, no partial write on a refusal, everything echoed is escaped", { timeout: 480_000 }, async () => {
    const statuses = new Map<string, Set<number>>();
    for (const form of forms) {
      const label = `${form.action} ${form.fields.find(([n]) => n === "intent")?.[1] ?? ""}`;
      const seen = statuses.get(label) ?? new Set<number>();
      statuses.set(label, seen);
      await fc.assert(
        fc.asyncProperty(hostileForm(form.fields), async (pairs) => {
          const before = await dumpD1();
          const res = await postPairs(admin, form.action, pairs);
          const text = await res.text();
          const where = `${label} ${JSON.stringify(pairs).slice(0, 300)}`;
          seen.add(res.status);
          expect(res.status, where).toBeLessThan(500);
          expect(text, where).not.toMatch(UNESCAPED);
          if (res.status >= 400) expect(await dumpD1(), `partial write: ${where}`).toEqual(before);
          const location = res.headers.get("Location");
          const sentMarker = pairs.some(([, v]) => v.includes("fuzzmark"));
          if (sentMarker && res.status >= 300 && res.status < 400 && location?.startsWith("/")) {
            const next = await admin.get(location);
            expect(next.status, `redirect target of ${where}`).toBeLessThan(500);
            expect(await next.text(), `redirect target of ${where}`).not.toMatch(UNESCAPED);
          }
        }),
        { numRuns: RUNS },
      );
    }
    // The fuzzer must reach the forms' validation, not bounce off a gate.
    const refusedOnly = [...statuses].filter(([, s]) => [...s].every((code) => code === 403 || code === 401));
    expect(refusedOnly).toEqual([]);
  });
});
