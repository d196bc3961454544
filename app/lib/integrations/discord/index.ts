/**
 * Discord: alerts through the webhook Discord creates when the admin authorizes the
 * `webhook.incoming` scope and picks a channel (the token response carries it). New conversations,
 * escalations (linking to the conversation) and a daily summary, as embeds, each switched in
 * Configure. The webhook token is a secret: stored encrypted with the OAuth tokens, never on the row.
 */
import { type DeliveryContext, type DeliveryOutcome, defineAdapter, type VerifyInput, type VerifyResult } from "../adapter";
import { CATALOG } from "../catalog";
import { alertFor, NOTIFY_EVENTS, notifyWants, wantsEvent } from "../notify/alerts.server";
import { notifySettingsSchema, readNotifySettings } from "../notify/settings";
import { forgetSummaryMarker, postDueSummaries } from "../notify/summary.server";
import { ProviderApiError } from "../provider-http.server";
import { sendOnce } from "../send-once.server";
import { type DiscordWebhook, executeWebhook, getWebhook, messageUrl, UNKNOWN_WEBHOOK } from "./client.server";
import { alertMessage, summaryMessage } from "./embed";

const NAME = "Discord";
const SNOWFLAKE = /^\d{5,25}$/;

const refuse = (message: string): VerifyResult => ({ ok: false, fieldErrors: { "": [message] } });

/** The webhook from the token response, checked with Discord before anything is saved. */
export async function verifyDiscord(input: VerifyInput): Promise<VerifyResult> {
  const hook = (input.tokenResponse?.webhook ?? null) as Record<string, unknown> | null;
  const id = typeof hook?.id === "string" ? hook.id : "";
  const token = typeof hook?.token === "string" ? hook.token : "";
  if (!SNOWFLAKE.test(id) || !token)
    return refuse("Discord did not create a webhook. Connect again and pick a channel on Discord's screen.");
  let info: Awaited<ReturnType<typeof getWebhook>>;
  try {
    info = await getWebhook({ fetch: input.fetch, signal: input.signal, now: () => input.now, env: input.env }, { id, token });
  } catch (error) {
    if (error instanceof ProviderApiError && (error.status === 401 || error.status === 404))
      return refuse("Discord does not know this webhook any more. Connect again and pick a channel.");
    return refuse(
      `Discord could not be asked about the webhook${error instanceof ProviderApiError ? ` (${error.message})` : ""}. Try again.`,
    );
  }
  const channelId = String(info.channel_id ?? hook?.channel_id ?? "");
  const guildId = String(info.guild_id ?? hook?.guild_id ?? "");
  return {
    ok: true,
    accountLabel: `${info.name ?? "Webhook"} · channel ${channelId}`,
    accountId: id,
    context: { webhook_id: id, channel_id: channelId, guild_id: guildId },
    secrets: { webhook_token: token },
  };
}

function hookOf(ctx: {
  connection: { context: Record<string, string>; credential: { fields?: Record<string, string> } };
}): DiscordWebhook | null {
  const id = ctx.connection.context.webhook_id;
  const token = ctx.connection.credential.fields?.webhook_token;
  return id && token ? { id, token } : null;
}

function failure(error: unknown): DeliveryOutcome {
  if (!(error instanceof ProviderApiError)) throw error;
  const base = { ok: false, statusCode: error.status, error: error.message, retryAfterSeconds: error.retryAfterSeconds };
  // Someone deleted the webhook in Discord: only a new authorization (a new webhook) helps.
  if (error.status === 404 && error.code === UNKNOWN_WEBHOOK)
    return { ...base, needsReauth: true, error: "The Discord webhook was deleted. Reconnect Discord and pick a channel." };
  return base;
}

async function deliver(ctx: DeliveryContext): Promise<DeliveryOutcome> {
  const { event, connection, env } = ctx;
  if (!wantsEvent(event.type, readNotifySettings(connection.row.config)))
    return { ok: false, gone: true, statusCode: null, error: "Not posted: this alert was turned off in Configure." };
  const hook = hookOf(ctx);
  if (!hook) return { ok: false, statusCode: null, needsReauth: true, error: "The Discord webhook is missing. Reconnect Discord." };
  const alert = await alertFor(ctx);
  if (!alert) return { ok: false, gone: true, statusCode: null, error: "The event names no conversation." };
  try {
    return await sendOnce(ctx.refs, "alert", event.id, async () => {
      const msg = await executeWebhook(
        { fetch: ctx.fetch, signal: ctx.signal, now: ctx.now, env },
        hook,
        alertMessage(alert, event.createdAt),
      );
      const what = alert.kind === "new" ? "new conversation" : "escalation";
      return {
        remoteId: msg.id,
        remoteUrl: messageUrl(env, connection.context.guild_id, msg.channel_id, msg.id),
        summary: `Posted the ${what} embed to channel ${msg.channel_id}`,
      };
    });
  } catch (error) {
    return failure(error);
  }
}

export const discordAdapter = defineAdapter({
  id: "discord",
  provider: CATALOG.discord,
  features: CATALOG.discord.features,
  settings: notifySettingsSchema,
  verifyCredential: verifyDiscord,
  card: {
    info: ({ connection }) => {
      const { channel_id: channel, guild_id: guild } = connection.context ?? {};
      return { info: channel ? `Posting to channel ${channel}${guild ? ` in server ${guild}` : ""}` : "Connected" };
    },
  },
  subscriptions: Object.fromEntries(NOTIFY_EVENTS.map((type) => [type, { wants: notifyWants, deliver }])),
  cron: (ctx) =>
    postDueSummaries(ctx, {
      name: NAME,
      refused: (e) => e.status === 401 || (e.status === 404 && e.code === UNKNOWN_WEBHOOK),
      post: async (connection, summary) => {
        const hook = hookOf({ connection });
        if (!hook) throw new ProviderApiError("The Discord webhook is missing.", { status: 401 });
        await executeWebhook(
          { fetch: ctx.fetch, now: () => ctx.now, signal: AbortSignal.timeout(10_000), env: ctx.env },
          hook,
          summaryMessage(summary),
        );
      },
    }),
  disconnect: { after: ({ kv, connection }) => forgetSummaryMarker(kv, connection.id) },
});
