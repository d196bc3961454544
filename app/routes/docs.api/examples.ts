/** Example request bodies for the curl snippets of /docs/api, by operationId. */
export const exampleBodies: Record<string, unknown> = {
  createConversation: {
    contact: { email: "pat@example.com", name: "Pat Doe", marketing_consent: false },
    subject: "Where is my order?",
    message: { body: "Hi, my order #1042 has not arrived yet." },
  },
  updateConversation: { status: "closed", contact: { marketing_consent: true } },
  createMessage: { body: "It ships today.", author: "agent", author_name: "Sarah Lee" },
  escalateConversation: { reason: "Customer asked for a human" },
};

export function curlExample(method: string, path: string, operationId: string): string {
  const url = `"$API_BASE${path
    .replace(/^\/v1/, "")
    .replace(/\{id\}/g, "conv_…")
    .replace(/\{email\}/g, "orders%40customer.test")}"`;
  const lines = [`curl -X ${method} ${url}`, `  -H "Authorization: Bearer $API_KEY"`];
  const body = exampleBodies[operationId];
  if (body !== undefined) lines.push(`  -H "Content-Type: application/json"`, `  -d '${JSON.stringify(body)}'`);
  return lines.join(" \\\n");
}

export const nodeVerifyExample = `import { Webhook } from "standardwebhooks";

// The endpoint's signing secret, e.g. "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
const wh = new Webhook(process.env.WEBHOOK_SECRET.replace(/^whsec_/, ""));

// Express: keep the raw body; signatures cover the exact bytes sent.
app.post("/webhooks/chat", express.raw({ type: "application/json" }), (req, res) => {
  try {
    const event = wh.verify(req.body.toString("utf8"), {
      "webhook-id": req.header("webhook-id"),
      "webhook-timestamp": req.header("webhook-timestamp"),
      "webhook-signature": req.header("webhook-signature"),
    });
    // event.type, event.data, event.performed_by …
    res.sendStatus(204);
  } catch {
    res.sendStatus(400);
  }
});`;

export const manualVerifyExample = `import { createHmac, timingSafeEqual } from "node:crypto";

function verify(secret, headers, rawBody) {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  // Refuse replays: at most 5 minutes of clock difference.
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(\`\${id}.\${timestamp}.\${rawBody}\`).digest();
  // The header may hold several signatures ("v1,<b64> v1,<b64>") during a secret rotation.
  return headers["webhook-signature"].split(" ").some((part) => {
    const [version, signature] = part.split(",");
    if (version !== "v1" || !signature) return false;
    const given = Buffer.from(signature, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}`;
