import { slackConfigSchema } from "../slack/config";
import type { Provider } from "../types";

/** What the Teams and Discord adapters do (their features lists). */
const NOTIFY_FEATURES: readonly string[] = [
  "New conversation alerts",
  "Escalation alerts with a link to the conversation",
  "Daily summary",
];

export const slack = {
  id: "slack",
  name: "Slack",
  category: "communication",
  shortDescription: "Get notified about new conversations",
  longDescription: "Get real-time notifications about customer conversations in your Slack workspace, and answer customers from a thread.",
  features: ["New conversation notifications", "Escalation alerts", "Reply to customers from Slack", "Daily summary reports"],
  permissions: [
    "Send messages to channels",
    "See the list of public and private channels",
    "Read messages in channels the app is added to",
    "See the names of people who reply",
  ],
  authKind: "oauth2",
  capabilities: ["connect", "show_account", "configure", "disconnect", "notifications"],
  worksToday:
    "Posts new conversations, escalations and (if you want) every message to a channel, a daily summary, and lets agents reply from the thread.",
  comingSoon: [],
  disconnectEffects: [
    "Stop all notifications",
    "Remove reply from Slack feature",
    "Delete channel configuration",
    "Revoke the app's token in your workspace",
  ],
  logo: { bg: "#4a154b", fg: "#ffffff", text: "S", shape: "rounded" },
  oauth: {
    baseUrls: { SLACK_OAUTH_BASE: "https://slack.com", SLACK_API_BASE: "https://slack.com/api" },
    authorizeUrl: "{SLACK_OAUTH_BASE}/oauth/v2/authorize",
    tokenUrl: "{SLACK_API_BASE}/oauth.v2.access",
    revoke: { url: "{SLACK_API_BASE}/auth.revoke", style: "slack" },
    tokenStyle: "slack",
    // Post; list public and private channels; read thread replies (Events API); the replier's name.
    scopes: ["chat:write", "channels:read", "groups:read", "channels:history", "groups:history", "users:read"],
    scopeSeparator: ",",
    // Slack supports PKCE only by turning the app into a public client (one-way, 30-day refresh tokens): ADR 0082
    pkce: false,
    clientIdEnv: "SLACK_CLIENT_ID",
    clientSecretEnv: "SLACK_CLIENT_SECRET",
  },
  configSchema: slackConfigSchema,
} as const satisfies Provider;

export const teams = {
  id: "microsoft-teams",
  name: "Microsoft Teams",
  category: "communication",
  shortDescription: "Post conversation alerts to a Teams channel",
  longDescription:
    "Paste a channel's Workflows webhook URL so new conversations, escalations and a daily summary are posted to that Microsoft Teams channel as cards.",
  features: NOTIFY_FEATURES,
  permissions: ["Post cards to the one channel whose Workflows webhook URL you paste (the URL cannot read anything)"],
  authKind: "api_key",
  capabilities: ["connect", "show_account", "configure", "disconnect", "notifications"],
  worksToday:
    "Posts new conversations and escalations (with a link to the conversation) and a daily summary to your channel as Adaptive Cards; choose which in Configure.",
  comingSoon: [],
  disconnectEffects: [
    "Stop all Teams alerts",
    "Delete the stored webhook URL",
    "Turn the workflow off in Teams (channel ⋯ → Workflows) if you want the URL unusable everywhere",
  ],
  logo: { bg: "#5059c9", fg: "#ffffff", text: "T", shape: "rounded" },
  apiKey: {
    fields: [
      { name: "channel_name", label: "Channel name", secret: false, placeholder: "Support › Alerts" },
      { name: "webhook_url", label: "Workflows webhook URL", secret: true },
    ],
    labelField: "channel_name",
    help: "In Teams, open the channel's ⋯ menu → Workflows → “Send webhook alerts to a channel”, and copy the URL it gives you. We post one test card to check it.",
    baseUrls: { TEAMS_WORKFLOWS_BASE: "https://{region}.logic.azure.com" },
  },
} as const satisfies Provider;

export const discord = {
  id: "discord",
  name: "Discord",
  category: "communication",
  shortDescription: "Alerts for your community support server",
  longDescription:
    "Authorize a webhook in one channel of your Discord server so new conversations, escalations and a daily summary are posted there.",
  features: NOTIFY_FEATURES,
  permissions: ["Add a webhook to the one channel you pick on Discord's screen, and post messages through it"],
  authKind: "oauth2",
  capabilities: ["connect", "show_account", "configure", "disconnect", "notifications"],
  worksToday:
    "Posts new conversations and escalations (with a link to the conversation) and a daily summary to the channel you picked, as embeds; choose which in Configure.",
  comingSoon: [],
  disconnectEffects: [
    "Stop all Discord alerts",
    "Revoke our access and delete the stored webhook",
    "Delete the webhook in Discord (channel settings → Integrations → Webhooks) if you want it gone there too",
  ],
  logo: { bg: "#5865f2", fg: "#ffffff", text: "D", shape: "circle" },
  oauth: {
    baseUrls: { DISCORD_BASE: "https://discord.com" },
    authorizeUrl: "{DISCORD_BASE}/oauth2/authorize",
    tokenUrl: "{DISCORD_BASE}/api/oauth2/token",
    revoke: { url: "{DISCORD_BASE}/api/oauth2/token/revoke", style: "rfc7009" },
    // The token response carries the webhook Discord created in the channel the admin picked.
    scopes: ["webhook.incoming"],
    // Discord accepts S256 only, with a verifier of 43+ characters (arctic's is 43); ADR 0082
    pkce: true,
    clientIdEnv: "DISCORD_CLIENT_ID",
    clientSecretEnv: "DISCORD_CLIENT_SECRET",
  },
} as const satisfies Provider;
