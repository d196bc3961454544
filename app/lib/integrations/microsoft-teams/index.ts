/**
 * Microsoft Teams: alerts through a channel's Workflows webhook ("Send webhook alerts to a
 * channel"), as Adaptive Cards: new conversations, escalations (with a link to the conversation)
 * and a daily summary, each switched in Configure. Connecting checks the URL (guard + Microsoft's
 * hosts) and posts one "connected" card, so a wrong or dead URL is a field error and nothing is saved.
 */
import { type DeliveryContext, type DeliveryOutcome, defineAdapter, type VerifyInput, type VerifyResult } from "../adapter";
import { CATALOG } from "../catalog";
import { alertFor, NOTIFY_EVENTS, notifyWants, wantsEvent } from "../notify/alerts.server";
import { notifySettingsSchema, readNotifySettings } from "../notify/settings";
import { forgetSummaryMarker, postDueSummaries } from "../notify/summary.server";
import { ProviderApiError } from "../provider-http.server";
import { sendOnce } from "../send-once.server";
import { alertCard, summaryCard, type TeamsMessage } from "./card";
import { postToWorkflow } from "./client.server";
import { checkWorkflowUrl } from "./webhook-url";

const NAME = "Microsoft Teams";

const connectedCard = (channel: string): TeamsMessage => ({
  type: "message",
  attachments: [
    {
      contentType: "application/vnd.microsoft.card.adaptive",
      contentUrl: null,
      content: {
        $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
        type: "AdaptiveCard",
        version: "1.4",
        body: [
          { type: "TextBlock", text: "Integrations Hub is connected", weight: "Bolder", wrap: true },
          {
            type: "RichTextBlock",
            inlines: [{ type: "TextRun", text: `Support alerts will be posted to ${channel}. Choose which in Configure.` }],
          },
        ],
      },
    },
  ],
});

const fieldError = (field: string, message: string): VerifyResult => ({ ok: false, fieldErrors: { [field]: [message] } });

export async function verifyTeams(input: VerifyInput): Promise<VerifyResult> {
  const channel = (input.fields?.channel_name ?? "").trim();
  const checked = checkWorkflowUrl(input.fields?.webhook_url ?? "", input.env);
  if (!checked.ok) return fieldError("webhook_url", checked.message);
  try {
    await postToWorkflow({ fetch: input.fetch, signal: input.signal, now: () => input.now }, checked.url, connectedCard(channel));
  } catch (error) {
    if (!(error instanceof ProviderApiError)) throw error;
    if (error.status === 401 || error.status === 403)
      return fieldError("webhook_url", "Teams refused this URL's signature. Copy the whole URL again from the workflow.");
    if (error.status === 404) return fieldError("webhook_url", "No workflow answers at this URL: it was deleted or turned off in Teams.");
    return fieldError("", `Teams did not accept the test card (${error.message}). Try again.`);
  }
  return { ok: true, accountLabel: channel || null, accountId: null };
}

/** What a failed post means: 404 (workflow gone) needs a new URL like a 401 does. */
function failure(error: unknown): DeliveryOutcome {
  if (!(error instanceof ProviderApiError)) throw error;
  const base = { ok: false, statusCode: error.status, error: error.message, retryAfterSeconds: error.retryAfterSeconds };
  if (error.status === 404) return { ...base, needsReauth: true, error: "The workflow behind the webhook URL was deleted or turned off." };
  return base;
}

async function deliver(ctx: DeliveryContext): Promise<DeliveryOutcome> {
  const { event, connection } = ctx;
  if (!wantsEvent(event.type, readNotifySettings(connection.row.config)))
    return { ok: false, gone: true, statusCode: null, error: "Not posted: this alert was turned off in Configure." };
  const checked = checkWorkflowUrl(connection.credential.fields?.webhook_url ?? "", ctx.env);
  if (!checked.ok) return { ok: false, gone: true, statusCode: null, error: `Not posted: ${checked.message}` };
  const alert = await alertFor(ctx);
  if (!alert) return { ok: false, gone: true, statusCode: null, error: "The event names no conversation." };
  try {
    return await sendOnce(ctx.refs, "alert", event.id, async () => {
      const { runId } = await postToWorkflow({ fetch: ctx.fetch, signal: ctx.signal, now: ctx.now }, checked.url, alertCard(alert));
      const what = alert.kind === "new" ? "new conversation" : "escalation";
      return { remoteId: runId ?? "accepted", summary: `Posted the ${what} card to ${connection.row.accountLabel ?? "the channel"}` };
    });
  } catch (error) {
    return failure(error);
  }
}

export const teamsAdapter = defineAdapter({
  id: "microsoft-teams",
  provider: CATALOG["microsoft-teams"],
  features: CATALOG["microsoft-teams"].features,
  settings: notifySettingsSchema,
  verifyCredential: verifyTeams,
  card: {
    info: ({ connection }) => ({ info: `Posting to: ${connection.accountLabel ?? "your Teams channel"}` }),
  },
  subscriptions: Object.fromEntries(NOTIFY_EVENTS.map((type) => [type, { wants: notifyWants, deliver }])),
  cron: (ctx) =>
    postDueSummaries(ctx, {
      name: NAME,
      refused: (e) => e.status === 401 || e.status === 404,
      post: async (connection, summary) => {
        const checked = checkWorkflowUrl(connection.credential.fields?.webhook_url ?? "", ctx.env);
        if (!checked.ok) throw new ProviderApiError(checked.message, { status: null });
        await postToWorkflow(
          { fetch: ctx.fetch, now: () => ctx.now, signal: AbortSignal.timeout(10_000) },
          checked.url,
          summaryCard(summary),
        );
      },
    }),
  disconnect: { after: ({ kv, connection }) => forgetSummaryMarker(kv, connection.id) },
});
