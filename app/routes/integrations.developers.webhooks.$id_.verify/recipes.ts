import type { ReceiverCheckName } from "~/lib/webhooks/receiver-tools";

/**
 * What to change when a check fails, once for each verification recipe on /docs/api
 * ("Verifying webhook signatures": the standardwebhooks package, and by hand).
 */
export const RECIPES = [
  { id: "standardwebhooks", title: "Node, with the standardwebhooks package" },
  { id: "by-hand", title: "By hand" },
] as const;

type RecipeId = (typeof RECIPES)[number]["id"];

export const FIXES: Record<ReceiverCheckName, Record<RecipeId, string>> = {
  signed: {
    standardwebhooks: `import { Webhook } from "standardwebhooks";

// This endpoint's current secret, without the "whsec_" prefix.
const wh = new Webhook(process.env.WEBHOOK_SECRET.replace(/^whsec_/, ""));

// Verify the raw body exactly as received: parsing and re-serialising JSON changes the bytes.
app.post("/webhooks/chat", express.raw({ type: "application/json" }), (req, res) => {
  const event = wh.verify(req.body.toString("utf8"), {
    "webhook-id": req.header("webhook-id"),
    "webhook-timestamp": req.header("webhook-timestamp"),
    "webhook-signature": req.header("webhook-signature"),
  });
  res.sendStatus(204);
});`,
    "by-hand": `// The key is the base64-DECODED part of the secret after "whsec_".
const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
// Sign "{webhook-id}.{webhook-timestamp}.{raw body}" — the raw body, not JSON.stringify(req.body).
const expected = createHmac("sha256", key).update(\`\${id}.\${timestamp}.\${rawBody}\`).digest();
// The header may hold several "v1,<base64>" signatures (during a secret rotation): accept any match.
const ok = signatureHeader.split(" ").some((part) => {
  const given = Buffer.from(part.split(",")[1] ?? "", "base64");
  return given.length === expected.length && timingSafeEqual(given, expected);
});`,
  },
  bad_signature: {
    standardwebhooks: `app.post("/webhooks/chat", express.raw({ type: "application/json" }), (req, res) => {
  let event;
  try {
    // Throws when no signature matches: never act on the body before this line.
    event = wh.verify(req.body.toString("utf8"), {
      "webhook-id": req.header("webhook-id"),
      "webhook-timestamp": req.header("webhook-timestamp"),
      "webhook-signature": req.header("webhook-signature"),
    });
  } catch {
    return res.sendStatus(401);
  }
  handle(event);
  res.sendStatus(204);
});`,
    "by-hand": `if (!verify(secret, req.headers, rawBody)) {
  // A wrong signature is not a delivery from us: refuse it before reading the body.
  return res.sendStatus(401);
}
handle(JSON.parse(rawBody));
res.sendStatus(204);`,
  },
  stale_timestamp: {
    standardwebhooks: `// wh.verify() refuses a webhook-timestamp more than 5 minutes from your clock and throws.
// If this check failed, the error is being swallowed or verify() is skipped: answer 401 instead.
try {
  event = wh.verify(rawBody, headers);
} catch {
  return res.sendStatus(401);
}
// Keep the server clock right (NTP): the tolerance is measured against it.`,
    "by-hand": `const timestamp = Number(req.headers["webhook-timestamp"]);
// Refuse replays: at most 5 minutes between the delivery's timestamp and your clock.
if (!Number.isFinite(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300) {
  return res.sendStatus(401);
}`,
  },
};
