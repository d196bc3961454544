/**
 * The messages Discord shows (pure functions shared by the deliverer, the cron and the tests).
 * Customer text is escaped for Discord markdown (no formatting, no masked links) and mentions are
 * broken with a zero-width space (`@everyone`, `<@id>`, `<@&role>`, `<#channel>`); on top of
 * that every message says `allowed_mentions: { parse: [] }`, so Discord pings no one whatever the text.
 */
import { type Alert, clip, contactLabel } from "../notify/alerts.server";
import type { SummaryInput } from "../notify/summary.server";

const ZWSP = "\u200b";

export function escapeDiscord(text: string): string {
  return text
    .replace(/[\\*_~`|>#[\]()-]/g, "\\$&")
    .replace(/@(everyone|here)/gi, `@${ZWSP}$1`)
    .replace(/<(?=[@#:]|a:|t:)/g, `<${ZWSP}`);
}

export type DiscordMessage = {
  embeds: Record<string, unknown>[];
  allowed_mentions: { parse: [] };
  username?: string;
};

const NO_MENTIONS = { parse: [] as [] };
const COLOR = { new: 0x5865f2, escalated: 0xed4245, summary: 0x57f287 } as const;

export function alertMessage(alert: Alert, at: Date): DiscordMessage {
  const fields = [
    { name: "Contact", value: escapeDiscord(clip(contactLabel(alert.contact), 300)), inline: true },
    { name: "Subject", value: escapeDiscord(clip(alert.subject ?? "(no subject)", 300)), inline: true },
  ];
  if (alert.reason) fields.push({ name: "Reason", value: escapeDiscord(clip(alert.reason, 800)), inline: false });
  fields.push({ name: "Conversation", value: `[Open conversation](${alert.url})`, inline: false });
  return {
    embeds: [
      {
        title: alert.kind === "new" ? "New conversation" : "Escalated to a human",
        url: alert.url,
        color: COLOR[alert.kind],
        ...(alert.firstMessage ? { description: escapeDiscord(clip(alert.firstMessage, 1500)) } : {}),
        fields,
        footer: { text: `Conversation ${alert.conversationId}` },
        timestamp: at.toISOString(),
      },
    ],
    allowed_mentions: NO_MENTIONS,
  };
}

export function summaryMessage(s: SummaryInput): DiscordMessage {
  const hour =
    s.busiestHour === null
      ? "no activity"
      : `${String(s.busiestHour).padStart(2, "0")}:00–${String((s.busiestHour + 1) % 24).padStart(2, "0")}:00 (${s.busiestCount} message${s.busiestCount === 1 ? "" : "s"})`;
  return {
    embeds: [
      {
        title: `Daily summary · ${s.date}`,
        color: COLOR.summary,
        fields: [
          { name: "New conversations", value: String(s.created), inline: true },
          { name: "Closed", value: String(s.closed), inline: true },
          { name: "Escalated", value: String(s.escalated), inline: true },
          { name: "Busiest hour", value: hour, inline: false },
        ],
        footer: { text: `Times in ${s.timezone}` },
      },
    ],
    allowed_mentions: NO_MENTIONS,
  };
}
