/**
 * The settings Teams and Discord share (the same toggles as Slack's Configure screen, minus the
 * channel, which the webhook fixes): read by the fan-out filter, the deliverers and the summary cron.
 */
import * as z from "zod";

export const notifySettingsSchema = z.object({
  notify_new_conversations: z.boolean().default(true).meta({ title: "New conversations" }),
  notify_escalations: z.boolean().default(true).meta({ title: "Escalations to a human" }),
  daily_summary: z.boolean().default(true).meta({ title: "Daily summary" }),
  summary_hour: z
    .number({ error: "Choose an hour between 0 and 23" })
    .int("Choose an hour between 0 and 23")
    .min(0, "Choose an hour between 0 and 23")
    .max(23, "Choose an hour between 0 and 23")
    .default(9)
    .meta({ title: "Summary hour", description: "Hour of the day (0–23) in your company's timezone." }),
});
export type NotifySettings = z.infer<typeof notifySettingsSchema>;

export function readNotifySettings(stored: unknown): NotifySettings {
  const parsed = notifySettingsSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : notifySettingsSchema.parse({});
}
