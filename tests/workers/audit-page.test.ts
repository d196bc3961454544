import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApiKey } from "~/lib/api-keys/keys.server";
import { type AuditActor, auditInsert } from "~/lib/audit.server";
import { auditPageQueries, csvCell } from "~/lib/audit-log.server";
import { createDb } from "~/lib/db/client";
import { DEFAULT_RETENTION } from "~/lib/retention";
import { purgeExpiredHistory } from "~/lib/retention.server";
import { rotateSecret } from "~/lib/webhooks/endpoints.server";
import { signIn } from "../helpers/browser-client";
import { ACME, GLOBEX } from "../helpers/seed";
import { countingD1 } from "./d1-counter";
import { db, endpointDeps, makeEndpoint } from "./webhook-fixtures";

/** The audit log on screen (issue 18 item 6): company-scoped, filterable, paged, exported as safe CSV, never a secret. */
const PAGE = "/integrations/developers/audit";
const system = { type: "system" as const, id: null, label: "test" };

async function row(entry: { companyId?: string; action: string; at: Date; details?: Record<string, unknown>; target?: string }) {
  await auditInsert(db(), { companyId: entry.companyId ?? ACME.id, actor: system, target: entry.target ?? null, ...entry });
}

describe("the Audit log page", () => {
  it("lists who created and rotated what, with no secret anywhere on the page, and links from API & Webhooks", async () => {
    const { endpoint, secret } = await makeEndpoint({ url: "https://hooks.example.com/audited" });
    const rotated = await rotateSecret(await endpointDeps(), endpoint.id);
    if (!rotated.ok) throw new Error("rotate failed");
    const key = await createApiKey({
      db: db(),
      companyId: ACME.id,
      actor: { type: "user", id: "usr_john", label: "john@acme.com" },
      now: new Date(),
      name: "Audited key",
      scopes: ["webhooks:read"],
    });
    const admin = await signIn(ACME.adminEmail);
    expect(await (await admin.get("/integrations/developers")).text()).toContain(`href="${PAGE}"`);
    const res = await admin.get(PAGE);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Created a webhook endpoint");
    expect(html).toContain("Rotated a webhook signing secret");
    expect(html).toContain("Created an API key");
    expect(html).toContain(endpoint.id);
    for (const s of [secret, rotated.value.secret, key.secret]) expect(html).not.toContain(s);
    expect(html).not.toMatch(/whsec_[A-Za-z0-9+/=]{20}|sk_live_[A-Za-z0-9_-]{20}/);
  });

  it("a secret-shaped value that reached a row some other way is still redacted on the page and in the CSV", async () => {
    await env.DB.prepare("INSERT INTO audit_log (id, company_id, actor, action, target, details, ip, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .bind(
        "aud_raw_secret",
        ACME.id,
        JSON.stringify(system),
        "integration.configured",
        "conn_x",
        JSON.stringify({ note: "whsec_c2VjcmV0c2VjcmV0c2VjcmV0", access_token: "plain-token-value" }),
        null,
        Date.now(),
      )
      .run();
    const admin = await signIn(ACME.adminEmail);
    for (const path of [PAGE, `${PAGE}.csv`]) {
      const text = await (await admin.get(path)).text();
      expect(text).not.toContain("whsec_c2VjcmV0");
      expect(text).not.toContain("plain-token-value");
      expect(text).toContain("[redacted]");
    }
  });

  it("filters by action (one, or a whole area), by who, and by a date range, with a plain GET form", async () => {
    const day = (d: string) => new Date(`${d}T12:00:00Z`);
    await row({ companyId: GLOBEX.id, action: "api_key.revoked", at: day("2024-03-01"), target: "key_march" });
    await row({ companyId: GLOBEX.id, action: "api_key.created", at: day("2024-03-05"), target: "key_created" });
    await row({ companyId: GLOBEX.id, action: "integration.connected", at: day("2024-04-01"), target: "conn_april" });
    await auditInsert(db(), {
      companyId: GLOBEX.id,
      actor: { type: "user", id: "usr_globex_admin", label: "admin@globex.com" },
      action: "integration.disconnected",
      target: "conn_by_admin",
      at: day("2024-04-02"),
    });
    const admin = await signIn(GLOBEX.adminEmail);
    const page = await (await admin.get(PAGE)).text();
    expect(page).toContain('<form method="get"');
    const targets = async (query: string) => {
      const html = await (await admin.get(`${PAGE}?${query}`)).text();
      return ["key_march", "key_created", "conn_april", "conn_by_admin"].filter((t) => html.includes(t));
    };
    expect(await targets("action=api_key.revoked")).toEqual(["key_march"]);
    expect(await targets("action=api_key")).toEqual(["key_march", "key_created"]);
    expect(await targets("actor=user%3Ausr_globex_admin")).toEqual(["conn_by_admin"]);
    expect(await targets("from=2024-03-02&to=2024-04-01")).toEqual(["key_created", "conn_april"]);
    expect(page).toContain('value="user:usr_globex_admin"');
  });

  it("bad filter values are a 400 with the field's error and no rows", async () => {
    const admin = await signIn(ACME.adminEmail);
    const res = await admin.get(`${PAGE}?from=2024-13-45&to=yesterday&action=DROP%20TABLE`);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("Enter a real date.");
    expect(html).toContain("Enter a date as YYYY-MM-DD.");
    expect(html).toContain("Choose an action from the list.");
    expect(html).toContain("Fix the filter above to see entries.");
    expect((await admin.get(`${PAGE}.csv?cursor=nope`)).status).toBe(400);
  });

  it("pages by cursor, newest first, 50 at a time, and never shows another company's rows", async () => {
    const base = Date.UTC(2023, 0, 1);
    for (let i = 0; i < 60; i++) await row({ action: "webhook_endpoint.tested", at: new Date(base + i * 1000), target: `we_page_${i}` });
    await row({ companyId: GLOBEX.id, action: "webhook_endpoint.tested", at: new Date(base + 500), target: "we_globex_only" });
    const admin = await signIn(ACME.adminEmail);
    const first = await (await admin.get(`${PAGE}?to=2023-01-01`)).text();
    expect(first).toContain("we_page_59");
    expect(first).toContain("we_page_10");
    expect(first).not.toContain("we_page_9<");
    const next = first.match(/href="([^"]*cursor=[^"]*)">Older entries/)?.[1]?.replace(/&amp;/g, "&");
    expect(next).toBeDefined();
    const second = await (await admin.get(next!)).text();
    expect(second).toContain("we_page_9<");
    expect(second).toContain("we_page_0<");
    expect(second).not.toContain("we_page_10<");
    expect(second).not.toContain("Older entries");
    expect(first + second).not.toContain("we_globex_only");
  });

  it("the page's rows and the Who options come back from one D1 round trip", async () => {
    const counter = countingD1(env.DB);
    const d = createDb(counter.db);
    const [rows, actors] = await d.batch([...auditPageQueries(d, ACME.id, {})]);
    expect(counter.calls()).toBe(1);
    expect(rows.length).toBeGreaterThan(0);
    expect(actors.length).toBeGreaterThan(0);
  });

  it("the Who options come from the per-actor rollup the trigger keeps: one row per actor, its latest label, expired actors purged with their rows (ADR 0164)", async () => {
    const key = (label: string) => ({ type: "api_key" as const, id: "key_rollup", label });
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
    const written: [string, AuditActor, Date][] = [
      [ACME.id, key("Old name"), minutesAgo(1)],
      [ACME.id, key("New name"), minutesAgo(0)],
      // an older row written later does not take the label back
      [ACME.id, key("Older name"), minutesAgo(2)],
      [ACME.id, { type: "user", id: "usr_gone", label: "gone@acme.com" }, minutesAgo(400 * 24 * 60)],
      [GLOBEX.id, { type: "user", id: "usr_globex_only", label: "g@globex.com" }, minutesAgo(0)],
    ];
    for (const [companyId, actor, at] of written)
      await auditInsert(db(), { companyId, actor, action: "api_key.created", target: null, at });
    const rollup = await env.DB.prepare(
      "SELECT actor_type, actor_id, label FROM audit_actors WHERE company_id = ? AND actor_id IN ('key_rollup', 'usr_gone')",
    )
      .bind(ACME.id)
      .all();
    expect(rollup.results).toEqual(
      expect.arrayContaining([
        { actor_type: "api_key", actor_id: "key_rollup", label: "New name" },
        { actor_type: "user", actor_id: "usr_gone", label: "gone@acme.com" },
      ]),
    );
    expect(rollup.results).toHaveLength(2);
    const d = createDb(env.DB);
    const [, actors] = await d.batch([...auditPageQueries(d, ACME.id, {})]);
    const ids = actors.map((a) => `${a.type}:${a.id}`);
    expect(ids).toContain("api_key:key_rollup");
    expect(ids).toContain("user:usr_gone");
    expect(ids).not.toContain("user:usr_globex_only");
    // the actor whose rows all passed the 1-year window leaves the filter with them
    await purgeExpiredHistory({ db: d, now: new Date(), windows: DEFAULT_RETENTION });
    const [, after] = await d.batch([...auditPageQueries(d, ACME.id, {})]);
    expect(after.map((a) => `${a.type}:${a.id}`)).not.toContain("user:usr_gone");
    expect(after.map((a) => `${a.type}:${a.id}`)).toContain("api_key:key_rollup");
  });

  it("with more than 100 actors the Who filter keeps the 100 who acted last, whatever their labels", async () => {
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
    for (let i = 0; i < 105; i++) {
      const actor = { type: "api_key" as const, id: `key_many_${i}`, label: `a-key-${String(i).padStart(3, "0")}` };
      await auditInsert(db(), { companyId: ACME.id, actor, action: "api_key.created", target: null, at: at(60 + i) });
    }
    const latest = { type: "user" as const, id: "usr_zz", label: "zz@acme.com" };
    await auditInsert(db(), { companyId: ACME.id, actor: latest, action: "x", target: null, at: at(0) });
    const d = createDb(env.DB);
    const [, actors] = await d.batch([...auditPageQueries(d, ACME.id, {})]);
    const ids = actors.map((a) => a.id);
    expect(actors).toHaveLength(100);
    expect(ids).toContain("usr_zz");
    expect(ids).not.toContain("key_many_104"); // the one who acted longest ago
    expect(actors.map((a) => a.label ?? "")).toEqual([...actors.map((a) => a.label ?? "")].sort());
  });

  it("only admins: an agent gets 403 for the page and the export", async () => {
    const agent = await signIn(ACME.agentEmail);
    expect((await agent.get(PAGE)).status).toBe(403);
    expect((await agent.get(`${PAGE}.csv`)).status).toBe(403);
  });
});

describe("the CSV export", () => {
  it("is a CSV attachment of the filtered rows, and a cell that starts like a formula is neutralised", async () => {
    await row({
      action: "webhook_endpoint.created",
      at: new Date(Date.UTC(2022, 5, 1)),
      target: '=HYPERLINK("http://evil.test","x")',
      details: { description: "+1 call me", url: "@SUM(A1)", other: "-2" },
    });
    const admin = await signIn(ACME.adminEmail);
    const res = await admin.get(`${PAGE}.csv?from=2022-06-01&to=2022-06-01`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("Content-Disposition")).toMatch(/^attachment; filename="audit-log-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = (await res.text()).trimEnd().split("\r\n");
    expect(lines[0]).toBe("at,actor_type,actor,action,description,target,details,ip");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil.test"",""x"")"`);
    expect(lines[1]).toMatch(/^2022-06-01T00:00:00\.000Z,system,System \(test\),webhook_endpoint\.created,Created a webhook endpoint,/);
  });

  it.each([
    ["=1+2", "'=1+2"],
    ["+1", "'+1"],
    ["-1", "'-1"],
    ["@cmd", "'@cmd"],
    ["\tx", "'\tx"],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["plain", "plain"],
    [null, ""],
  ])("csvCell(%j) → %j", (input, output) => {
    expect(csvCell(input)).toBe(output);
  });
});
