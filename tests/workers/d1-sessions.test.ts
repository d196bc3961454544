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
