#!/usr/bin/env node
// Seeds the local D1 with the demo data (idempotent). Env: DEMO_PASSWORD, SEED_API_KEY, PERSIST_DIR.
import { webcrypto as crypto } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMain, persistDir, wrangler } from "./lib.mjs";
import { API_KEY_PATTERN, buildSeedSql, DEMO } from "./seed-sql.mjs";

const ITERATIONS = 100_000;

async function hashPassword(password) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: ITERATIONS }, key, 256);
  return `pbkdf2-sha256$${ITERATIONS}$${Buffer.from(salt).toString("base64")}$${Buffer.from(bits).toString("base64")}`;
}

async function sha256Hex(text) {
  return Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))).toString("hex");
}

export async function seed({ persistDir, quiet = false } = {}) {
  const password = process.env.DEMO_PASSWORD || "demo-password";
  const passwordHashes = {};
  for (const u of DEMO.users) passwordHashes[u.email] = await hashPassword(password);

  let key = process.env.SEED_API_KEY;
  let generated = false;
  if (key) {
    if (!API_KEY_PATTERN.test(key)) {
      throw new Error("SEED_API_KEY must look like sk_live_ followed by at least 32 base64url characters");
    }
  } else {
    key = `sk_live_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")}`;
    generated = true;
  }
  const hash = await sha256Hex(key);
  const apiKey = { id: `key_seed_${hash.slice(0, 12)}`, hash, last4: key.slice(-4), onlyIfNone: generated };
  const sql = buildSeedSql({ passwordHashes, apiKey, now: Date.now() });

  const dir = mkdtempSync(join(tmpdir(), "ih-seed-"));
  const file = join(dir, "seed.sql");
  writeFileSync(file, sql, { mode: 0o600 });
  try {
    await wrangler(["d1", "execute", "DB", "--local", "--file", file, ...(persistDir ? ["--persist-to", persistDir] : [])], {
      quiet: true,
    });
    const out = await wrangler(
      [
        "d1",
        "execute",
        "DB",
        "--local",
        "--json",
        "--command",
        `SELECT count(*) AS n FROM api_keys WHERE hash = '${hash}'`,
        ...(persistDir ? ["--persist-to", persistDir] : []),
      ],
      { quiet: true, capture: true },
    );
    const inserted = JSON.parse(out)[0]?.results?.[0]?.n === 1;
    if (!quiet) {
      console.log(
        `Seeded demo data: john@acme.com (admin), sarah@acme.com (agent), admin@globex.com (admin); password ${process.env.DEMO_PASSWORD ? "from DEMO_PASSWORD" : '"demo-password"'}.`,
      );
      if (generated && inserted) console.log(`Acme API key (shown once, development only): ${key}`);
      else if (!generated) console.log("Acme API key: the one in SEED_API_KEY.");
      else console.log("Acme already has an API key; set SEED_API_KEY to choose one.");
    }
    // The key this run knows (generated and inserted now, or the one in SEED_API_KEY): the demo seed uses it.
    return { apiKey: inserted || !generated ? key : null };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  seed({ persistDir }).catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
