#!/usr/bin/env node
// The hardening figures quoted in SECURITY.md, measured against a running `npm start` on loopback.
// Bounded: a fixed number of requests per figure, 127.0.0.1 only. Run on a fresh local state:
//   PORT=8797 RECEIVER_PORT=8798 PERSIST_DIR=/tmp/ih-figures DEMO_DATA=0 SEED_API_KEY=sk_live_… npm start
//   BASE=http://127.0.0.1:8797 SEED_API_KEY=sk_live_… RECEIVER=http://127.0.0.1:8798 node scripts/hardening-figures.mjs
// Prints one line per figure (and a JSON summary last).
import { request } from "node:http";

const BASE = process.env.BASE ?? "http://127.0.0.1:8787";
const KEY = process.env.SEED_API_KEY;
const RECEIVER = process.env.RECEIVER ?? "http://127.0.0.1:8788";
if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(BASE)) throw new Error("BASE must be http://127.0.0.1:<port> (loopback only)");
const figures = {};

function tally(statuses) {
  const counts = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

async function csrfSession() {
  const res = await fetch(`${BASE}/login`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const token = (await res.text()).match(/name="csrf" value="([^"]+)"/)?.[1];
  if (!token) throw new Error("no CSRF token on /login");
  return { cookie, token };
}

function pagePost(path, { cookie, token }, fields, ip) {
  return fetch(`${BASE}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      Cookie: cookie,
      Origin: BASE,
      "Content-Type": "application/x-www-form-urlencoded",
      ...(ip ? { "CF-Connecting-IP": ip } : {}),
    },
    body: new URLSearchParams({ csrf: token, ...fields }),
  });
}

/**
 * POSTs up to `total` bytes in 16 KiB chunks (chunked, or with a declared Content-Length that is
 * never met) and stops writing as soon as the server answers: the status, and how much had been
 * written when the answer came (the server read at most that much, minus what sat in buffers).
 */
function streamed(url, total, headers, { declare = null } = {}) {
  return new Promise((resolve) => {
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    let written = 0;
    let answered = null;
    const req = request(url, { method: "POST", headers: { ...headers, ...(declare ? { "Content-Length": String(declare) } : {}) } });
    const done = (status) => resolve({ status, writtenKiB: Math.round(written / 1024), ofKiB: Math.round((declare ?? total) / 1024) });
    const timer = setTimeout(() => {
      req.destroy();
      done(answered ?? "no answer in 20 s");
    }, 20_000);
    req.on("response", (res) => {
      answered = res.statusCode;
      res.resume();
      clearTimeout(timer);
      req.destroy();
      done(res.statusCode);
    });
    req.on("error", () => {
      clearTimeout(timer);
      if (answered === null) done(`connection closed after ${Math.round(written / 1024)} KiB`);
    });
    (async () => {
      while (written < total && answered === null && !req.destroyed) {
        written += chunk.length;
        if (!req.write(chunk)) await new Promise((r) => req.once("drain", r));
      }
      if (!declare && answered === null && !req.destroyed) req.end();
    })();
  });
}

// 1. Sign-in throttling: 40 wrong passwords for one account, in parallel, from one address.
{
  const s = await csrfSession();
  const statuses = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      pagePost("/login", s, { email: "admin@globex.com", password: `wrong-${i}` }, "198.51.100.40").then((r) => r.status),
    ),
  );
  figures.parallelWrongPasswords = tally(statuses);
  console.log("40 parallel wrong passwords, one account, one address:", figures.parallelWrongPasswords);
}

// 2. Bodies judged before they are read: 8 MiB streamed without Content-Length.
{
  const s = await csrfSession();
  const page = await streamed(`${BASE}/login`, 8 * 1024 * 1024, {
    Cookie: s.cookie,
    Origin: BASE,
    "Content-Type": "application/x-www-form-urlencoded",
  });
  const v1 = await streamed(`${BASE}/v1/conversations`, 8 * 1024 * 1024, {
    Authorization: `Bearer ${KEY}`,
    "Content-Type": "application/json",
  });
  const slack = await streamed(`${BASE}/slack/events`, 8 * 1024 * 1024, { "Content-Type": "application/json" });
  const declared = await streamed(
    `${BASE}/login`,
    16 * 1024,
    { Cookie: s.cookie, Origin: BASE, "Content-Type": "application/x-www-form-urlencoded" },
    { declare: 10 * 1024 * 1024 },
  );
  await new Promise((r) => setTimeout(r, 1000));
  const afterwards = (await fetch(`${BASE}/login`)).status;
  figures.streamedBodies = { page, v1, slack, declaredContentLength10MiB: declared, loginAfterwards: afterwards };
  console.log("8 MiB chunked page POST:", page);
  console.log("8 MiB chunked /v1 POST:", v1);
  console.log("8 MiB chunked /slack/events POST:", slack);
  console.log("page POST declaring 10 MiB, 16 KiB sent:", declared);
  console.log("GET /login a second later:", afterwards);
}

// 3. A malformed CSRF cookie.
{
  const res = await fetch(`${BASE}/login`, {
    method: "POST",
    headers: { Cookie: "__Host-ih_csrf=%E0%A4%A", Origin: BASE, "Content-Type": "application/x-www-form-urlencoded" },
    body: "csrf=x&email=a%40b.c&password=x",
  });
  figures.malformedCsrfCookie = res.status;
  console.log("POST with a malformed CSRF cookie:", res.status);
}

// 4. /v1 without a valid key: 70 requests from one address, then one from another.
{
  const statuses = [];
  for (let i = 0; i < 70; i++) {
    statuses.push((await fetch(`${BASE}/v1/conversations`, { headers: { "CF-Connecting-IP": "198.51.100.70" } })).status);
  }
  const other = (await fetch(`${BASE}/v1/conversations`, { headers: { "CF-Connecting-IP": "198.51.100.71" } })).status;
  figures.anonymousV1 = { sequential70: tally(statuses), otherAddress: other };
  console.log("70 sequential keyless /v1 requests, one address:", figures.anonymousV1.sequential70, "another address:", other);
}

// 5. Endpoint cap and budgets through /v1 with the seed key.
if (KEY) {
  const api = (method, path, body) =>
    fetch(`${BASE}/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    });
  const before = ((await (await api("GET", "/webhooks?limit=100")).json()).data ?? []).length;
  const creates = await Promise.all(
    Array.from({ length: 25 }, (_, i) => api("POST", "/webhooks", { url: `${RECEIVER}/figures/${i}`, events: ["conversation.created"] })),
  );
  const created = await Promise.all(creates.map(async (r) => ({ status: r.status, body: await r.json() })));
  const after = ((await (await api("GET", "/webhooks?limit=100")).json()).data ?? []).length;
  figures.parallelCreates = { endpointsBefore: before, statuses: tally(created.map((c) => c.status)), endpointsAfter: after };
  console.log("25 parallel endpoint creates:", figures.parallelCreates);
  const one = created.find((c) => c.status === 201)?.body.id;
  if (one) {
    const tests = [];
    for (let i = 0; i < 12; i++) tests.push((await api("POST", `/webhooks/${one}/test`)).status);
    figures.testBudget = tally(tests);
    console.log("12 sequential Test sends for one company:", figures.testBudget);
  }
}

console.log(JSON.stringify(figures));
