import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { axeViolations, openPage, screenshot, signInThroughForm, type ViewportName } from "./browser";
import { ownApp, sandboxState as sandboxStateOf, until, v1Client } from "./own-app";

/**
 * Teams, Discord and Segment doing their real job through the sandbox: connected in the browser
 * (a wrong Teams signature and an unknown Segment write key refused first), then a conversation
 * created and escalated through /v1; the sandbox's own records show the cards, the embeds and the
 * tracked events.
 */
const KEY = "sk_live_notifyanalyticsnotifyanalyticsnotif12";
const own = ownApp({ SEED_API_KEY: KEY });
const v1 = v1Client(() => own.app.baseURL, KEY);
const sandboxState = (provider: string) => sandboxStateOf(own.app.sandboxURL, provider);

const teamsUrl = (sig: string) =>
  `${own.app.sandboxURL}/teams/workflows/sandbox-support-alerts/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${sig}`;

async function connectTeams(page: Page, shot: string) {
  await page.goto(`${own.app.baseURL}/integrations/microsoft-teams/connect`);
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Channel name").fill("Support › Alerts");
  await dialog.getByLabel("Workflows webhook URL").fill(teamsUrl("wrong_signature_123"));
  await dialog.getByRole("button", { name: "Connect Microsoft Teams" }).click();
  await page.getByText("Teams refused this URL's signature").waitFor();
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, shot);
  await page.getByRole("dialog").getByLabel("Workflows webhook URL").fill(teamsUrl("sandbox_teams_sig"));
  await Promise.all([
    page.waitForURL(/\/integrations\/microsoft-teams\/connected$/),
    page.getByRole("dialog").getByRole("button", { name: "Connect Microsoft Teams" }).click(),
  ]);
  await page.getByRole("dialog").getByText("Successfully connected to Microsoft Teams!").waitFor();
}

async function connectDiscord(page: Page) {
  await page.goto(`${own.app.baseURL}/integrations/discord/connect`);
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(own.app.sandboxURL!)),
    page.getByRole("button", { name: "Continue to Discord" }).click(),
  ]);
  await page.getByText("webhook.incoming").waitFor();
  await Promise.all([page.waitForURL(/\/integrations\/discord\/connected$/), page.getByRole("button", { name: "Allow" }).click()]);
}

async function connectSegment(page: Page) {
  await page.goto(`${own.app.baseURL}/integrations/segment/connect`);
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Source name").fill("Website chat");
  await dialog.getByLabel("Write key").fill("not_a_known_write_key");
  await dialog.getByRole("button", { name: "Connect Segment" }).click();
  await page.getByText("Segment does not know this write key.").waitFor();
  await page.getByRole("dialog").getByLabel("Write key").fill("sandbox_segment_e2e_key");
  await Promise.all([
    page.waitForURL(/\/integrations\/segment\/connected$/),
    page.getByRole("dialog").getByRole("button", { name: "Connect Segment" }).click(),
  ]);
}

const runs: { js: boolean; viewport: ViewportName }[] = [
  { js: true, viewport: "desktop" },
  { js: false, viewport: "phone" },
];

describe.each(runs)("Teams, Discord and Segment through the sandbox (JavaScript $js, $viewport)", ({ js, viewport }) => {
  it("connect all three, then create → escalate a conversation: the card, the embed and the events appear at the providers", async () => {
    const { context, page } = await openPage(own.browser, { js, viewport });
    await signInThroughForm(page, own.app.baseURL, "john@acme.com");
    await connectTeams(page, `notify-teams-refused-${viewport}-${js ? "js" : "nojs"}`);
    await connectDiscord(page);
    await connectSegment(page);
    await page.goto(`${own.app.baseURL}/integrations`);
    const cards = page.getByRole("main");
    await cards.getByText("Posting to: Support › Alerts").waitFor();
    await cards.getByText("Posting to channel 1100000000000000042").first().waitFor();

    const subject = `Lost parcel @everyone (${viewport}, ${js ? "js" : "nojs"})`;
    const conversation = await v1("/conversations", {
      method: "POST",
      body: { contact: { email: `notify-${viewport}-${js}@example.com`, name: "Nia Tester" }, subject, message: { body: "Where is it?" } },
    });
    await v1(`/conversations/${conversation.id}/escalate`, { method: "POST", body: { reason: "Wants a human" } });

    const cardsFor = async () =>
      ((await sandboxState("teams")).workflows![0].posts as { text: string; card: any }[]).filter((p) => p.text.includes(subject));
    const teamsCards = await until(async () => ((await cardsFor()).length === 2 ? cardsFor() : null), "the two Teams cards");
    expect(teamsCards.map((p) => p.card.body[0].text)).toEqual(["New conversation", "Escalated to a human"]);
    expect(teamsCards[1]!.card.actions[0].url).toMatch(new RegExp(`/conversations/${conversation.id}$`));

    const embedsFor = async () =>
      ((await sandboxState("discord")).webhooks as { messages: any[] }[])
        .flatMap((w) => w.messages)
        .filter((m) => m.embeds[0].footer.text === `Conversation ${conversation.id}`);
    const messages = await until(async () => ((await embedsFor()).length === 2 ? embedsFor() : null), "the two Discord embeds");
    expect(messages.map((m) => m.embeds[0].title)).toEqual(["New conversation", "Escalated to a human"]);
    for (const m of messages) expect(m.mention_everyone).toBe(false);

    const tracked = await until(async () => {
      const events = ((await sandboxState("segment")).events as { event?: string; properties?: { conversation_id?: string } }[]).filter(
        (e) => e.properties?.conversation_id === conversation.id,
      );
      return events.length === 2 ? events : null;
    }, "the Segment track calls");
    expect(tracked.map((e) => e.event)).toEqual(["Conversation Started", "Conversation Escalated"]);

    const calls = JSON.stringify(await (await fetch(`${own.app.sandboxURL}/__sandbox/calls`)).json());
    expect(calls).not.toContain("sandbox_teams_sig");
    expect(calls).not.toContain("sandbox_segment_e2e_key");
    expect(calls).not.toContain("sandbox_dwh_");
    await context.close();
  });
});
