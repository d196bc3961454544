// A fake of Zapier's "Catch Hook" URLs (https://hooks.zapier.com/hooks/catch/{account}/{hook}/),
// where a Zap's REST-hook trigger receives what the app delivers. Zapier does not authenticate
// these calls (the URL is the secret) and answers 200 with { attempt, id, request_id, status }.
// The demo seed (scripts/demo.mjs) subscribes three Zaps here so the Zapier card is not empty.
import { randomUUID } from "node:crypto";
import { createFake, json } from "./kit.mjs";

function seed() {
  return { hooks: new Map() };
}

export function createZapierFake({ onCall, credentials } = {}) {
  return createFake({
    provider: "zapier",
    onCall,
    credentials,
    seed,
    authenticate: () => true,
    unauthorized: () => json({ status: "error" }, 401),
    rateLimited: () => ({ status: "throttled", message: "Too many requests" }),
    notFound: () => json({ status: "error", message: "Not found" }, 404),
    snapshot: (s) => ({ hooks: [...s.hooks].map(([hook, runs]) => ({ hook, received: runs.length, last: runs.at(-1) ?? null })) }),
    routes: ({ method, path, body, state }) => {
      const m = path.match(/^\/hooks\/catch\/(\d+)\/([a-z0-9]+)\/?$/);
      if (!m || method !== "POST") return null;
      const hook = `${m[1]}/${m[2]}`;
      const runs = state.hooks.get(hook) ?? [];
      state.hooks.set(hook, runs);
      const attempt = randomUUID();
      runs.push({ attempt, type: body?.type ?? null, at: new Date().toISOString() });
      return json({ attempt, id: attempt, request_id: attempt, status: "success" });
    },
  });
}
