import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { type BrowserClient, ORIGIN, signIn } from "../helpers/browser-client";
import { ACME, DEMO_PASSWORD } from "../helpers/seed";
import {
  type AcmeFixtures,
  adminPageUrls,
  createAcmeFixtures,
  type DiscoveredForm,
  discoverAllForms,
  fieldsToRecord,
} from "./hardening/fixtures";
import { actionRoutes, adminRoutes, dumpD1, dumpKV, fill, patternOf } from "./hardening/inventory";

/**
 * CSRF for every route with an action in the Remix manifest: the signed-in admin's own valid
 * submission (as the page renders it), minus the token or from another origin, is a 403 and
 * changes nothing in D1 or KV (not even a session).
 */
let fx: AcmeFixtures;
let forms: DiscoveredForm[];
let admin: BrowserClient;

beforeAll(async () => {
  fx = await createAcmeFixtures();
  admin = await signIn(ACME.adminEmail);
  forms = await discoverAllForms(admin, adminPageUrls(adminRoutes.map(patternOf), fx, fill));
});

function submissionsFor(url: string): Record<string, string[]>[] {
  if (url === "/login") return [{ email: [ACME.adminEmail], password: [DEMO_PASSWORD] }];
  const found = forms.filter((f) => f.action.replace(/\?.*$/, "") === url).map((f) => fieldsToRecord(f.fields));
  return found.length ? found : [{ intent: ["anything"] }];
}

const state = async () => ({ d1: await dumpD1(), kv: await dumpKV() });

/** Each way a forged request can look. */
const forgeries: [string, (url: string, fields: Record<string, string[]>) => Promise<Response>][] = [
  ["without the CSRF field", (url, f) => admin.post(url, f, { csrf: false })],
  ["with a wrong CSRF token", (url, f) => admin.post(url, f, { csrf: "x".repeat(43) })],
  ["with an empty CSRF token", (url, f) => admin.post(url, f, { csrf: "" })],
  ["from a foreign Origin", (url, f) => admin.post(url, f, { origin: "https://evil.example" })],
  ["from a look-alike Origin", (url, f) => admin.post(url, f, { origin: `${ORIGIN}.evil.example` })],
  ["with Origin null", (url, f) => admin.post(url, f, { origin: "null" })],
  ["cross-site without Origin", (url, f) => admin.post(url, f, { origin: null, headers: { "Sec-Fetch-Site": "cross-site" } })],
  [
    "as JSON instead of a form",
    async (url, f) => {
      await admin.ensureCsrf();
      const cookie = [...admin.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
      return SELF.fetch(`${ORIGIN}${url}`, {
        method: "POST",
        redirect: "manual",
        headers: { "Content-Type": "application/json", Origin: ORIGIN, Cookie: cookie },
        body: JSON.stringify({ ...Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v[0]])), csrf: admin.csrf }),
      });
    },
  ],
  [
    "without the CSRF cookie",
    async (url, f) => {
      const cookie = [...admin.cookies]
        .filter(([k]) => k !== "__Host-ih_csrf")
        .map(([k, v]) => `${k}=${v}`)
        .join("; ");
      const body = new URLSearchParams({ csrf: admin.csrf });
      for (const [k, vs] of Object.entries(f)) for (const v of vs) body.append(k, v);
      return SELF.fetch(`${ORIGIN}${url}`, {
        method: "POST",
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: ORIGIN, Cookie: cookie },
        body,
      });
    },
  ],
];

describe("CSRF on every POST route", () => {
  it("the manifest has POST routes and the admin's pages render forms for them", () => {
    expect(actionRoutes.length).toBeGreaterThan(3);
    expect(forms.length).toBeGreaterThan(3);
  });

  it.each(actionRoutes.map((r) => [r.id, patternOf(r)]))(
    "%s: every forgery is a 403 and nothing changes in D1 or KV",
    async (_id, pattern) => {
      const url = fill(pattern, fx.pageParams);
      const before = await state();
      for (const fields of submissionsFor(url)) {
        for (const [name, send] of forgeries) {
          const res = await send(url, fields);
          expect(res.status, `${name} ${JSON.stringify(fields)}`).toBe(403);
          expect(res.headers.get("Set-Cookie") ?? "", name).not.toMatch(/ih_session=[^;]/);
          await res.body?.cancel();
        }
      }
      expect(await state()).toEqual(before);
    },
  );

  it("the same submission with the token and the page's Origin is not refused (the gate is not a blanket 403)", async () => {
    const res = await admin.post("/integrations/developers", { intent: "no-such-intent" });
    expect(res.status).toBe(400);
  });
});
