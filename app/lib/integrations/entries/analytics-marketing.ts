import type { Provider } from "../types";
import { CONNECT_ONLY, WORKS_TODAY_KEY, WORKS_TODAY_OAUTH } from "./shared";

export const googleAnalytics = {
  id: "google-analytics",
  name: "Google Analytics",
  category: "analytics",
  shortDescription: "See chat impact next to your site traffic",
  longDescription:
    "Add a GA4 web stream's Measurement ID and a Measurement Protocol API secret so conversation events land in Google Analytics next to the visitor's own session.",
  features: [
    "Send conversation started, escalated and closed events (Measurement Protocol)",
    "Attribute them to the visitor's GA client id that the chat widget passes",
  ],
  permissions: ["Send events to one GA4 web stream (an API secret can only send; it cannot read your data)"],
  authKind: "api_key",
  capabilities: CONNECT_ONLY,
  worksToday:
    "Sends conversation_started, conversation_escalated and conversation_closed events for conversations whose metadata carries the visitor's ga_client_id; others are listed as not sent.",
  comingSoon: [],
  disconnectEffects: [
    "Delete the stored API secret",
    "Delete the API secret in GA4 (Admin → Data streams) if you want it unusable everywhere",
  ],
  logo: { bg: "#f9ab00", fg: "#1f2937", text: "GA", shape: "rounded" },
  apiKey: {
    fields: [
      { name: "measurement_id", label: "Measurement ID", secret: false, placeholder: "G-XXXXXXXXXX" },
      { name: "api_secret", label: "Measurement Protocol API secret", secret: true },
    ],
    labelField: "measurement_id",
    help: "In Google Analytics, open Admin → Data streams → your web stream: the Measurement ID is at the top, API secrets are under Measurement Protocol API secrets.",
    baseUrls: { GA4_COLLECT_BASE: "https://www.google-analytics.com" },
  },
} as const satisfies Provider;

export const segment = {
  id: "segment",
  name: "Segment",
  category: "analytics",
  shortDescription: "Stream chat events into your data pipeline",
  longDescription: "Add a Segment source write key so conversation events reach every tool connected to that source.",
  features: ["Track Conversation Started, Conversation Escalated and Conversation Closed", "Identify the contact by email (with name)"],
  permissions: ["Send events to one Segment source (a write key only writes: it cannot read your data)"],
  authKind: "api_key",
  capabilities: CONNECT_ONLY,
  worksToday:
    "Sends Conversation Started (with an identify call for the contact), Conversation Escalated and Conversation Closed to your source through Segment's HTTP Tracking API.",
  comingSoon: [],
  disconnectEffects: ["Delete the stored write key", "Rotate the key in Segment if you want it unusable everywhere"],
  logo: { bg: "#52bd94", fg: "#ffffff", text: "Sg", shape: "diamond" },
  apiKey: {
    fields: [
      { name: "source_name", label: "Source name", secret: false, placeholder: "Website chat" },
      { name: "write_key", label: "Write key", secret: true },
    ],
    labelField: "source_name",
    help: "In Segment, open Connections → Sources → your source → Settings → API Keys.",
    baseUrls: { SEGMENT_API_BASE: "https://api.segment.io", SEGMENT_CDN_BASE: "https://cdn.segment.com" },
  },
} as const satisfies Provider;

export const mailchimp = {
  id: "mailchimp",
  name: "Mailchimp",
  category: "marketing",
  shortDescription: "Grow your audience from conversations",
  longDescription: "Connect Mailchimp so customers who opt in during a chat can be added to an audience.",
  features: ["Add opted-in contacts to an audience", "Tag contacts by conversation topic"],
  permissions: ["Read your account name", "Manage audience members"],
  authKind: "oauth2",
  capabilities: CONNECT_ONLY,
  worksToday: WORKS_TODAY_OAUTH,
  comingSoon: ["Add opted-in contacts to an audience", "Tag contacts by conversation topic"],
  disconnectEffects: [
    "Delete the stored token",
    "Mailchimp has no revocation endpoint: remove the app under Connected apps in Mailchimp too",
  ],
  logo: { bg: "#ffe01b", fg: "#241c15", text: "M", shape: "circle" },
  oauth: {
    baseUrls: { MAILCHIMP_BASE: "https://login.mailchimp.com" },
    authorizeUrl: "{MAILCHIMP_BASE}/oauth2/authorize",
    tokenUrl: "{MAILCHIMP_BASE}/oauth2/token",
    identity: {
      url: "{MAILCHIMP_BASE}/oauth2/metadata",
      label: ["accountname", "login.login_email"],
      id: ["user_id"],
      authScheme: "OAuth",
    },
    scopes: [],
    pkce: false,
    clientIdEnv: "MAILCHIMP_CLIENT_ID",
    clientSecretEnv: "MAILCHIMP_CLIENT_SECRET",
  },
} as const satisfies Provider;

export const activeCampaign = {
  id: "activecampaign",
  name: "ActiveCampaign",
  category: "marketing",
  shortDescription: "Trigger automations from support chats",
  longDescription: "Add your ActiveCampaign API URL and key so conversations can update contacts and start automations.",
  features: ["Update contacts from conversations", "Start automations on escalation"],
  permissions: ["Full API access to your ActiveCampaign account (ActiveCampaign keys are not scoped)"],
  authKind: "api_key",
  capabilities: CONNECT_ONLY,
  worksToday: WORKS_TODAY_KEY,
  comingSoon: ["Update contacts from conversations", "Start automations on escalation"],
  disconnectEffects: ["Delete the stored API key", "Regenerate the key in ActiveCampaign if you want it unusable everywhere"],
  logo: { bg: "#356ae6", fg: "#ffffff", text: "AC", shape: "rounded" },
  apiKey: {
    fields: [
      { name: "account_url", label: "API URL", secret: false, placeholder: "https://youraccount.api-us1.com" },
      { name: "api_key", label: "API key", secret: true },
    ],
    labelField: "account_url",
    help: "In ActiveCampaign, open Settings → Developer.",
  },
} as const satisfies Provider;
