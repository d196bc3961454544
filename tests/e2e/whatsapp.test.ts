import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
// @ts-ignore: plain JS helpers shared with the scripts
import { root } from "../../scripts/lib.mjs";
// @ts-ignore: plain JS module shared with the Node provider sandbox
import {
  SANDBOX_ACCESS_TOKEN,
  SANDBOX_APP_SECRET,
  SANDBOX_BUSINESS_ACCOUNT_ID,
  SANDBOX_PHONE_NUMBER_ID,
} from "../../scripts/sandbox/whatsapp.mjs";
import { axeViolations, connectedCard, offLoopback, openPage, signInThroughForm, type ViewportName, waitForHydration } from "./browser";
import { ownApp, sandboxState as sandboxStateOf, until, v1Client } from "./own-app";

/**
 * WhatsApp Business through the sandbox, the whole loop: connected on the page (a wrong app secret
 * first, refused by the Cloud API fake's appsecret_proof check), Meta's handshake with the verify
 * token the page shows, a customer's message sent by `scripts/whatsapp-inbound.mjs` (a signed POST
 * to the callback URL) becoming a conversation in /v1 and in Configure's activity, a reply through
 * /v1 reaching the fake's messages endpoint, and the fake's delivery receipt coming back.
 */
const KEY = "sk_live_whatsappe2ewhatsappe2ewhatsappe2ewhat12";
const run = promisify(execFile);
const own = ownApp({ SEED_API_KEY: KEY });
const v1 = v1Client(() => own.app.baseURL, KEY);
const _sandboxState = (provider: string) => sandboxStateOf(own.app.sandboxURL, provider);

type SandboxCall = { provider: string; method: string; path: string; query: Record<string, string>; body: any; status: number };
const sandboxCalls = async () =>
  ((await (await fetch(`${own.app.sandboxURL}/__sandbox/calls`)).json()) as { calls: SandboxCall[] }).calls.filter(
    (c) => c.provider === "whatsapp-business",
  );

/** What Meta's servers would send: the repo's script, signing with the sandbox app secret. */
async function whatsappInbound(args: string[]) {
  const { stdout } = await run(process.execPath, ["scripts/whatsapp-inbound.mjs", ...args, "--app", own.app.baseURL], { cwd: root });
  return stdout;
}

async function fillConnectForm(page: Page, appSecret: string) {
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Phone number ID", { exact: true }).fill(SANDBOX_PHONE_NUMBER_ID);
  await dialog.getByLabel("WhatsApp Business Account ID", { exact: true }).fill(SANDBOX_BUSINESS_ACCOUNT_ID);
  await dialog.getByLabel("Permanent access token", { exact: true }).fill(SANDBOX_ACCESS_TOKEN);
  await dialog.getByLabel("App secret", { exact: true }).fill(appSecret);
}

const runs: { js: boolean; viewport: ViewportName; phone: string; name: string }[] = [
  { js: true, viewport: "desktop", phone: "14155550123", name: "Ana Lopez" },
  { js: false, viewport: "phone", phone: "34612345678", name: "Bruno Díaz" },
];

describe.each(runs)("WhatsApp Business through the sandbox (JavaScript $js, $viewport)", ({ js, viewport, phone, name }) => {
  it("connect on the page, a signed inbound message becomes a conversation, a reply through /v1 reaches the Cloud API", async () => {
    const { context, page, requests } = await openPage(own.browser, { js, viewport });
    // Upper bounds only (every wait is on a state): six test runs may share two CPU cores.
    if (js) await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: own.app.baseURL });
    await signInThroughForm(page, own.app.baseURL, "john@acme.com");

    // Connect: the Cloud API refuses a wrong app secret (appsecret_proof) → a field error, nothing saved.
    await page.goto(`${own.app.baseURL}/integrations/whatsapp-business/connect`);
    await waitForHydration(page);
    await fillConnectForm(page, "not_the_app_secret_0000");
    await page.getByRole("dialog").getByRole("button", { name: "Connect WhatsApp Business" }).click();
    await page.getByText("This is not the app secret of the app this access token belongs to.").waitFor();
    expect(await page.content()).not.toContain("not_the_app_secret_0000");
    await fillConnectForm(page, SANDBOX_APP_SECRET);
    await Promise.all([
      page.waitForURL(/\/integrations\/whatsapp-business\/connected$/),
      page.getByRole("dialog").getByRole("button", { name: "Connect WhatsApp Business" }).click(),
    ]);

    // The success screen: what to paste into Meta's dashboard, Copy buttons only where they work.
    const setup = page.getByRole("region", { name: "Set up in Meta for Developers" });
    // with JavaScript the URL changes before the new screen renders: wait for it, allTextContents does not
    await setup.locator("dd code").nth(1).waitFor();
    const [callbackUrl, verifyToken] = await setup.locator("dd code").allTextContents();
    expect(callbackUrl).toBe(`${own.app.baseURL}/integrations/whatsapp-business/webhook`);
    expect(verifyToken).toMatch(/^whv_[A-Za-z0-9_-]{20,}$/);
    expect(await page.getByText("Acme Support (Sandbox) · +1 555-010-0000").count()).toBe(1);
    if (js) {
      await setup.getByRole("button", { name: "Copy Verify token" }).click();
      await setup.getByRole("button", { name: "Copied Verify token" }).waitFor();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(verifyToken);
      await setup.getByRole("button", { name: "Copy Callback URL" }).waitFor();
    } else {
      expect(await setup.getByRole("button").count()).toBe(0);
    }
    expect(await axeViolations(page)).toEqual([]);

    // Meta's verification handshake with the shown token.
    const handshake = await fetch(
      `${callbackUrl}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(verifyToken!)}&hub.challenge=8675309`,
    );
    expect([handshake.status, await handshake.text()]).toEqual([200, "8675309"]);

    // A customer writes: a signed POST to the callback URL, as Meta sends it.
    const wamid = `wamid.E2E${viewport.toUpperCase()}${Date.now()}`;
    expect(await whatsappInbound(["Hi! Where is my order #1042?", "--from", phone, "--name", name, "--id", wamid])).toMatch(/^200 ok/);
    const conversation = await until(async () => {
      const list = await v1<{ data: { id: string; channel: string; contact: { phone: string | null; name: string | null } }[] }>(
        "/conversations",
      );
      return list.data.find((c) => c.channel === "whatsapp" && c.contact.phone === `+${phone}`);
    }, "the WhatsApp conversation in /v1");
    expect(conversation.contact.name).toBe(name);
    // Meta's retry of the same message is acknowledged and dropped; the next message joins the conversation.
    expect(await whatsappInbound(["Hi! Where is my order #1042?", "--from", phone, "--name", name, "--id", wamid])).toMatch(/^200 ok/);
    expect(await whatsappInbound(["It was due on Monday.", "--from", phone, "--name", name])).toMatch(/^200 ok/);
    type Thread = { messages: { body: string; direction: string; channel_delivery: { status: string } | null }[] };
    const thread = await until(async () => {
      const one = await v1<Thread>(`/conversations/${conversation.id}`);
      return one.messages.some((m) => m.body === "It was due on Monday.") && one;
    }, "the second message in the conversation");
    expect(thread.messages.map((m) => [m.direction, m.body])).toEqual([
      ["inbound", "Hi! Where is my order #1042?"],
      ["inbound", "It was due on Monday."],
    ]);

    await page.goto(`${own.app.baseURL}/integrations/whatsapp-business/configure`);
    const activity = page.getByRole("region", { name: "Recent activity" });
    const first = activity.getByText(
      `${name} (+${phone}) wrote on WhatsApp in conversation ${conversation.id}: “Hi! Where is my order #1042?”`,
    );
    await first.first().waitFor();
    await activity.getByText(`${name} (+${phone}) wrote on WhatsApp in conversation ${conversation.id}: “It was due on Monday.”`).waitFor();
    expect(await first.count()).toBe(1); // the retried copy is not listed twice
    expect(await axeViolations(page)).toEqual([]);

    // An agent replies through /v1: the delivery pipeline sends it to the Cloud API fake.
    const reply = `Your order ships today, ${name.split(" ")[0]}.`;
    await v1(`/conversations/${conversation.id}/messages`, { method: "POST", body: { body: reply, author: "agent", author_name: "Sam" } });
    const send = await until(
      // recorded when it arrives, with its status once answered
      async () => (await sandboxCalls()).find((c) => c.method === "POST" && c.body?.to === phone && c.status > 0),
      "the reply at the Cloud API fake",
    );
    expect(send).toMatchObject({ path: `/v26.0/${SANDBOX_PHONE_NUMBER_ID}/messages`, status: 200 });
    expect(send.body).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: phone,
      type: "text",
      text: { body: reply, preview_url: false },
    });
    const calls = JSON.stringify(await sandboxCalls());
    expect(calls).not.toContain(SANDBOX_ACCESS_TOKEN);
    expect(calls).not.toContain(SANDBOX_APP_SECRET);

    // Meta's delivery receipt for it comes back on the webhook and shows in /v1.
    const sent = (await (await fetch(`${own.app.sandboxURL}/__sandbox/whatsapp/sent`)).json()) as {
      messages: { id: string; to: string }[];
    };
    const outbound = sent.messages.find((m) => m.to === phone)!;
    expect(await whatsappInbound(["--status", "delivered", "--id", outbound.id, "--from", phone])).toMatch(/^200 ok/);
    await until(async () => {
      const one = await v1<Thread>(`/conversations/${conversation.id}`);
      return one.messages.find((m) => m.body === reply)?.channel_delivery?.status === "delivered";
    }, "the delivered status in /v1");
    expect((await v1<Thread>(`/conversations/${conversation.id}`)).messages).toHaveLength(3);

    // Leave the shared app as we found it.
    await page.goto(`${own.app.baseURL}/integrations/whatsapp-business/disconnect`);
    await Promise.all([page.waitForURL(/\/integrations$/), page.getByRole("button", { name: /^Disconnect$/ }).click()]);
    await connectedCard(page, "WhatsApp Business").waitFor({ state: "detached" });
    expect(offLoopback(requests)).toEqual([]);
    await context.close();
  });
});
