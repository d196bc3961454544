import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clearDnsCache } from "~/lib/webhooks/url-guard";
// @ts-ignore: plain JS module shared with the Node provider sandbox
import { ORDERS_EMAIL } from "../../scripts/sandbox/shopify.mjs";
import { ACME, TEST_API_KEY } from "../helpers/seed";
import { api, newKey } from "./api-client";
import { installCommerceFakes } from "./commerce-helpers";
import { connect, connectionRow, type Installed, installCrmFakes, resetTables, SALESFORCE_INSTANCE } from "./crm-helpers";

/**
 * GET /v1/contacts/{email}/context (issue 18 item 5): every connected CRM, help desk and store is
 * asked in parallel through its adapter's hook, against the sandbox's fakes of the real search
 * APIs; each part is labelled with its source and age; a slow source is reported missing within
 * its budget; answers are cached in KV (never under the email) and never written to D1.
 */
const EMAIL = ORDERS_EMAIL as string;
const ZENDESK = { subdomain: "acme", email: "sam@acme.com", api_token: "sandbox_zendesk_token" };
const FRESHDESK = { domain: "acme.freshdesk.com", api_key: "sandbox_freshdesk_key" };

let crm: Installed;
let store: ReturnType<typeof installCommerceFakes>;
let key: string;

type Part = {
  source: string;
  kind: string;
  fetched_at: string;
  age_seconds: number;
  cached: boolean;
  found: boolean;
  crm?: Record<string, unknown>;
  helpdesk?: { open_tickets: { id: string; subject: string | null; status: string; url: string | null }[] };
  store?: { recent_orders: { number: string }[] };
};
type Context = { email: string; parts: Part[]; missing: { source: string; kind: string; reason: string }[] };

const context = (email = EMAIL, k = key) => api(`/contacts/${encodeURIComponent(email)}/context`, { key: k });

async function send(
  fake: { handle: (r: Request, p?: string) => Promise<Response> },
  url: string,
  auth: string,
  body: unknown,
  path?: string,
) {
  const res = await fake.handle(
    new Request(url, { method: "POST", headers: { Authorization: auth, "Content-Type": "application/json" }, body: JSON.stringify(body) }),
    path,
  );
  expect(res.status).toBeLessThan(300);
}

/** What each provider knows about the customer, put there through the providers' own APIs (the fakes). */
async function seedProviders() {
  await send(crm.fakes.hubspot, "https://api.hubspot.fake.test/crm/v3/objects/contacts", "Bearer sandbox_hubspot", {
    properties: {
      email: EMAIL,
      firstname: "Olivia",
      lastname: "Orders",
      company: "Orders Ltd",
      lifecyclestage: "customer",
      hubspot_owner_id: "71",
    },
    associations: [],
  });
  const zendeskAuth = `Basic ${btoa("sam@acme.com/token:sandbox_zendesk_token")}`;
  for (const [subject, status] of [
    ["Kettle arrived broken", "open"],
    ["Old question", "solved"],
  ])
    await send(
      crm.fakes.zendesk,
      "https://zendesk.fake.test/acme/api/v2/tickets.json",
      zendeskAuth,
      { ticket: { subject, status, requester: { name: "Olivia Orders", email: EMAIL }, comment: { body: subject } } },
      "/api/v2/tickets.json",
    );
  const freshdeskAuth = `Basic ${btoa("sandbox_freshdesk_key:X")}`;
  for (const [subject, status] of [
    ["Refund pending", 3],
    ["Resolved thing", 4],
  ])
    await send(
      crm.fakes.freshdesk,
      "https://freshdesk.fake.test/acme.freshdesk.com/api/v2/tickets",
      freshdeskAuth,
      { email: EMAIL, subject, description: subject, status, priority: 1 },
      "/api/v2/tickets",
    );
}

async function connectAll() {
  await connect("hubspot", { accessToken: "sandbox_hubspot", accountId: "4242424" });
  await connect("zendesk", { fields: ZENDESK });
  await connect("freshdesk", { fields: FRESHDESK });
  await connect("shopify", {
    fields: { shop: "acme.myshopify.com", access_token: "sandbox_shpat_123" },
    context: { shop: "acme.myshopify.com" },
  });
}

const providerCalls = () =>
  [crm.fakes.hubspot, crm.fakes.zendesk, crm.fakes.freshdesk, store.fakes.shopify]
    .flatMap((f) => f.calls())
    .filter((c) => c.method === "GET" || c.path.includes("search") || c.path.includes("graphql"));

beforeEach(async () => {
  await resetTables();
  await env.KV.list({ prefix: "context:" }).then((l) => Promise.all(l.keys.map((k) => env.KV.delete(k.name))));
  clearDnsCache();
  crm = installCrmFakes();
  store = installCommerceFakes();
  key = (await newKey(ACME.id, ["contacts:read"], "AI agent")).secret;
});
afterEach(() => {
  store.restore();
  crm.restore();
  vi.unstubAllGlobals();
  delete (env as unknown as Record<string, unknown>).CUSTOMER_CONTEXT_BUDGET_MS;
});

describe("GET /v1/contacts/{email}/context", () => {
  it("merges the CRM's record, the help desks' open tickets and the store's orders, each labelled with its source and age", async () => {
    await connectAll();
    await seedProviders();
    const res = await context();
    expect(res.status).toBe(200);
    const body = (await res.json()) as Context;
    expect(body.missing).toEqual([]);
    expect(body.parts.map((p) => [p.source, p.kind, p.found, p.cached])).toEqual([
      ["freshdesk", "helpdesk", true, false],
      ["hubspot", "crm", true, false],
      ["shopify", "store", true, false],
      ["zendesk", "helpdesk", true, false],
    ]);
    for (const p of body.parts) {
      expect(Date.parse(p.fetched_at)).toBeGreaterThan(Date.now() - 60_000);
      expect(p.age_seconds).toBeLessThan(60);
    }
    const by = Object.fromEntries(body.parts.map((p) => [p.source, p]));
    expect(by.hubspot!.crm).toEqual({
      name: "Olivia Orders",
      company: "Orders Ltd",
      owner: "Sam Rivers",
      lifecycle_stage: "customer",
      open_deals: [],
      url: expect.stringContaining("/contacts/4242424/record/0-1/"),
    });
    expect(by.zendesk!.helpdesk!.open_tickets.map((t) => [t.subject, t.status])).toEqual([["Kettle arrived broken", "open"]]);
    expect(by.zendesk!.helpdesk!.open_tickets[0]!.url).toMatch(/^https:\/\/zendesk\.fake\.test\/acme\/agent\/tickets\/\d+$/);
    expect(by.freshdesk!.helpdesk!.open_tickets.map((t) => [t.subject, t.status])).toEqual([["Refund pending", "pending"]]);
    expect(by.shopify!.store!.recent_orders.length).toBeGreaterThan(0);

    // The real search APIs were asked, as the providers document them.
    const paths = (f: { calls: () => { method: string; path: string }[] }) => f.calls().map((c) => `${c.method} ${c.path}`);
    expect(paths(crm.fakes.hubspot)).toEqual(expect.arrayContaining(["POST /crm/v3/objects/contacts/search", "GET /crm/v3/owners/71"]));
    expect(paths(crm.fakes.zendesk)).toEqual(
      expect.arrayContaining([
        "GET /api/v2/users/search.json",
        expect.stringMatching(/^GET \/api\/v2\/users\/\d+\/tickets\/requested\.json$/),
      ]),
    );
    expect(paths(crm.fakes.freshdesk)).toEqual(expect.arrayContaining(["GET /api/v2/contacts", "GET /api/v2/tickets"]));
  });

  it("a second call within the minute answers from the cache (same fetched_at, cached: true) without asking the providers again", async () => {
    await connectAll();
    await seedProviders();
    const first = (await (await context()).json()) as Context;
    const asked = providerCalls().length;
    const second = (await (await context()).json()) as Context;
    expect(second.parts.map((p) => p.cached)).toEqual([true, true, true, true]);
    expect(second.parts.map((p) => p.fetched_at)).toEqual(first.parts.map((p) => p.fetched_at));
    expect(providerCalls().length).toBe(asked);
    // Cached under the connection and a hash of the email, never the email itself.
    const keys = (await env.KV.list({ prefix: "context:" })).keys.map((k) => k.name);
    expect(keys).toHaveLength(4);
    for (const k of keys) expect(k).toMatch(/^context:conn_[0-9a-z]+:[0-9a-f]{64}$/);
  });

  it("a slow source is reported missing within its budget and does not delay the others", async () => {
    (env as unknown as Record<string, unknown>).CUSTOMER_CONTEXT_BUDGET_MS = "400";
    await connectAll();
    await seedProviders();
    crm.fakes.hubspot.inject({ path: "/crm/v3/objects/contacts/search", delayMs: 5000 });
    const started = Date.now();
    const res = await context();
    const took = Date.now() - started;
    expect(res.status).toBe(200);
    const body = (await res.json()) as Context;
    expect(body.missing).toEqual([
      { source: "hubspot", source_name: "HubSpot", kind: "crm", reason: "HubSpot did not answer within 400 ms." },
    ]);
    expect(body.parts.map((p) => p.source)).toEqual(["freshdesk", "shopify", "zendesk"]);
    // The slow one held nothing up: well under its five seconds (the rest answer in-process).
    expect(took).toBeLessThan(3000);
    // Nothing was cached for the missing source: the next call asks it again.
    expect((await env.KV.list({ prefix: "context:" })).keys).toHaveLength(3);
  });

  it("a customer nobody knows: every source answers found: false; a refused credential is missing and marks the connection", async () => {
    await connectAll();
    crm.fakes.zendesk.inject({ path: "/api/v2/users/search", status: 401 });
    const body = (await (await context("nobody@customer.test")).json()) as Context;
    expect(body.parts.map((p) => [p.source, p.found])).toEqual([
      ["freshdesk", false],
      ["hubspot", false],
      ["shopify", false],
    ]);
    for (const p of body.parts) expect(p.crm ?? p.helpdesk ?? p.store).toBeUndefined();
    expect(body.missing).toEqual([
      { source: "zendesk", source_name: "Zendesk", kind: "helpdesk", reason: "Zendesk refused our access; reconnect it." },
    ]);
    expect(await connectionRow("zendesk")).toMatchObject({ status: "needs_reauth" });
  });

  it("needs the contacts:read scope and a connected source; a bad email is a 400 with the field; nothing is written to D1", async () => {
    expect((await context(EMAIL, TEST_API_KEY)).status).toBe(403);
    expect((await context()).status).toBe(404);
    await connectAll();
    await seedProviders();
    const bad = await context("not-an-email");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: Record<string, string[]> }).errors).toEqual({ email: ["Must be an email address"] });
    expect((await context()).status).toBe(200);
    const tables = await env.DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'",
    ).all<{
      name: string;
    }>();
    for (const { name } of tables.results) {
      const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
      expect(JSON.stringify(rows.results), name).not.toContain(EMAIL);
      expect(JSON.stringify(rows.results), name).not.toContain("Orders Ltd");
    }
  });

  it("Salesforce (SOQL: the Contact with its Account, owner and open opportunities, else the Lead) and Pipedrive (person search, person, open deals)", async () => {
    await connect("salesforce", { accessToken: "sandbox_sf", context: { instance_url: SALESFORCE_INSTANCE } });
    await connect("pipedrive", { accessToken: "sandbox_pd", context: { api_domain: "https://api.pipedrive.fake.test" } });
    const maria = (await (await context("maria@example.com")).json()) as Context;
    const by = Object.fromEntries(maria.parts.map((p) => [p.source, p]));
    expect(by.salesforce!.crm).toEqual({
      name: "Maria Garcia",
      company: "Garcia Imports",
      owner: "Sam Rivers",
      lifecycle_stage: null,
      open_deals: [{ name: "Garcia Imports: 40 kettles", stage: "Proposal/Price Quote", amount: "1200", close_date: "2026-02-01" }],
      url: `${SALESFORCE_INSTANCE}/lightning/r/Contact/0035g00000SANDBOX1/view`,
    });
    expect(by.pipedrive!.crm).toMatchObject({
      name: "Maria Garcia",
      company: "Garcia Imports",
      owner: "John Admin",
      open_deals: [{ name: "Garcia Imports: 40 kettles", stage: null, amount: "1200 EUR", close_date: "2026-02-01" }],
    });
    const soql = crm.fakes.salesforce.calls().map((c) => c.query.q);
    expect(soql).toEqual([
      "SELECT Id, Name, AccountId, Account.Name, Owner.Name FROM Contact WHERE Email = 'maria@example.com' LIMIT 1",
      "SELECT Name, StageName, Amount, CloseDate FROM Opportunity WHERE AccountId = '0015g00000SANDBOXA' AND IsClosed = false ORDER BY CloseDate LIMIT 5",
    ]);
    expect(crm.fakes.pipedrive.calls().map((c) => `${c.method} ${c.path}`)).toEqual([
      "GET /v1/persons/search",
      "GET /v1/persons/201",
      "GET /v1/persons/201/deals",
    ]);

    const li = (await (await context("li.wei@example.com")).json()) as Context;
    const lead = li.parts.find((p) => p.source === "salesforce")!;
    expect(lead.crm).toMatchObject({
      name: "Li Wei",
      company: "Wei Imports",
      lifecycle_stage: "Lead: Open - Not Contacted",
      open_deals: [],
    });
    expect(li.parts.find((p) => p.source === "pipedrive")).toMatchObject({ found: false });
  });
});
