/**
 * Block Kit for the messages we post. Pure functions: the deliverer and the tests share them.
 * User text is escaped (&, <, >) wherever Slack reads mrkdwn, the top-level `text` (the
 * notification and fallback text, mrkdwn by default) included, so a customer cannot ping
 * `<!channel>`, mention `<@U…>` or forge a link `<http://evil|bank.com>`.
 */
import { type Contact, contactLabel } from "../../conversations/contact";

export type Block = Record<string, unknown>;
export type SlackMessage = { text: string; blocks: Block[] };

export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export type ParentInput = {
  conversationId: string;
  contact: Contact;
  subject: string | null;
  firstMessage: string | null;
  url: string;
  status: "open" | "escalated" | "closed";
};

const STATUS_LABEL = { open: "New conversation", escalated: "Escalated conversation", closed: "Closed conversation" } as const;

export { contactLabel };

/** The parent message of a conversation's thread (posted on conversation.created, updated on close). */
export function parentMessage(input: ParentInput): SlackMessage {
  const who = escapeMrkdwn(contactLabel(input.contact));
  const subject = escapeMrkdwn(clip(input.subject ?? "(no subject)", 200));
  const title = input.status === "closed" ? `:white_check_mark: ${STATUS_LABEL.closed}` : `:speech_balloon: ${STATUS_LABEL[input.status]}`;
  const blocks: Block[] = [
    {
      type: "header",
      text: { type: "plain_text", text: input.status === "closed" ? "Conversation closed" : "New conversation", emoji: true },
    },
    {
      type: "section",
      fields: [
        { type: "mrkdwn", text: `*Contact*\n${who}` },
        { type: "mrkdwn", text: `*Subject*\n${subject}` },
      ],
    },
  ];
  if (input.firstMessage)
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: `>${escapeMrkdwn(clip(input.firstMessage, 2500)).replace(/\n/g, "\n>")}` },
    });
  blocks.push({
    type: "actions",
    elements: [{ type: "button", text: { type: "plain_text", text: "Open conversation" }, url: input.url, action_id: "open_conversation" }],
  });
  blocks.push({
    type: "context",
    elements: [
      { type: "mrkdwn", text: `${title} · ${input.conversationId}${input.status === "closed" ? "" : " · reply in this thread to answer"}` },
    ],
  });
  return { text: `${STATUS_LABEL[input.status]} from ${who}: ${subject}`, blocks };
}

/** A later message of the conversation, as a thread reply. */
export function threadMessage(input: { author: string; authorName: string | null; body: string }): SlackMessage {
  const who = input.authorName ? `${input.authorName} (${input.author})` : input.author;
  return {
    text: `${escapeMrkdwn(who)}: ${escapeMrkdwn(clip(input.body, 200))}`,
    blocks: [{ type: "section", text: { type: "mrkdwn", text: `*${escapeMrkdwn(who)}*\n${escapeMrkdwn(clip(input.body, 2800))}` } }],
  };
}

/** The escalation alert, in the conversation's thread (and broadcast to the channel). */
export function escalationMessage(input: { contact: ParentInput["contact"]; reason: string | null; url: string }): SlackMessage {
  const who = escapeMrkdwn(contactLabel(input.contact));
  const reason = input.reason ? `\n*Reason:* ${escapeMrkdwn(clip(input.reason, 500))}` : "";
  return {
    text: `:rotating_light: Escalated to a human: ${who} needs an agent`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `:rotating_light: *Escalated to a human* — ${who} needs an agent.${reason}` } },
      {
        type: "actions",
        elements: [
          {
            type: "button",
            text: { type: "plain_text", text: "Open conversation" },
            url: input.url,
            style: "danger",
            action_id: "open_conversation",
          },
        ],
      },
    ],
  };
}

export type SummaryInput = {
  date: string;
  timezone: string;
  created: number;
  closed: number;
  escalated: number;
  busiestHour: number | null;
  busiestCount: number;
};

export function summaryMessage(s: SummaryInput): SlackMessage {
  const hour =
    s.busiestHour === null
      ? "no activity"
      : `${String(s.busiestHour).padStart(2, "0")}:00–${String((s.busiestHour + 1) % 24).padStart(2, "0")}:00 (${s.busiestCount} message${s.busiestCount === 1 ? "" : "s"})`;
  const text = `Daily summary for ${s.date}: ${s.created} new, ${s.closed} closed, ${s.escalated} escalated; busiest hour ${hour}`;
  return {
    text,
    blocks: [
      { type: "header", text: { type: "plain_text", text: `Daily summary · ${s.date}`, emoji: true } },
      {
        type: "section",
        fields: [
          { type: "mrkdwn", text: `*New conversations*\n${s.created}` },
          { type: "mrkdwn", text: `*Closed*\n${s.closed}` },
          { type: "mrkdwn", text: `*Escalated*\n${s.escalated}` },
          { type: "mrkdwn", text: `*Busiest hour*\n${hour}` },
        ],
      },
      { type: "context", elements: [{ type: "mrkdwn", text: `Times in ${escapeMrkdwn(s.timezone)}` }] },
    ],
  };
}
