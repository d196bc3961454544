/**
 * Slack's connection settings (connections.config), validated by this schema before they are
 * written. The form schema turns unchecked checkboxes (absent from the form) into false.
 */
import * as z from "zod";

export const SLACK_CHANNEL_ID = /^[CG][A-Z0-9]{2,30}$/;

export const slackConfigSchema = z.object({
  /** Slack's channel id (what the API takes); `channel` is its "#name" for people. */
  channel_id: z.string().regex(SLACK_CHANNEL_ID).optional(),
  channel: z.string().max(81).optional(),
  notify_new_conversations: z.boolean().default(true).meta({ title: "New conversations" }),
  notify_escalations: z.boolean().default(true).meta({ title: "Escalations to human" }),
  notify_all_messages: z.boolean().default(false).meta({ title: "All messages (high volume)" }),
  daily_summary: z.boolean().default(true).meta({ title: "Daily summary" }),
  /** Hour of the day (0–23) in the company's timezone. */
  summary_hour: z.number().int().min(0).max(23).default(9),
  allow_replies: z.boolean().default(true).meta({ title: "Allow agents to reply from Slack" }),
});
export type SlackConfig = z.infer<typeof slackConfigSchema>;

/** Stored config (possibly empty or from an older shape) read with defaults; never throws. */
export function readSlackConfig(stored: unknown): SlackConfig {
  const parsed = slackConfigSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : slackConfigSchema.parse({});
}

const checkbox = z.preprocess((v) => v === true || v === "on" || v === "true", z.boolean());

export const slackConfigFormSchema = z.object({
  channel_id: z.string({ error: "Choose a channel" }).trim().regex(SLACK_CHANNEL_ID, "Choose a channel from the list"),
  notify_new_conversations: checkbox,
  notify_escalations: checkbox,
  notify_all_messages: checkbox,
  daily_summary: checkbox,
  summary_hour: z.coerce
    .number({ error: "Choose an hour" })
    .int("Choose an hour")
    .min(0, "Choose an hour between 0 and 23")
    .max(23, "Choose an hour between 0 and 23"),
  allow_replies: checkbox,
});
export type SlackConfigForm = z.infer<typeof slackConfigFormSchema>;
