import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { BOOKMARK_COOKIE, BOOKMARK_HEADER, sessionConstraint, validBookmark } from "~/lib/db/d1-session";
import worker from "../../workers/app";
import { ORIGIN, signIn } from "../helpers/browser-client";
import { ACME } from "../helpers/seed";
import { API, newKey, validConversation } from "./api-client";

// Issue 15 item 6 (ADR 0120): every request's queries run in one D1 session; the caller carries the
// bookmark (X-D1-Bookmark on /v1, the __Host-ih_d1b cookie in a browser) so it reads its own writes.

const SHAPE = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;
const FAR_FUTURE = `ffffffff-ffffffff-ffffffff-${"f".repeat(32)}`;

/** The Worker with a D1 binding that records the constraint or bookmark each session starts from. */
async function recorded(request: Request) {
  const started: (string | undefined)[] = [];
  const DB = new Proxy(env.DB, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop === "withSession") return (c?: string) => (started.push(c), target.withSession(c));
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const ctx = createExecutionContext();
  const res = await worker.fetch!(request as Request<unknown, IncomingRequestCfProperties>, { ...env, DB }, ctx);
  await res.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return { res, started };
}

let auth: Record<string, string> = {};
beforeAll(async () => {
  auth = { Authorization: `Bearer ${(await newKey(ACME.id)).secret}`, "Content-Type": "application/json" };
});

describe("the session a request starts from", () => {
  it("a write starts at the primary whatever bookmark it brings; a read from a valid bookmark, else unconstrained", () => {
    const b = "00000000-0000001f-00000000-00000000000000000000000000000000";
    expect(sessionConstraint("POST", b)).toBe("first-primary");
    expect(sessionConstraint("PATCH", null)).toBe("first-primary");
    expect(sessionConstraint("DELETE", b)).toBe("first-primary");
    expect(sessionConstraint("GET", b)).toBe(b);
    expect(sessionConstraint("HEAD", b)).toBe(b);
    expect(sessionConstraint("GET", null)).toBe("first-unconstrained");
    for (const bad of ["garbage", "", "first-primary", `${b} `, `${b}0`, b.toUpperCase(), "0000-zz", `${b};Path=/`]) {
      expect(validBookmark(bad)).toBeNull();
      expect(sessionConstraint("GET", bad)).toBe("first-unconstrained");
    }
  });

  it("is chosen once, in the Worker's entry, for /v1 and for pages alike", async () => {
    const b = "00000000-00000001-00000000-00000000000000000000000000000000";
    const read = await recorded(new Request(`${API}/me`, { headers: { ...auth, [BOOKMARK_HEADER]: b } }));
    expect(read.res.status).toBe(200);
    expect(read.started).toEqual([b]);
    const bad = await recorded(new Request(`${API}/me`, { headers: { ...auth, [BOOKMARK_HEADER]: "not-a-bookmark" } }));
    expect(bad.res.status).toBe(200);
    expect(bad.started).toEqual(["first-unconstrained"]);
    const write = await recorded(
      new Request(`${API}/conversations`, {
        method: "POST",
        headers: { ...auth, [BOOKMARK_HEADER]: b },
        body: JSON.stringify(validConversation),
      }),
    );
    expect(write.res.status).toBe(201);
    expect(write.started).toEqual(["first-primary"]);
    const page = await recorded(new Request(`${ORIGIN}/login`, { headers: { Cookie: `${BOOKMARK_COOKIE}=${b}` } }));
    expect(page.res.status).toBe(200);
    expect(page.started).toEqual([b]);
  });
});

describe("/v1: the X-D1-Bookmark header", () => {
  it("a write answers with a bookmark; a read sent with it sees the write (read-your-writes) and answers a bookmark no older", async () => {
    const created = await SELF.fetch(`${API}/conversations`, { method: "POST", headers: auth, body: JSON.stringify(validConversation) });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { id: string }).id;
    const bookmark = created.headers.get(BOOKMARK_HEADER)!;
    expect(bookmark).toMatch(SHAPE);

    const read = await SELF.fetch(`${API}/conversations/${id}`, { headers: { ...auth, [BOOKMARK_HEADER]: bookmark } });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { id: string }).id).toBe(id);
    const after = read.headers.get(BOOKMARK_HEADER)!;
    expect(after).toMatch(SHAPE);
    expect(after >= bookmark).toBe(true); // bookmarks sort oldest to newest
  });

  it("a bad bookmark is ignored, never a 500: the answer carries a valid bookmark of its own", async () => {
    for (const bad of ["garbage", "x".repeat(5000), "../../etc", FAR_FUTURE.toUpperCase()]) {
      const res = await SELF.fetch(`${API}/me`, { headers: { ...auth, [BOOKMARK_HEADER]: bad } });
      expect(res.status).toBe(200);
      expect(res.headers.get(BOOKMARK_HEADER)).toMatch(SHAPE);
    }
  });

  it("a refused request (no key) still answers without a 500", async () => {
    const res = await SELF.fetch(`${API}/me`, { headers: { [BOOKMARK_HEADER]: "garbage" } });
    expect(res.status).toBe(401);
  });
});

describe("pages: the __Host-ih_d1b cookie", () => {
  it("is set after a request that reads, HttpOnly, Secure, SameSite=Lax, Path=/ (a __Host- cookie)", async () => {
    const client = await signIn(ACME.adminEmail);
    const res = await client.get("/integrations/developers");
    expect(res.status).toBe(200);
    const set = res.headers.getSetCookie().find((c) => c.startsWith(`${BOOKMARK_COOKIE}=`));
    // the sign-in's own answer set one already; this page's read moves it on (locally every query does)
    expect(set).toBeDefined();
    const [pair, ...attrs] = set!.split(";").map((s) => s.trim());
    expect(pair!.slice(BOOKMARK_COOKIE.length + 1)).toMatch(SHAPE);
    expect(attrs).toEqual(expect.arrayContaining(["Path=/", "Secure", "HttpOnly", "SameSite=Lax"]));
    expect(attrs.some((a) => /^domain=/i.test(a))).toBe(false);
  });

  it("a form's write is seen by the next page read with the cookie (read-your-writes)", async () => {
    const client = await signIn(ACME.adminEmail);
    const before = client.cookies.get(BOOKMARK_COOKIE)!;
    const path = `sessions-${Date.now()}`;
    const post = await client.post("/integrations/developers/webhooks/new", {
      url: `https://example.com/${path}`,
      events: "conversation.created",
    });
    expect(post.status).toBe(302);
    const after = client.cookies.get(BOOKMARK_COOKIE)!;
    expect(after).toMatch(SHAPE);
    expect(after > before).toBe(true);
    const page = await client.get("/integrations/developers");
    expect(await page.text()).toContain(path);
  });

  it("a bad cookie is ignored (the page renders) and replaced by a valid one", async () => {
    const client = await signIn(ACME.adminEmail);
    client.cookies.set(BOOKMARK_COOKIE, "garbage%zz");
    const res = await client.get("/integrations");
    expect(res.status).toBe(200);
    expect(client.cookies.get(BOOKMARK_COOKIE)).toMatch(SHAPE);
  });

  it("provider callbacks and a request that touched no D1 get no bookmark", async () => {
    const res = await SELF.fetch(`${ORIGIN}/login`);
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().some((c) => c.startsWith(`${BOOKMARK_COOKIE}=`))).toBe(false);
    const slack = await SELF.fetch(`${ORIGIN}/slack/events`, { method: "POST", body: "{}" });
    expect(slack.headers.getSetCookie().some((c) => c.startsWith(`${BOOKMARK_COOKIE}=`))).toBe(false);
  });
});

/**
 * The Worker with a D1 binding whose sessions record each call: the SQL of every statement in each
 * db.batch, and of every statement run on its own (ADR 0140).
 */
async function recordedCalls(request: Request) {
  const started: (string | undefined)[] = [];
  const calls: string[][] = [];
  let responded = false;
  const afterResponse: string[][] = [];
  const sqlOf = new WeakMap<object, string>();
  const statement = (raw: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const wrapped = new Proxy(raw, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        if (prop === "bind") return (...args: unknown[]) => statement(value.apply(target, args), sql);
        if (prop === "run" || prop === "all" || prop === "first" || prop === "raw")
          return (...args: unknown[]) => ((responded ? afterResponse : calls).push([sql]), value.apply(target, args));
        return value.bind(target);
      },
    });
    sqlOf.set(wrapped, sql);
    return wrapped;
  };
  const DB = new Proxy(env.DB, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop !== "withSession") return typeof value === "function" ? value.bind(target) : value;
      return (c?: string) => {
        started.push(c);
        const session = target.withSession(c);
        return new Proxy(session, {
          get(s, p) {
            const v = Reflect.get(s, p, s);
            if (p === "prepare")
              return (sql: string) => {
                const raw = session.prepare(sql);
                const wrapped = statement(raw, sql);
                sqlOf.set(wrapped, sql);
                return wrapped;
              };
            if (p === "batch")
              return (stmts: D1PreparedStatement[]) => {
                (responded ? afterResponse : calls).push(stmts.map((st) => sqlOf.get(st) ?? "?"));
                return session.batch(stmts);
              };
            return typeof v === "function" ? v.bind(s) : v;
          },
        });
      };
    },
  });
  const ctx = createExecutionContext();
  const res = await worker.fetch!(request as Request<unknown, IncomingRequestCfProperties>, { ...env, DB }, ctx);
  const html = await res.text();
  responded = true;
  await waitOnExecutionContext(ctx);
  return { res, html, started, calls, afterResponse };
}

describe("pages read at a replica: the session's touch is not in the page's batch (ADR 0140)", () => {
  const writes = (batches: string[][]) => batches.flat().filter((s) => /^\s*(update|insert|delete)\b/i.test(s));
  const lastSeen = async () =>
    Number(
      (await env.DB.prepare(
        "SELECT last_seen_at FROM sessions WHERE id = (SELECT id FROM sessions ORDER BY created_at DESC LIMIT 1)",
      ).first())!.last_seen_at,
    );

  it("a page with a stale last_seen_at reads in one read-only batch from anywhere, and touches the session after it", async () => {
    await env.DB.prepare("DELETE FROM sessions").run();
    const client = await signIn(ACME.adminEmail);
    const stale = Date.now() - 10 * 60_000; // older than SESSION_TOUCH_MS, within the idle timeout
    await env.DB.prepare("UPDATE sessions SET last_seen_at = ?").bind(stale).run();
    const cookie = [...client.cookies]
      .filter(([k]) => k !== BOOKMARK_COOKIE)
      .map(([k, v]) => `${k}=${v}`)
      .join("; ");
    const page = await recordedCalls(new Request(`${ORIGIN}/integrations/developers`, { headers: { Cookie: cookie } }));
    expect(page.res.status).toBe(200);
    expect(page.started).toEqual(["first-unconstrained"]);
    const batches = page.calls.filter((c) => c.some((s) => /from "sessions"/i.test(s)));
    expect(batches).toHaveLength(1);
    expect(writes(batches)).toEqual([]);
    // the touch ran as its own statement, through waitUntil, and moved last_seen_at forward
    const touches = writes([...page.calls, ...page.afterResponse]);
    expect(touches).toHaveLength(1);
    expect(touches[0]).toMatch(/^update "sessions" set "last_seen_at"/i);
    expect(await lastSeen()).toBeGreaterThan(Date.now() - 60_000);
  });

  it("a page with a fresh last_seen_at writes nothing at all", async () => {
    await env.DB.prepare("DELETE FROM sessions").run();
    const client = await signIn(ACME.adminEmail);
    const fresh = Date.now() - 60_000; // within SESSION_TOUCH_MS
    await env.DB.prepare("UPDATE sessions SET last_seen_at = ?").bind(fresh).run();
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const page = await recordedCalls(new Request(`${ORIGIN}/integrations`, { headers: { Cookie: cookie } }));
    expect(page.res.status).toBe(200);
    expect(page.started).toEqual([client.cookies.get(BOOKMARK_COOKIE)]);
    expect(writes([...page.calls, ...page.afterResponse])).toEqual([]);
    expect(await lastSeen()).toBe(fresh);
  });

  it("a form post (a write) still starts at the primary and touches the session in its own batch", async () => {
    await env.DB.prepare("DELETE FROM sessions").run();
    const client = await signIn(ACME.adminEmail);
    await env.DB.prepare("UPDATE sessions SET last_seen_at = ?")
      .bind(Date.now() - 10 * 60_000)
      .run();
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const body = new URLSearchParams({
      csrf: client.cookies.get("__Host-ih_csrf") ?? "",
      url: "https://example.com/touch",
      events: "conversation.created",
    });
    const post = await recordedCalls(
      new Request(`${ORIGIN}/integrations/developers/webhooks/new`, {
        method: "POST",
        headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded", Origin: ORIGIN, Host: new URL(ORIGIN).host },
        body,
      }),
    );
    expect(post.res.status).toBe(302);
    expect(post.started).toEqual(["first-primary"]);
    expect(post.calls.some((b) => b.some((s) => /from "sessions"/i.test(s)) && b.some((s) => /^update "sessions"/i.test(s)))).toBe(true);
    expect(await lastSeen()).toBeGreaterThan(Date.now() - 60_000);
  });
});
