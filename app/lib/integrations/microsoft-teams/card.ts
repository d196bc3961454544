/**
 * The Adaptive Cards Teams shows (pure functions; the deliverer, the cron and the tests share them).
 * Teams renders a markdown subset in TextBlock and FactSet, so customer text never goes there: it
 * goes into RichTextBlock TextRuns, which Teams shows as plain text (no markdown, no links, and
 * mentions need an `msteams.entities` entry we never send). Our own words use TextBlocks.
 */
import { type Alert, clip, contactLabel } from "../notify/alerts.server";
import type { SummaryInput } from "../notify/summary.server";

export const ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive";
type Element = Record<string, unknown>;

/** What a Workflows "Send webhook alerts to a channel" trigger takes: a message with one card. */
export type TeamsMessage = {
  type: "message";
  attachments: { contentType: typeof ADAPTIVE_CARD; contentUrl: null; content: Record<string, unknown> }[];
};

function message(body: Element[], actions: Element[] = []): TeamsMessage {
  const content: Record<string, unknown> = {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    msteams: { width: "Full" },
    body,
  };
  if (actions.length) content.actions = actions;
  return { type: "message", attachments: [{ contentType: ADAPTIVE_CARD, contentUrl: null, content }] };
}

const heading = (text: string, color?: string): Element => ({
  type: "TextBlock",
  text,
  weight: "Bolder",
  size: "Medium",
  wrap: true,
  ...(color ? { color } : {}),
});

/** A labelled line whose value is someone else's text: shown verbatim (TextRun has no markdown). */
const labelled = (label: string, value: string): Element => ({
  type: "RichTextBlock",
  inlines: [
    { type: "TextRun", text: `${label}: `, weight: "Bolder" },
    { type: "TextRun", text: value },
  ],
});

const quote = (text: string): Element => ({
  type: "Container",
  style: "emphasis",
  items: [{ type: "RichTextBlock", inlines: [{ type: "TextRun", text, italic: true }] }],
});

export function alertCard(alert: Alert): TeamsMessage {
  const body: Element[] = [
    heading(alert.kind === "new" ? "New conversation" : "Escalated to a human", alert.kind === "escalated" ? "Attention" : undefined),
    labelled("Contact", clip(contactLabel(alert.contact), 300)),
    labelled("Subject", clip(alert.subject ?? "(no subject)", 300)),
  ];
  if (alert.reason) body.push(labelled("Reason", clip(alert.reason, 1000)));
  if (alert.firstMessage) body.push(quote(clip(alert.firstMessage, 2000)));
  body.push({ type: "TextBlock", text: `Conversation ${alert.conversationId}`, isSubtle: true, size: "Small", wrap: true });
  return message(body, [{ type: "Action.OpenUrl", title: "Open conversation", url: alert.url }]);
}

export function busiestHourLabel(s: SummaryInput): string {
  if (s.busiestHour === null) return "no activity";
  const hh = (h: number) => `${String(h).padStart(2, "0")}:00`;
  return `${hh(s.busiestHour)}–${hh((s.busiestHour + 1) % 24)} (${s.busiestCount} message${s.busiestCount === 1 ? "" : "s"})`;
}

export function summaryCard(s: SummaryInput): TeamsMessage {
  return message([
    heading(`Daily summary · ${s.date}`),
    {
      type: "FactSet",
      facts: [
        { title: "New conversations", value: String(s.created) },
        { title: "Closed", value: String(s.closed) },
        { title: "Escalated", value: String(s.escalated) },
        { title: "Busiest hour", value: busiestHourLabel(s) },
      ],
    },
    labelled("Times in", s.timezone),
  ]);
}
