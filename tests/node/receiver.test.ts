import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWebhookBody, generateSecret, signWebhook } from "~/lib/webhooks/signing";
// @ts-ignore: plain JS script
import { start } from "../../scripts/receiver.mjs";

type Receiver = {
  url: string;
  close: () => Promise<void>;
  received: { id: string; verified: boolean; attempt: number; answered: number; type: string }[];
};
const secret = generateSecret();
let receiver: Receiver;

beforeAll(async () => {
  receiver = await start({ port: 0, secret, quiet: true });
});
afterAll(() => receiver.close());

async function deliver(path: string, id = `evt_${Math.random().toString(36).slice(2)}`, secrets = [secret], init: RequestInit = {}) {
  const body = buildWebhookBody({
    id,
    type: "conversation.created",
    createdAt: new Date(),
    companyId: "co_acme",
    payload: {},
    performedBy: { type: "system", id: null, name: null },
  });
  const headers = await signWebhook({ id, timestamp: Date.now() / 1000, body, secrets });
  return fetch(`${receiver.url}${path}`, {
    method: "POST",
    body,
    headers: { ...headers, "content-type": "application/json" },
    redirect: "manual",
    ...init,
  });
}

describe("the local webhook receiver", () => {
  it("verifies a signed delivery with standardwebhooks and lists it at /__receiver/deliveries", async () => {
    const res = await deliver("/hook", "evt_listed");
    expect(res.status).toBe(200);
    const list = (await (await fetch(`${receiver.url}/__receiver/deliveries`)).json()) as { data: { id: string }[] };
    const entry = list.data.find((d: { id: string }) => d.id === "evt_listed");
    expect(entry).toMatchObject({ verified: true, type: "conversation.created", attempt: 1, answered: 200 });
  });

  it("reports a delivery signed with an unknown secret as not verified, until that secret is registered", async () => {
    const other = generateSecret();
    await deliver("/hook", "evt_other_1", [other]);
    expect(receiver.received.find((d) => d.id === "evt_other_1")!.verified).toBe(false);
    expect((await fetch(`${receiver.url}/__receiver/secret`, { method: "POST", body: JSON.stringify({ secret: other }) })).status).toBe(
      201,
    );
    await deliver("/hook", "evt_other_2", [other]);
    expect(receiver.received.find((d) => d.id === "evt_other_2")!.verified).toBe(true);
  });

  it("?verify=1 answers 401 to a wrong signature or a stale timestamp, like a correct receiver, and 200 to a good one", async () => {
    expect((await deliver("/strict?verify=1", "evt_strict_ok")).status).toBe(200);
    expect((await deliver("/strict?verify=1", "evt_strict_bad", [generateSecret()])).status).toBe(401);
    const id = "evt_strict_stale";
    const body = "{}";
    const stale = await signWebhook({ id, timestamp: Date.now() / 1000 - 600, body, secrets: [secret] });
    const res = await fetch(`${receiver.url}/strict?verify=1`, { method: "POST", body, headers: stale });
    expect(res.status).toBe(401);
    // without ?verify=1 the receiver still only reports: it answers 200 to what it cannot verify
    expect((await deliver("/lax", "evt_lax_bad", [generateSecret()])).status).toBe(200);
  });

  it("?fail=2 fails the first two attempts of a webhook-id and then succeeds", async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await deliver("/hook?fail=2", "evt_flaky")).status);
    expect(statuses).toEqual([500, 500, 200]);
  });

  it("answers 410, 429 with Retry-After, redirects, and can be slow", async () => {
    expect((await deliver("/hook?status=410")).status).toBe(410);
    const limited = await deliver("/hook?status=429&retry_after=120");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("120");
    const moved = await deliver("/hook?redirect=https://example.com/elsewhere");
    expect(moved.status).toBe(302);
    expect(moved.headers.get("location")).toBe("https://example.com/elsewhere");
    const t0 = Date.now();
    await deliver("/hook?slow=150");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });
});
