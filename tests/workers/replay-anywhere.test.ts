import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { handleQueueBatch } from "~/lib/queues.server";
import { aad, decryptSecret, keyringFromEnv } from "~/lib/security/encryption";
import { type ReplayMessage, startReplay } from "~/lib/webhooks/replay-anywhere.server";
import { REPLAY_SWEEP_GRACE_MS, sendReplay, sweepReplaySends } from "~/lib/webhooks/replay-sends.server";
import { signIn } from "../helpers/browser-client";
import { ACME, GLOBEX } from "../helpers/seed";
import { api, count, newKey } from "./api-client";
import { db, deliveryRow, endpointDeps, makeDelivery, makeEndpoint, scriptedFetch, signatureMatches } from "./webhook-fixtures";

/** Replay anywhere (issue 18 item 3): copies to another URL, the endpoint's own log and counters untouched. */
function replayQueue() {
  const sent: ReplayMessage[] = [];
  const queue = {
    async send(body: ReplayMessage) {
      sent.push(body);
    },
    async sendBatch(items: Iterable<MessageSendRequest<ReplayMessage>>) {
      for (const i of items) sent.push(i.body);
    },
  } as unknown as Queue<ReplayMessage>;
  return { queue, sent };
}

function sendDeps(fetchFn: typeof fetch, resolve = async () => ["93.184.216.34"]) {
  return {
    db: db(),
    env: { ...env, ENVIRONMENT: "production", WEBHOOK_ALLOW_PRIVATE: "false" } as never,
    fetch: fetchFn,
    resolve,
    now: () => new Date(),
    timeoutMs: 1000,
  };
}

async function withRing() {
  return { ...sendDeps(fetch), ring: await keyringFromEnv(env) };
}

async function secretOf(endpointId: string, companyId: string = ACME.id) {
  const row = await env.DB.prepare("SELECT secret_enc FROM webhook_endpoints WHERE id = ?")
    .bind(endpointId)
    .first<{ secret_enc: string }>();
  return decryptSecret(await keyringFromEnv(env), row!.secret_enc, aad(companyId, endpointId));
}

async function setCreatedAt(deliveryId: string, at: Date) {
  await env.DB.prepare("UPDATE deliveries SET created_at = ? WHERE id = ?").bind(at.getTime(), deliveryId).run();
}

const hour = 3600_000;

afterEach(async () => {
  vi.restoreAllMocks();
  // each test makes its own endpoints: stay under the 20-per-company cap
  await env.DB.prepare("DELETE FROM webhook_endpoints").run();
});

describe("replay anywhere", () => {
  it("replays a time range to another URL, signed with the endpoint's secret, leaving the endpoint's log and counters alone", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/prod" });
    const now = new Date();
    const old = await makeDelivery(endpoint.id);
    const inRange = [await makeDelivery(endpoint.id), await makeDelivery(endpoint.id)];
    await setCreatedAt(old.deliveryId, new Date(now.getTime() - 5 * hour));
    await setCreatedAt(inRange[0]!.deliveryId, new Date(now.getTime() - 2 * hour));
    await setCreatedAt(inRange[1]!.deliveryId, new Date(now.getTime() - 1 * hour));
    const before = await Promise.all([old, ...inRange].map((d) => deliveryRow(d.deliveryId)));
    const attemptsBefore = await count("delivery_attempts");
    const { queue, sent: messages } = replayQueue();

    const started = await startReplay({ ...(await endpointDeps(ACME.id, now)), queue }, endpoint.id, {
      url: "https://staging.example.com/hooks",
      from: new Date(now.getTime() - 3 * hour),
      to: now,
    });
    if (!started.ok) throw new Error(JSON.stringify(started));
    expect(started.value).toMatchObject({ total: 2, pending: 2, url: "https://staging.example.com/hooks" });
    expect(messages).toHaveLength(2);

    // the staging receiver answers 500 to one: a replay's failure is not the endpoint's failure
    const { fetch: f, sent } = scriptedFetch([new Response("ok"), new Response("down", { status: 500 })]);
    const deps = { ...sendDeps(f), ring: await keyringFromEnv(env) };
    for (const m of messages) expect(await sendReplay(deps, m.replaySendId)).toBe("sent");
    expect(sent.map((s) => s.url)).toEqual(["https://staging.example.com/hooks", "https://staging.example.com/hooks"]);
    const secret = await secretOf(endpoint.id);
    const eventIds = sent.map((s) => s.headers.get("webhook-id"));
    expect(eventIds.sort()).toEqual(inRange.map((d) => d.eventId).sort());
    for (const s of sent) {
      expect(await signatureMatches(secret, s.headers, s.body)).toBe(true);
      expect(JSON.parse(s.body).id).toBe(s.headers.get("webhook-id"));
    }

    expect(await Promise.all([old, ...inRange].map((d) => deliveryRow(d.deliveryId)))).toEqual(before);
    expect(await count("delivery_attempts")).toBe(attemptsBefore);
    const ep = await env.DB.prepare("SELECT failing_since, last_failure_at FROM webhook_endpoints WHERE id = ?").bind(endpoint.id).first();
    expect(ep).toEqual({ failing_since: null, last_failure_at: null });
    const outcome = await env.DB.prepare(
      "SELECT status, count(*) AS n FROM webhook_replay_sends WHERE replay_id = ? GROUP BY status ORDER BY status",
    )
      .bind(started.value.id)
      .all();
    expect(outcome.results).toEqual([
      { status: "failed", n: 1 },
      { status: "succeeded", n: 1 },
    ]);
  });

  it("replays one delivery; a duplicate queue message sends nothing more", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/one" });
    const d = await makeDelivery(endpoint.id);
    const { queue, sent: messages } = replayQueue();
    const started = await startReplay({ ...(await endpointDeps()), queue }, endpoint.id, {
      url: "https://staging.example.com/one",
      deliveryId: d.deliveryId,
    });
    if (!started.ok) throw new Error(JSON.stringify(started));
    expect(started.value.total).toBe(1);
    const { fetch: f, sent } = scriptedFetch([new Response("ok")]);
    const deps = { ...sendDeps(f), ring: await keyringFromEnv(env) };
    expect(await sendReplay(deps, messages[0]!.replaySendId)).toBe("sent");
    expect(await sendReplay(deps, messages[0]!.replaySendId)).toBe("stale");
    expect(sent).toHaveLength(1);
  });

  it.each([
    ["a URL the guard refuses", { url: "https://169.254.169.254/latest" }, "url"],
    ["a private address", { url: "https://10.0.0.1/hooks" }, "url"],
    ["a delivery of another endpoint", { deliveryId: "other" }, "delivery_id"],
    ["an empty range", { from: new Date(Date.now() - 60_000), to: new Date() }, "from"],
    ["an end before the start", { from: new Date(Date.now() - hour), to: new Date(Date.now() - 2 * hour) }, "to"],
    ["a start in the future", { from: new Date(Date.now() + hour), to: new Date(Date.now() + 2 * hour) }, "from"],
  ])("%s → 400 on that field, nothing saved or queued", async (_name, patch, field) => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/bad" });
    const other = await makeEndpoint({ url: "https://hooks.example.com/other" });
    const theirs = await makeDelivery(other.endpoint.id);
    await makeDelivery(endpoint.id);
    const input = { url: "https://staging.example.com/x", ...patch } as Record<string, unknown>;
    if (input.deliveryId === "other") input.deliveryId = theirs.deliveryId;
    if (!("deliveryId" in input) && !("from" in input)) input.deliveryId = theirs.deliveryId;
    const before = await count("webhook_replays");
    const { queue, sent } = replayQueue();
    const result = await startReplay({ ...(await endpointDeps()), queue }, endpoint.id, input as never);
    expect(result).toMatchObject({ ok: false, status: 400, errors: { [field]: [expect.any(String)] } });
    expect(await count("webhook_replays")).toBe(before);
    expect(sent).toHaveLength(0);
  });

  it("at send time the URL guard runs again: a name that now resolves privately is refused, nothing is posted", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/rebind" });
    const d = await makeDelivery(endpoint.id);
    const { queue, sent: messages } = replayQueue();
    await startReplay({ ...(await endpointDeps()), queue }, endpoint.id, { url: "https://rebind.example.com/x", deliveryId: d.deliveryId });
    const { fetch: f, sent } = scriptedFetch([new Response("ok")]);
    await sendReplay({ ...sendDeps(f, async () => ["192.168.1.10"]), ring: await keyringFromEnv(env) }, messages[0]!.replaySendId);
    expect(sent).toHaveLength(0);
    const row = await env.DB.prepare("SELECT status, error FROM webhook_replay_sends WHERE id = ?").bind(messages[0]!.replaySendId).first();
    expect(row).toMatchObject({ status: "failed", error: expect.stringContaining("Refused by the URL guard") });
  });

  it("replay messages on the DELIVERIES queue go to the replay consumer; delivery messages still reach the deliveries consumer", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/mixed" });
    const d = await makeDelivery(endpoint.id);
    const { queue, sent: messages } = replayQueue();
    await startReplay({ ...(await endpointDeps()), queue }, endpoint.id, {
      url: "https://staging.example.com/mixed",
      deliveryId: d.deliveryId,
    });
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.startsWith("https://cloudflare-dns.com/")) return Response.json({ Status: 0, Answer: [{ type: 1, data: "93.184.216.34" }] });
      return new Response("ok");
    });
    const acked: string[] = [];
    const message = (body: unknown, id: string) => ({
      id,
      body,
      attempts: 1,
      timestamp: new Date(),
      ack: () => acked.push(id),
      retry: () => {},
    });
    await handleQueueBatch(
      { queue: "ih-deliveries", messages: [message(messages[0], "r"), message({ deliveryId: d.deliveryId }, "d")] } as never,
      env,
      {} as ExecutionContext,
    );
    expect(acked.sort()).toEqual(["d", "r"]);
    expect((await deliveryRow(d.deliveryId))!.status).toBe("succeeded");
    const row = await env.DB.prepare("SELECT status FROM webhook_replay_sends WHERE id = ?").bind(messages[0]!.replaySendId).first();
    expect(row).toEqual({ status: "succeeded" });
  });

  it("the cron sweeper queues sends whose message was lost, a bounded number of times, then ends them", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/lost" });
    const d = await makeDelivery(endpoint.id);
    const lost = { queue: { send: async () => {}, sendBatch: async () => {} } as unknown as Queue<ReplayMessage> };
    const started = await startReplay({ ...(await endpointDeps()), ...lost }, endpoint.id, {
      url: "https://staging.example.com/lost",
      deliveryId: d.deliveryId,
    });
    if (!started.ok) throw new Error("replay refused");
    // only this replay's send is left pending
    await env.DB.prepare("UPDATE webhook_replay_sends SET status = 'succeeded' WHERE replay_id != ?").bind(started.value.id).run();
    const { queue, sent } = replayQueue();
    expect(await sweepReplaySends({ db: db(), queue, now: new Date() })).toBe(0);
    let t = Date.now();
    for (let i = 1; i <= 5; i++) {
      t += (i + 1) * REPLAY_SWEEP_GRACE_MS;
      expect(await sweepReplaySends({ db: db(), queue, now: new Date(t) })).toBe(1);
    }
    expect(sent).toHaveLength(5);
    t += 10 * REPLAY_SWEEP_GRACE_MS;
    expect(await sweepReplaySends({ db: db(), queue, now: new Date(t) })).toBe(0);
    const row = await env.DB.prepare("SELECT status, error FROM webhook_replay_sends WHERE replay_id = ?").bind(started.value.id).first();
    expect(row).toMatchObject({ status: "failed", error: expect.stringContaining("without being picked up") });
    // the deps of a real send are still usable after a sweep (no lease left behind)
    expect(await sendReplay(await withRing(), sent[0]!.replaySendId)).toBe("stale");
  });
});

describe("/v1/webhooks/:id/replays", () => {
  it("POST queues a replay (202 with Location); GET shows each copy", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/api" });
    const d = await makeDelivery(endpoint.id);
    const res = await api(`/webhooks/${endpoint.id}/replays`, {
      method: "POST",
      body: { url: "https://staging.example.com/api", delivery_id: d.deliveryId },
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { id: string; total: number; pending: number };
    expect(body).toMatchObject({ total: 1, pending: 1, delivery_id: d.deliveryId, from: null });
    expect(res.headers.get("Location")).toBe(`/v1/webhooks/${endpoint.id}/replays/${body.id}`);
    const got = await api(`/webhooks/${endpoint.id}/replays/${body.id}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({
      id: body.id,
      sends: [{ event_id: d.eventId, event_type: "conversation.created", status: expect.any(String) }],
    });
  });

  it("a range replay takes from (and to, default now)", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/api-range" });
    await makeDelivery(endpoint.id);
    await makeDelivery(endpoint.id);
    const res = await api(`/webhooks/${endpoint.id}/replays`, {
      method: "POST",
      body: { url: "https://staging.example.com/api", from: new Date(Date.now() - hour).toISOString() },
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ total: 2, delivery_id: null });
  });

  it.each([
    ["neither a delivery nor a range", { url: "https://staging.example.com/x" }],
    ["both", { url: "https://staging.example.com/x", delivery_id: "dlv_x", from: new Date().toISOString() }],
    ["a refused URL", { url: "http://staging.example.com/x", delivery_id: "dlv_x" }],
  ])("%s → 400 problem with field errors", async (_n, body) => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/api-bad" });
    const res = await api(`/webhooks/${endpoint.id}/replays`, { method: "POST", body });
    expect(res.status).toBe(400);
    expect(Object.keys(((await res.json()) as { errors: object }).errors).length).toBeGreaterThan(0);
  });

  it("another company's endpoint or replay is a 404", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/api-404" });
    const d = await makeDelivery(endpoint.id);
    const created = (await (
      await api(`/webhooks/${endpoint.id}/replays`, {
        method: "POST",
        body: { url: "https://staging.example.com/x", delivery_id: d.deliveryId },
      })
    ).json()) as { id: string };
    const globex = (await newKey(GLOBEX.id)).secret;
    expect((await api(`/webhooks/${endpoint.id}/replays/${created.id}`, { key: globex })).status).toBe(404);
    const post = await api(`/webhooks/${endpoint.id}/replays`, {
      method: "POST",
      key: globex,
      body: { url: "https://staging.example.com/x", delivery_id: d.deliveryId },
    });
    expect(post.status).toBe(404);
  });
});

describe("Replay to another URL on the endpoint's page", () => {
  it("the endpoint page links to it; the form queues a replay and the page lists its copies", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/page", companyId: GLOBEX.id });
    const d = await makeDelivery(endpoint.id, { companyId: GLOBEX.id });
    const admin = await signIn(GLOBEX.adminEmail);
    const base = `/integrations/developers/webhooks/${endpoint.id}`;
    expect(await (await admin.get(base)).text()).toContain(`href="${base}/replay"`);
    const page = await (await admin.get(`${base}/replay`)).text();
    expect(page).toContain("No replays yet.");
    expect(page).toContain(`value="${d.deliveryId}"`);
    const posted = await admin.post(`${base}/replay`, {
      intent: "replay",
      url: "https://staging.example.com/page",
      scope: "one",
      delivery: d.deliveryId,
    });
    expect(posted.status).toBe(302);
    const location = posted.headers.get("Location")!;
    expect(location).toMatch(new RegExp(`^${base}/replay\\?replay=rpl_`));
    const after = await (await admin.get(location)).text();
    expect(after).toContain("Copies sent to https://staging.example.com/page");
    expect(after).toContain(d.eventId);
  });

  it("bad input re-renders with field errors (400) and saves nothing", async () => {
    const { endpoint } = await makeEndpoint({ url: "https://hooks.example.com/page-bad", companyId: GLOBEX.id });
    const admin = await signIn(GLOBEX.adminEmail);
    const base = `/integrations/developers/webhooks/${endpoint.id}/replay`;
    const before = await count("webhook_replays");
    const noRange = await admin.post(base, { intent: "replay", url: "https://staging.example.com/x", scope: "range", from: "", to: "" });
    expect(noRange.status).toBe(400);
    expect(await noRange.text()).toContain("Enter the start of the range.");
    const badUrl = await admin.post(base, {
      intent: "replay",
      url: "https://127.0.0.1/x",
      scope: "range",
      from: "2020-01-01T00:00",
      to: "2020-01-02T00:00",
    });
    expect(badUrl.status).toBe(400);
    expect(await badUrl.text()).toContain("Private, loopback and internal network addresses are not allowed.");
    expect(await count("webhook_replays")).toBe(before);
  });
});
