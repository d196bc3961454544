import * as z from "zod";
import type { Provider } from "../types";
import { CONNECT_CONFIGURE, STANDARD_DISCONNECT } from "./shared";

const crmSettings = {
  record_type: z
    .enum(["lead", "contact"])
    .default("lead")
    .meta({ title: "Create new customers as", description: "When no contact or lead has the customer's email yet." }),
  log_transcripts: z.boolean().default(true).meta({
    title: "Attach conversation transcripts",
    description: "Logged 10 minutes after a conversation closes (not if it is reopened), and updated if it closes again.",
  }),
};

export const salesforce = {
  id: "salesforce",
  name: "Salesforce",
  category: "crm",
  shortDescription: "Link conversations to your CRM records",
  longDescription: "Connect your Salesforce org so customer conversations can be linked to contacts and leads.",
  features: [
    "Find or create a contact or lead for each new customer (by email)",
    "Log the conversation transcript as a completed task on the record when it closes",
    "Look up account details during a chat",
  ],
  permissions: [
    "Read and write contacts and leads",
    "Create and update tasks",
    "Read your user and org details",
    "Keep access when you are away (refresh token)",
  ],
  authKind: "oauth2",
  capabilities: CONNECT_CONFIGURE,
  worksToday: "Finds or creates the customer's contact or lead for each new conversation and logs its transcript as a task when it closes.",
  comingSoon: ["Look up account details during a chat"],
  disconnectEffects: ["Revoke our access token in Salesforce", "Delete the stored tokens and these sync settings"],
  logo: { bg: "#00a1e0", fg: "#ffffff", text: "Sf", shape: "circle" },
  oauth: {
    baseUrls: { SALESFORCE_BASE: "https://login.salesforce.com" },
    authorizeUrl: "{SALESFORCE_BASE}/services/oauth2/authorize",
    tokenUrl: "{SALESFORCE_BASE}/services/oauth2/token",
    revoke: { url: "{SALESFORCE_BASE}/services/oauth2/revoke", style: "rfc7009" },
    identity: { url: "{SALESFORCE_BASE}/services/oauth2/userinfo", label: ["preferred_username", "name"], id: ["organization_id", "sub"] },
    scopes: ["api", "refresh_token", "openid"],
    pkce: true,
    clientIdEnv: "SALESFORCE_CLIENT_ID",
    clientSecretEnv: "SALESFORCE_CLIENT_SECRET",
  },
  configSchema: z.object(crmSettings),
} as const satisfies Provider;

export const hubspot = {
  id: "hubspot",
  name: "HubSpot",
  category: "crm",
  shortDescription: "Keep contacts and conversations together",
  longDescription: "Connect your HubSpot account so conversations can be linked to HubSpot contacts.",
  features: [
    "Create or link a contact for each new customer (by email)",
    "Log the conversation transcript as a note on the contact when it closes",
  ],
  permissions: [
    "Read and write contacts and the notes on them",
    "Read the names of contact owners",
    "Read basic account details",
    "Keep access when you are away (refresh token)",
  ],
  authKind: "oauth2",
  capabilities: CONNECT_CONFIGURE,
  worksToday: "Creates or links the customer's contact for each new conversation and logs its transcript as a note when it closes.",
  comingSoon: [],
  disconnectEffects: [
    "Delete the stored tokens and these sync settings",
    "HubSpot has no token revocation endpoint: uninstall the app in HubSpot to remove it there too",
  ],
  logo: { bg: "#ff7a59", fg: "#ffffff", text: "H", shape: "hex" },
  oauth: {
    baseUrls: { HUBSPOT_BASE: "https://app.hubspot.com", HUBSPOT_API_BASE: "https://api.hubapi.com" },
    authorizeUrl: "{HUBSPOT_BASE}/oauth/authorize",
    tokenUrl: "{HUBSPOT_API_BASE}/oauth/v1/token",
    identity: { url: "{HUBSPOT_API_BASE}/account-info/v3/details", label: ["uiDomain", "portalId"], id: ["portalId"] },
    scopes: ["crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.owners.read", "oauth"],
    // HubSpot's token endpoint takes code_verifier (S256); ADR 0082 lists each provider's support
    pkce: true,
    clientIdEnv: "HUBSPOT_CLIENT_ID",
    clientSecretEnv: "HUBSPOT_CLIENT_SECRET",
  },
  configSchema: z.object({ log_transcripts: crmSettings.log_transcripts }),
} as const satisfies Provider;

export const pipedrive = {
  id: "pipedrive",
  name: "Pipedrive",
  category: "crm",
  shortDescription: "Turn conversations into deals",
  longDescription: "Connect Pipedrive so promising conversations can become people and deals in your pipeline.",
  features: [
    "Find or create a person for each new customer (by email)",
    "Log the conversation transcript as a note on the person when it closes",
  ],
  permissions: [
    "Read and write people and the notes on them",
    "Read your user and company name",
    "Keep access when you are away (refresh token)",
  ],
  authKind: "oauth2",
  capabilities: CONNECT_CONFIGURE,
  worksToday: "Finds or creates the customer as a person for each new conversation and logs its transcript as a note when it closes.",
  comingSoon: [],
  disconnectEffects: STANDARD_DISCONNECT,
  logo: { bg: "#1a1a1a", fg: "#ffffff", text: "P", shape: "circle" },
  oauth: {
    baseUrls: { PIPEDRIVE_OAUTH_BASE: "https://oauth.pipedrive.com", PIPEDRIVE_API_BASE: "https://api.pipedrive.com" },
    authorizeUrl: "{PIPEDRIVE_OAUTH_BASE}/oauth/authorize",
    tokenUrl: "{PIPEDRIVE_OAUTH_BASE}/oauth/token",
    revoke: { url: "{PIPEDRIVE_OAUTH_BASE}/oauth/revoke", style: "rfc7009" },
    identity: { url: "{PIPEDRIVE_API_BASE}/v1/users/me", label: ["data.company_name", "data.email"], id: ["data.company_id"] },
    scopes: ["base", "contacts:full"],
    pkce: false,
    clientIdEnv: "PIPEDRIVE_CLIENT_ID",
    clientSecretEnv: "PIPEDRIVE_CLIENT_SECRET",
  },
  configSchema: z.object({ log_transcripts: crmSettings.log_transcripts }),
} as const satisfies Provider;
