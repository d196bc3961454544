// HTTP helpers for the benchmark: sign in through the real /login form, call the /v1 API.
import http from "node:http";
import { idleBoundKeepSocketAlive } from "../lib.mjs";

function cookiesFrom(res) {
  const jar = {};
  for (const c of res.headers.getSetCookie?.() ?? []) {
    const [pair] = c.split(";");
    const eq = pair.indexOf("=");
    jar[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return jar;
}

const cookieHeader = (jar) =>
  Object.entries(jar)
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");

/**
 * Signs in as `email` the way a browser does: GET /login for the CSRF cookie, POST the form with
 * the `csrf` field and the Origin header, keep the session cookie. Returns the Cookie header value.
 */
export async function signIn(base, email, password = process.env.DEMO_PASSWORD || "demo-password") {
  const page = await fetch(`${base}/login`, { redirect: "manual" });
  await page.text();
  const jar = cookiesFrom(page);
  const csrf = jar["__Host-ih_csrf"];
  if (!csrf) throw new Error("GET /login set no __Host-ih_csrf cookie");
  const body = new URLSearchParams({ email, password, csrf: decodeURIComponent(csrf), redirectTo: "/integrations" });
  const res = await fetch(`${base}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: base, Cookie: cookieHeader(jar) },
    body,
  });
  await res.text();
  Object.assign(jar, cookiesFrom(res));
  if (res.status !== 302 || !jar["__Host-ih_session"]) throw new Error(`sign-in as ${email} failed: ${res.status}`);
  const cookie = cookieHeader(jar);
  const check = await fetch(`${base}/integrations`, { headers: { Cookie: cookie }, redirect: "manual" });
  await check.text();
  if (check.status !== 200) throw new Error(`signed in, but /integrations answered ${check.status}`);
  return cookie;
}

// The API calls go through node:http with one keep-alive agent, not fetch: under 200 concurrent
// clients Node's fetch (undici) also reused keep-alive sockets workerd had just closed ("other side
// closed", ADR 0125: 38 of 721 bare /__bench/ping calls). Its idle sockets are closed before workerd's
// 5 s close (ADR 0172: before that, the soak's 32 ECONNRESETs in 36,923 calls were all on reused sockets).
const agent = new http.Agent({ keepAlive: true, scheduling: "lifo" });
agent.keepSocketAlive = idleBoundKeepSocketAlive(agent.keepSocketAlive);

const FREED_AT = Symbol("freed at");
const LAST = Symbol("last answer on this socket");

/** A JSON call to the /v1 API with the seeded key. */
export function api(base, key, method, path, body, extraHeaders = {}) {
  const payload = body ? JSON.stringify(body) : undefined;
  const headers = {
    ...extraHeaders,
    Authorization: `Bearer ${key}`,
    ...(payload ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) } : {}),
  };
  return new Promise((resolve, reject) => {
    let idleMs = null;
    let after = null;
    const req = http.request(new URL(path, base), { method, headers, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        if (req.socket) {
          req.socket[FREED_AT] = performance.now();
          req.socket[LAST] = `${method} ${path.replace(/\?.*/, "")} → ${res.statusCode}`;
        }
        const text = Buffer.concat(chunks).toString("utf8");
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {}
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(", ") : v);
        resolve({ status: res.statusCode, json, text, headers: h });
      });
    });
    // A reset on a keep-alive socket reused from an earlier call is Node's documented race with a server closing it
    // (`request.reusedSocket`); one on a fresh connection is not. The soak names which it saw.
    // How long the socket had been idle when this request took it, so a reset says whether it met an idle close.
    req.on("socket", (socket) => {
      idleMs = socket[FREED_AT] === undefined ? null : performance.now() - socket[FREED_AT];
      after = socket[LAST] ?? null;
    });
    req.on("error", (e) => reject(Object.assign(e, { reusedSocket: req.reusedSocket, idleMs, after })));
    req.end(payload);
  });
}
