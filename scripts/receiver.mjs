#!/usr/bin/env node
// The local webhook receiver that `npm start` runs on loopback. It prints each delivery (event
// type, webhook-id, attempt timestamp) and whether its signature verified with the official
// `standardwebhooks` package, and it can misbehave on request for demos and tests.
//
//   node scripts/receiver.mjs --port 8788 [--secret whsec_…]
//
// Secrets to verify with: --secret / RECEIVER_SECRET (comma-separated), or at run time
//   curl -X POST http://127.0.0.1:8788/__receiver/secret -d '{"secret":"whsec_…"}'
// A delivery verifies if ANY registered secret verifies it.
//
// Misbehaviour, by query string on the endpoint URL you register (combine freely):
//   ?fail=N            answer 500 to the first N attempts of each webhook-id (per path), then 200
//   ?slow=MS           wait MS milliseconds before answering
//   ?status=410        answer with that status (410 Gone disables the endpoint)
//   ?redirect=URL      answer 302 with Location: URL (it must never be followed)
//   ?retry_after=S     with ?fail or ?status=429: add Retry-After: S
//   ?verify=1          behave like a correct receiver: answer 401 to a delivery that no registered secret
//                      verifies (a wrong signature, or a timestamp more than 5 minutes off), as
//                      Integrations Hub's "Verify my receiver" expects
// Control: GET /__receiver/deliveries (JSON), DELETE /__receiver/deliveries, POST /__receiver/secret.
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { Webhook } from "standardwebhooks";

const CONTROL = "/__receiver";

/**
 * @param {{ port?: number, host?: string, secret?: string, quiet?: boolean }} [options]
 */
export async function start({ port = Number(process.env.RECEIVER_PORT || 8788), host = "127.0.0.1", secret, quiet = false } = {}) {
  const secrets = new Set([secret, ...(process.env.RECEIVER_SECRET ?? "").split(",")].map((s) => (s ?? "").trim()).filter(Boolean));
  /** Every request to a non-control path, in arrival order. */
  const received = [];
  const attemptsById = new Map();
  const log = (...args) => {
    if (!quiet) console.log(...args);
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", `http://${host}`);
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString("utf8");
    const send = (status, payload, headers = {}) => {
      const text = typeof payload === "string" ? payload : JSON.stringify(payload);
      res.writeHead(status, { "content-type": typeof payload === "string" ? "text/plain" : "application/json", ...headers });
      res.end(text);
    };

    if (url.pathname.startsWith(CONTROL)) {
      if (url.pathname === `${CONTROL}/deliveries` && req.method === "GET") return send(200, { data: received });
      if (url.pathname === `${CONTROL}/deliveries` && req.method === "DELETE") {
        received.length = 0;
        attemptsById.clear();
        return send(204, "");
      }
      if (url.pathname === `${CONTROL}/secret` && req.method === "POST") {
        let value = body.trim();
        try {
          value = JSON.parse(body).secret ?? "";
        } catch {}
        if (!/^whsec_[A-Za-z0-9+/=]+$/.test(value)) return send(400, { error: 'send {"secret":"whsec_…"}' });
        secrets.add(value);
        return send(201, { secrets: secrets.size });
      }
      return send(404, { error: "unknown control path" });
    }

    const headers = {
      "webhook-id": String(req.headers["webhook-id"] ?? ""),
      "webhook-timestamp": String(req.headers["webhook-timestamp"] ?? ""),
      "webhook-signature": String(req.headers["webhook-signature"] ?? ""),
    };
    let verified = false;
    for (const s of secrets) {
      try {
        new Webhook(s).verify(body, headers);
        verified = true;
        break;
      } catch {}
    }
    let type = null;
    try {
      type = JSON.parse(body).type ?? null;
    } catch {}
    const id = headers["webhook-id"];
    // Attempts are counted per endpoint (path) and webhook-id: one event fans out to many endpoints.
    const attemptKey = `${url.pathname}|${id}`;
    const attempt = (attemptsById.get(attemptKey) ?? 0) + 1;
    attemptsById.set(attemptKey, attempt);

    const q = url.searchParams;
    const slow = Number(q.get("slow") ?? 0);
    if (slow > 0) await new Promise((r) => setTimeout(r, Math.min(slow, 120_000)));
    let status = 200;
    const extra = {};
    if (q.get("verify") === "1" && !verified) status = 401;
    if (q.has("status")) status = Number(q.get("status")) || 200;
    // ?fail=N: the first N attempts of each webhook-id fail (with ?status if given, else 500), then 200.
    if (q.has("fail")) status = attempt <= Number(q.get("fail")) ? (q.has("status") ? status : 500) : 200;
    if (q.has("redirect")) {
      status = 302;
      extra.location = q.get("redirect");
    }
    if (q.has("retry_after") && status >= 400) extra["retry-after"] = q.get("retry_after");

    const entry = {
      n: received.length + 1,
      receivedAt: new Date().toISOString(),
      method: req.method,
      path: url.pathname,
      query: url.search,
      id,
      type,
      timestamp: headers["webhook-timestamp"],
      attempt,
      verified,
      answered: status,
      headers: req.headers,
      body,
    };
    received.push(entry);
    const when = headers["webhook-timestamp"] ? new Date(Number(headers["webhook-timestamp"]) * 1000).toISOString() : "?";
    log(
      `[receiver] ${type ?? "(no type)"} webhook-id=${id || "?"} attempt=${attempt} timestamp=${when} signature=${
        verified ? "verified ✓" : secrets.size ? "INVALID ✗" : "unverified (no secret registered)"
      } → ${status}`,
    );
    send(status, status >= 200 && status < 300 ? { ok: true } : { ok: false, status }, extra);
  });

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const url = `http://${host}:${typeof address === "object" && address ? address.port : port}`;
  return {
    url,
    received,
    secrets,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const arg = (name) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const receiver = await start({ port: Number(arg("port") ?? process.env.RECEIVER_PORT ?? 8788), secret: arg("secret") });
  console.log(`Webhook receiver listening on ${receiver.url} (deliveries: ${receiver.url}/__receiver/deliveries)`);
  const stop = () => receiver.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
