import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { describe, expect, it } from "vitest";
import { buildWebhookBody, generateSecret, signWebhook } from "~/lib/webhooks/signing";

const body = buildWebhookBody({
  id: "evt_01hzx3test",
  type: "message.received",
  createdAt: new Date(),
  companyId: "co_acme",
  payload: { conversation_id: "conv_1", message: { body: 'Grüße, ☃ and "quotes"' } },
  performedBy: { type: "contact", id: null, name: "Jane" },
});

async function signed(secrets: string[]) {
  return signWebhook({ id: "evt_01hzx3test", timestamp: Date.now() / 1000, body, secrets });
}

function flipOneByte(text: string): string {
  const bytes = new TextEncoder().encode(text);
  bytes[20] = bytes[20]! ^ 0x01;
  return new TextDecoder().decode(bytes);
}

describe("our signatures, judged by the official packages", () => {
  it("the standardwebhooks package verifies a delivery and returns the payload", async () => {
    const secret = generateSecret();
    const headers = await signed([secret]);
    expect(new StandardWebhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it("svix's Webhook verifier accepts the same delivery (svix-compatible headers)", async () => {
    const secret = generateSecret();
    const headers = await signed([secret]);
    // svix 2.x returns nothing and throws on a bad signature.
    expect(() => new SvixWebhook(secret).verify(body, headers)).not.toThrow();
    const svixHeaders = {
      "svix-id": headers["webhook-id"],
      "svix-timestamp": headers["webhook-timestamp"],
      "svix-signature": headers["webhook-signature"],
    };
    expect(() => new SvixWebhook(secret).verify(body, svixHeaders)).not.toThrow();
    expect(() => new SvixWebhook(generateSecret()).verify(body, svixHeaders)).toThrow();
  });

  it("one flipped byte of the body fails verification in both packages", async () => {
    const secret = generateSecret();
    const headers = await signed([secret]);
    const tampered = flipOneByte(body);
    expect(tampered).not.toBe(body);
    expect(() => new StandardWebhook(secret).verify(tampered, headers)).toThrow();
    expect(() => new SvixWebhook(secret).verify(tampered, headers)).toThrow();
  });

  it("a flipped byte in the signature, a changed id or the wrong secret fails verification", async () => {
    const secret = generateSecret();
    const headers = await signed([secret]);
    const sig = headers["webhook-signature"];
    const badSig = { ...headers, "webhook-signature": sig.slice(0, 10) + (sig[10] === "A" ? "B" : "A") + sig.slice(11) };
    expect(() => new StandardWebhook(secret).verify(body, badSig)).toThrow();
    expect(() => new StandardWebhook(secret).verify(body, { ...headers, "webhook-id": "evt_other" })).toThrow();
    expect(() => new StandardWebhook(generateSecret()).verify(body, headers)).toThrow();
  });

  it("a timestamp older than five minutes is rejected by the verifiers", async () => {
    const secret = generateSecret();
    const headers = await signWebhook({ id: "evt_01hzx3test", timestamp: Date.now() / 1000 - 600, body, secrets: [secret] });
    expect(() => new StandardWebhook(secret).verify(body, headers)).toThrow();
    expect(() => new SvixWebhook(secret).verify(body, headers)).toThrow();
  });

  it("during a rotation a receiver holding either the old or the new secret verifies", async () => {
    const [current, previous] = [generateSecret(), generateSecret()];
    const headers = await signed([current, previous]);
    expect(new StandardWebhook(current).verify(body, headers)).toBeTruthy();
    expect(new StandardWebhook(previous).verify(body, headers)).toBeTruthy();
    expect(() => new SvixWebhook(previous).verify(body, headers)).not.toThrow();
    expect(() => new SvixWebhook(current).verify(body, headers)).not.toThrow();
    expect(() => new StandardWebhook(generateSecret()).verify(body, headers)).toThrow();
  });
});
