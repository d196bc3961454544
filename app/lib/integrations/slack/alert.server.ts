/**
 * A health alert posted to the company's Slack channel (ADR 0110): chat.postMessage with Block Kit,
 * the text escaped like every message we post. No channel chosen yet → nothing to post (false). A
 * dead token marks the connection needs_reauth, like every Slack call.
 */
import type { AlertNotice, AlertNotifier } from "../adapter";
import { SlackApiError, slackCall } from "./api.server";
import { escapeMrkdwn, type SlackMessage } from "./blocks";
import { readSlackConfig } from "./config";
import { botToken, markSlackNeedsReauth } from "./connection.server";

export function alertMessage(notice: AlertNotice): SlackMessage {
  const title = escapeMrkdwn(notice.title);
  const lines = [`:warning: *${title}*`, ...(notice.detail ? [escapeMrkdwn(notice.detail)] : [])];
  return {
    text: `Health alert: ${title}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: lines.join("\n") } },
      {
        type: "actions",
        elements: [
          { type: "button", text: { type: "plain_text", text: notice.fixLabel.slice(0, 75) }, url: notice.url, action_id: "fix_alert" },
        ],
      },
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: `Integrations Hub · ${escapeMrkdwn(notice.companyName)} · at most once a day while it lasts` }],
      },
    ],
  };
}

export const postAlertToSlack: AlertNotifier = async ({ connection, notice, db, kv, env, fetch, now }) => {
  const config = readSlackConfig(connection.config);
  if (!config.channel_id) return false;
  try {
    const token = await botToken({ db, kv, env, fetch, now }, connection);
    await slackCall({ fetch, env }, token, "chat.postMessage", { channel: config.channel_id, ...alertMessage(notice) });
    return true;
  } catch (error) {
    if (error instanceof SlackApiError && error.authFailed) await markSlackNeedsReauth(db, connection, error.code, now());
    throw error;
  }
};
