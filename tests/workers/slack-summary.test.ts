import { createExecutionContext, createScheduledController, env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  addMessage,
  createConversation,
  type DomainCtx,
  escalateConversation,
  setConversationStatus,
} from "~/lib/conversations/conversations.server";
import { createDb } from "~/lib/db/client";
import type { Env } from "~/lib/env";
import { performedBy } from "~/lib/events/performed-by";
import { postDailySummaries, summaryForDay } from "~/lib/integrations/slack/summary.server";
import { startOfLocalDay } from "~/lib/integrations/slack/timezone";
import worker from "../../workers/app";
import { signIn } from "../helpers/browser-client";
import { ACME } from "../helpers/seed";
import { configureSlack, connectSlack, DEFAULT_SETTINGS, type Installed, installSlack, resetTables } from "./slack-helpers";

const TZ = "America/New_York"; // UTC-4 in June
let slack: Installed;

beforeEach(async () => {
  slack = installSlack();
  await env.DB.prepare("UPDATE companies SET timezone = ? WHERE id = ?").bind(TZ, ACME.id).run();
  const john = await signIn(ACME.adminEmail);
  await connectSlack(john);
  await configureSlack(john, { ...DEFAULT_SETTINGS, summary_hour: "9" });
});

afterEach(async () => {
  slack.restore();
  vi.unstubAllGlobals();
  await env.DB.prepare("UPDATE companies SET timezone = 'UTC'").run();
  await resetTables();
});

const at = (iso: string) => new Date(iso);
const ctx = (now: string): DomainCtx => ({
  db: createDb(env.DB),
  companyId: ACME.id,
  performedBy: performedBy.system("test"),
  now: at(now),
});
const contact = { email: "pat@example.com", name: "Pat" };
const first = (body: string) => ({ body, author: "contact" as const });

/** 2026-06-10 in New York: 3 new (one at 23:50 local = next day in UTC), 2 closed, 1 escalated; busiest hour 10:00. */
async function seedDay() {
  const c = await createConversation(ctx("2026-06-10T03:30:00Z"), {
    channel: "api",
    contact,
    subject: "late on the 9th",
    message: first("hi"),
  }); // 23:30 on the 9th
  const a = await createConversation(ctx("2026-06-10T13:15:00Z"), { channel: "api", contact, subject: "A", message: first("a") }); // 09:15
  const b = await createConversation(ctx("2026-06-10T14:20:00Z"), { channel: "api", contact, subject: "B", message: first("b") }); // 10:20
  await addMessage(ctx("2026-06-10T14:40:00Z"), { conversationId: b.conversation.id, ...first("b again") }); // 10:40
  await escalateConversation(ctx("2026-06-10T14:05:00Z"), { id: a.conversation.id }); // 10:05
  await setConversationStatus(ctx("2026-06-10T04:10:00Z"), { id: c.conversation.id, status: "closed" }); // 00:10
  await setConversationStatus(ctx("2026-06-10T20:00:00Z"), { id: a.conversation.id, status: "closed" }); // 16:00
  await createConversation(ctx("2026-06-11T03:50:00Z"), { channel: "api", contact, subject: "E", message: first("e") }); // 23:50 on the 10th
  await createConversation(ctx("2026-06-11T04:05:00Z"), { channel: "api", contact, subject: "D", message: first("d") }); // 00:05 on the 11th
}

const rt = (now: string) => ({ db: createDb(env.DB), kv: env.KV, env: env as Env, fetch: slack.fetch, now: () => at(now) });

describe("Slack daily summary", () => {
  it("local days are cut at the company's midnight", () => {
    expect(startOfLocalDay({ year: 2026, month: 6, day: 10 }, TZ).toISOString()).toBe("2026-06-10T04:00:00.000Z");
    expect(startOfLocalDay({ year: 2026, month: 1, day: 10 }, TZ).toISOString()).toBe("2026-01-10T05:00:00.000Z");
    expect(startOfLocalDay({ year: 2026, month: 6, day: 10 }, "Asia/Kolkata").toISOString()).toBe("2026-06-09T18:30:00.000Z");
    // the day clocks spring forward is 23 hours long
    expect(startOfLocalDay({ year: 2026, month: 3, day: 8 }, TZ).toISOString()).toBe("2026-03-08T05:00:00.000Z");
    expect(startOfLocalDay({ year: 2026, month: 3, day: 9 }, TZ).toISOString()).toBe("2026-03-09T04:00:00.000Z");
  });

  it("counts new, closed and escalated conversations and the busiest hour of the company's previous day", async () => {
    await seedDay();
    const summary = await summaryForDay(createDb(env.DB), ACME.id, { year: 2026, month: 6, day: 10 }, TZ);
    expect(summary).toEqual({ date: "2026-06-10", timezone: TZ, created: 3, closed: 2, escalated: 1, busiestHour: 10, busiestCount: 2 });
  });

  it("posts once at the configured hour in the company's timezone, not before, and not twice that day", async () => {
    await seedDay();
    expect((await postDailySummaries(rt("2026-06-11T12:59:00Z"))).posted).toEqual([]); // 08:59 in New York
    const run = await postDailySummaries(rt("2026-06-11T13:00:00Z")); // 09:00
    expect(run.posted).toEqual([ACME.id]);
    await postDailySummaries(rt("2026-06-11T13:01:00Z"));
    await postDailySummaries(rt("2026-06-11T20:00:00Z"));
    const posts = slack.fake.calls("chat.postMessage");
    expect(posts).toHaveLength(1);
    expect(posts[0]!.args.channel).toBe("C0ALERTS01");
    expect(posts[0]!.args.text).toBe("Daily summary for 2026-06-10: 3 new, 2 closed, 1 escalated; busiest hour 10:00–11:00 (2 messages)");
    const blocks = JSON.stringify(posts[0]!.args.blocks);
    expect(blocks).toContain("*New conversations*\\n3");
    expect(blocks).toContain("*Escalated*\\n1");
    // the next day posts again
    expect((await postDailySummaries(rt("2026-06-12T13:00:00Z"))).posted).toEqual([ACME.id]);
  });

  it("a failed post is tried again on the next run; with Daily summary off nothing is posted", async () => {
    slack.fake.rateLimitNext("chat.postMessage", 5);
    expect((await postDailySummaries(rt("2026-06-11T13:00:00Z"))).failed).toEqual([ACME.id]);
    expect((await postDailySummaries(rt("2026-06-11T13:01:00Z"))).posted).toEqual([ACME.id]);
    slack.fake.state.calls.length = 0;
    const john = await signIn(ACME.adminEmail);
    await configureSlack(john, { ...DEFAULT_SETTINGS, daily_summary: "" });
    expect((await postDailySummaries(rt("2026-06-12T13:00:00Z"))).posted).toEqual([]);
    expect(slack.fake.calls("chat.postMessage")).toHaveLength(0);
  });

  it("runs from the Worker's scheduled handler (the cron job list)", async () => {
    const controller = createScheduledController({ scheduledTime: at("2026-06-11T13:00:00Z"), cron: "* * * * *" });
    await worker.scheduled(controller, env as Env, createExecutionContext());
    expect(slack.fake.calls("chat.postMessage")).toHaveLength(1);
  });
});
