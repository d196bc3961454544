import * as z from "zod";
import type { Provider } from "../types";
import { CONNECT_CONFIGURE, CONNECT_ONLY } from "./shared";

/** Mailchimp's and ActiveCampaign's settings: the list (a picker filled from the provider) and tags. */
const marketingSettings = (list: string) => ({
  list_id: z
    .string()
    .trim()
    .max(100)
    .default("")
    .meta({ title: list, description: "Contacts who gave marketing consent are added here. Choose from your account's lists." }),
  tags: z
    .string()
    .trim()
    .max(300, "At most 300 characters")
    .default("support-chat")
    .meta({ title: "Tags", description: "Comma-separated, at most 10. Added to every contact sent." }),
});

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
  longDescription: "Connect Mailchimp so customers who opt in during a chat are added to an audience, with double opt-in.",
  features: [
    "Add contacts who gave marketing consent to the audience you choose, as pending (Mailchimp emails them to confirm)",
    "Tag them with the tags you set in Configure",
  ],
  permissions: ["Read your account name and data center", "Read your audiences", "Add and tag audience members"],
  authKind: "oauth2",
  capabilities: CONNECT_CONFIGURE,
  worksToday:
    "Adds each conversation's contact who gave marketing consent to the audience you choose (as pending, so Mailchimp asks them to confirm) and tags them. Contacts without consent are never sent.",
  comingSoon: [],
  disconnectEffects: [
    "Delete the stored token",
    "Mailchimp has no revocation endpoint: remove the app under Connected apps in Mailchimp too",
  ],
  logo: { bg: "#ffe01b", fg: "#241c15", text: "M", shape: "circle" },
  oauth: {
    baseUrls: { MAILCHIMP_BASE: "https://login.mailchimp.com", MAILCHIMP_API_BASE: "https://{dc}.api.mailchimp.com" },
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
  configSchema: z.object(marketingSettings("Audience")),
} as const satisfies Provider;

export const activeCampaign = {
  id: "activecampaign",
  name: "ActiveCampaign",
  category: "marketing",
  shortDescription: "Sync opted-in chat contacts to ActiveCampaign",
  longDescription: "Add your ActiveCampaign API URL and key so customers who opt in during a chat become contacts on your list, tagged.",
  features: [
    "Sync contacts who gave marketing consent (create or update by email)",
    "Subscribe them to the list you choose and tag them with the tags you set in Configure",
  ],
  permissions: [
    "Full API access to your ActiveCampaign account (ActiveCampaign keys are not scoped): we read lists and tags, and write contacts",
  ],
  authKind: "api_key",
  capabilities: CONNECT_CONFIGURE,
  worksToday:
    "Syncs each conversation's contact who gave marketing consent to ActiveCampaign, subscribes them to the list you choose and tags them. Contacts without consent are never sent.",
  comingSoon: ["Start automations on escalation"],
  disconnectEffects: ["Delete the stored API key", "Regenerate the key in ActiveCampaign if you want it unusable everywhere"],
  logo: { bg: "#356ae6", fg: "#ffffff", text: "AC", shape: "rounded" },
  apiKey: {
    fields: [
      { name: "account_url", label: "API URL", secret: false, placeholder: "https://youraccount.api-us1.com" },
      { name: "api_key", label: "API key", secret: true },
    ],
    labelField: "account_url",
    help: "In ActiveCampaign, open Settings → Developer: copy the API URL and the key.",
  },
  configSchema: z.object(marketingSettings("List")),
} as const satisfies Provider;
