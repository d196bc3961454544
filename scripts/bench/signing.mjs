// Signing cost per delivery. Times the app's pure `signWebhook` (app/lib/webhooks/*.ts) when the build
// has one; until then, a clearly labelled stand-in: HMAC-SHA256 via WebCrypto over a typical body.
// Timed in workerd (a small harness Worker), with Node's clock around n calls: workerd's own clocks
// do not advance during computation.

import { webcrypto as crypto } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { root } from "../lib.mjs";
import { loadMiniflare } from "./server.mjs";
import { median } from "./stats.mjs";

const webhooksDir = join(root, "app", "lib", "webhooks");

export function typicalBody() {
  return JSON.stringify({
    id: "evt_01JDBENCH0000000000000000",
    type: "message.received",
    created_at: new Date().toISOString(),
    company_id: "co_acme",
    data: {
      conversation: { id: "conv_01JDBENCH000000000000000", status: "open", subject: "Order #1042 arrived damaged", channel: "api" },
      message: {
        id: "msg_01JDBENCH0000000000000000",
        author: "contact",
        body: "Hi, my order arrived with a cracked screen. Can you send a replacement? Thanks, Jane",
      },
      contact: { email: "jane@example.com", name: "Jane Doe" },
    },
    performed_by: { type: "api_key", id: "key_01JDBENCH", name: "Default key" },
  });
}

function findSignModule() {
  if (!existsSync(webhooksDir)) return null;
  for (const f of readdirSync(webhooksDir)) {
    if (!f.endsWith(".ts") || f.endsWith(".test.ts")) continue;
    const file = join(webhooksDir, f);
    if (/export\s+(async\s+)?function\s+signWebhook\b|export\s+const\s+signWebhook\b/.test(readFileSync(file, "utf8"))) return file;
  }
  return null;
}

function findSignature(value, depth = 0) {
  if (typeof value === "string") return value.includes("v1,") ? value.slice(value.indexOf("v1,")) : null;
  if (value && typeof value === "object" && depth < 3) {
    if (value["webhook-signature"]) return findSignature(value["webhook-signature"], depth + 1);
    for (const v of value instanceof Headers ? value.values() : Object.values(value)) {
      const s = findSignature(v, depth + 1);
      if (s) return s;
    }
  }
  return null;
}

// Call shapes tried in turn; the first whose output standardwebhooks verifies is timed.
const SHAPES = [
  ["signWebhook({ id, timestamp, body, secrets: [secret] })", "sign({ id, timestamp: ts, body, secrets: [secret] })"],
  ["signWebhook({ id, timestamp, body, secret })", "sign({ id, timestamp: ts, body, secret })"],
  [
    "signWebhook({ id, timestamp: Date, body, secrets: [secret] })",
    "sign({ id, timestamp: new Date(ts * 1000), body, secrets: [secret] })",
  ],
  ["signWebhook(secret, id, timestamp, body)", "sign(secret, id, ts, body)"],
  ["signWebhook([secret], id, timestamp, body)", "sign([secret], id, ts, body)"],
];

const STAND_IN = `async function standIn({ secret, id, ts, body }) {
  const raw = Uint8Array.from(atob(secret.slice(6)), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(id + "." + ts + "." + body)));
  let bin = ""; for (const b of mac) bin += String.fromCharCode(b);
  return "v1," + btoa(bin);
}`;

/** A tiny Worker that calls the signer n times per request (timed from outside: workerd freezes its clocks during computation). */
function harnessSource(file) {
  return `${file ? `import { signWebhook as sign } from ${JSON.stringify(file)};` : ""}
${STAND_IN}
const shapes = [${file ? SHAPES.map(([, code]) => `({ id, ts, body, secret }) => ${code}`).join(", ") : ""}];
export default {
  async fetch(request) {
    const { shape, n, secret, id, ts, body } = await request.json();
    const call = shape === -1 ? standIn : shapes[shape];
    let out;
    for (let i = 0; i < n; i++) out = await call({ id, ts, body, secret });
    return Response.json({ out: out instanceof Headers ? Object.fromEntries(out) : out ?? null });
  },
};`;
}

async function startHarness(file) {
  const esbuild = createRequire(createRequire(import.meta.url).resolve("wrangler/package.json"))("esbuild");
  const built = await esbuild.build({
    stdin: { contents: harnessSource(file), resolveDir: root, sourcefile: "sign-harness.js" },
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    write: false,
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "browser"],
    alias: { "~": join(root, "app") },
    external: ["node:*", "cloudflare:*"],
    logLevel: "silent",
  });
  const { Miniflare } = await loadMiniflare();
  const mf = new Miniflare({
    modules: true,
    script: built.outputFiles[0].text,
    compatibilityDate: "2026-04-01",
    compatibilityFlags: ["nodejs_compat"],
  });
  await mf.ready;
  return mf;
}

async function callHarness(mf, input) {
  const res = await mf.dispatchFetch("http://sign.local/", { method: "POST", body: JSON.stringify(input) });
  if (!res.ok) throw new Error(`sign harness answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return (await res.json()).out;
}

/** { usPerCall, runs, what, standIn, note } per signed delivery, in workerd: (time of n calls − time of 1 call) / (n − 1). */
export async function measureSigning({ n = 5000, repeats = 3 } = {}) {
  const secret = `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64")}`;
  const base = { secret, id: "evt_bench", ts: Math.floor(Date.now() / 1000), body: typicalBody() };
  const file = findSignModule();
  let note = "";
  let mf = null;
  let shape = -1;
  let what = `STAND-IN (no signWebhook in app/lib/webhooks on this build): WebCrypto importKey + HMAC-SHA256 over a ${base.body.length}-byte body + base64`;
  try {
    if (file) {
      try {
        mf = await startHarness(file);
        for (let i = 0; i < SHAPES.length && shape === -1; i++) {
          try {
            const sig = findSignature(await callHarness(mf, { ...base, shape: i, n: 1 }));
            if (!sig) continue;
            new Webhook(secret).verify(base.body, {
              "webhook-id": base.id,
              "webhook-timestamp": String(base.ts),
              "webhook-signature": sig,
            });
            shape = i;
            what = `the app's ${SHAPES[i][0]} (${file.slice(root.length)}), output verified by standardwebhooks first`;
          } catch {}
        }
        if (shape === -1)
          note = `signWebhook found in ${file.slice(root.length)} but no known call shape verified; extend SHAPES in scripts/bench/signing.mjs`;
      } catch (e) {
        note = `signWebhook in ${file.slice(root.length)} could not be bundled for workerd: ${String(e.message).split("\n")[0]}`;
      }
    }
    if (shape === -1) {
      await mf?.dispose();
      mf = await startHarness(null);
      const sig = await callHarness(mf, { ...base, shape: -1, n: 1 });
      new Webhook(secret).verify(base.body, { "webhook-id": base.id, "webhook-timestamp": String(base.ts), "webhook-signature": sig });
    }
    const timed = async (k) => {
      const t0 = performance.now();
      await callHarness(mf, { ...base, shape, n: k });
      return performance.now() - t0;
    };
    await timed(200);
    const runs = [];
    for (let r = 0; r < repeats; r++) {
      const one = await timed(1);
      const many = await timed(n);
      runs.push(((many - one) * 1000) / (n - 1));
    }
    return { usPerCall: median(runs), runs, what, standIn: shape === -1, note, n };
  } finally {
    await mf?.dispose();
  }
}
