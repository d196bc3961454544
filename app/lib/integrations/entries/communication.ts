import { z } from "zod";
import { slackConfigSchema } from "../slack/config";
import type { Provider } from "../types";
import { CONNECT_CONFIGURE, notificationSettings, STANDARD_DISCONNECT, WORKS_TODAY_OAUTH } from "./shared";

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
  longDescription: "Connect your Microsoft 365 organisation so support alerts can be posted to a Microsoft Teams channel.",
  features: ["New conversation alerts in a channel", "Escalation alerts"],
  permissions: [
    "Sign you in and read your basic profile",
    "See the teams you belong to",
    "Send messages to channels",
    "Keep access when you are away (refresh token)",
  ],
  authKind: "oauth2",
  capabilities: CONNECT_CONFIGURE,
  worksToday: WORKS_TODAY_OAUTH,
  comingSoon: ["New conversation alerts in a channel", "Escalation alerts"],
  disconnectEffects: ["Stop all Teams alerts", ...STANDARD_DISCONNECT],
  logo: { bg: "#5059c9", fg: "#ffffff", text: "T", shape: "rounded" },
  oauth: {
    baseUrls: { MICROSOFT_LOGIN_BASE: "https://login.microsoftonline.com", MICROSOFT_GRAPH_BASE: "https://graph.microsoft.com" },
    authorizeUrl: "{MICROSOFT_LOGIN_BASE}/common/oauth2/v2.0/authorize",
    tokenUrl: "{MICROSOFT_LOGIN_BASE}/common/oauth2/v2.0/token",
    identity: { url: "{MICROSOFT_GRAPH_BASE}/v1.0/me", label: ["displayName", "userPrincipalName"], id: ["id"] },
    scopes: ["offline_access", "User.Read", "Team.ReadBasic.All", "ChannelMessage.Send"],
    pkce: true,
    clientIdEnv: "MICROSOFT_CLIENT_ID",
    clientSecretEnv: "MICROSOFT_CLIENT_SECRET",
  },
  configSchema: z.object({ ...notificationSettings }),
} as const satisfies Provider;

export const discord = {
  id: "discord",
  name: "Discord",
  category: "communication",
  shortDescription: "Alerts for your community support server",
  longDescription: "Connect your Discord account so conversation alerts can be posted to your community's support server.",
  features: ["New conversation alerts", "Escalation alerts"],
  permissions: ["Read your username", "See the servers you are in"],
  authKind: "oauth2",
  capabilities: CONNECT_CONFIGURE,
  worksToday: WORKS_TODAY_OAUTH,
  comingSoon: ["New conversation alerts", "Escalation alerts"],
  disconnectEffects: ["Stop all Discord alerts", ...STANDARD_DISCONNECT],
  logo: { bg: "#5865f2", fg: "#ffffff", text: "D", shape: "circle" },
  oauth: {
    baseUrls: { DISCORD_BASE: "https://discord.com" },
    authorizeUrl: "{DISCORD_BASE}/oauth2/authorize",
    tokenUrl: "{DISCORD_BASE}/api/oauth2/token",
    revoke: { url: "{DISCORD_BASE}/api/oauth2/token/revoke", style: "rfc7009" },
    identity: { url: "{DISCORD_BASE}/api/users/@me", label: ["global_name", "username"], id: ["id"] },
    scopes: ["identify", "guilds"],
    // Discord accepts S256 only, with a verifier of 43+ characters (arctic's is 43); ADR 0082
    pkce: true,
    clientIdEnv: "DISCORD_CLIENT_ID",
    clientSecretEnv: "DISCORD_CLIENT_SECRET",
  },
  configSchema: z.object({ ...notificationSettings }),
} as const satisfies Provider;
