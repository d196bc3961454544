import { emailForwardingSettingsSchema } from "../email-forwarding/settings";
import type { Provider } from "../types";

export const zapier = {
  id: "zapier",
  name: "Zapier",
  actsAs: "zapier",
  category: "automation",
  shortDescription: "Automate workflows with 5000+ apps",
  longDescription:
    "Use Zapier to start workflows in thousands of apps when conversations are created, updated, escalated or closed, and when messages arrive or are sent, and to create, answer, escalate and close conversations from your Zaps.",
  features: [
    "Triggers for conversation and message events",
    "Actions: Create conversation, Add message, Escalate, Close",
    "Zaps listed here once Zapier subscribes",
  ],
  permissions: [
    "A dedicated API key for Zapier: read and write conversations (for its actions), manage its event subscriptions (REST hooks)",
  ],
  authKind: "built_in",
  capabilities: ["connect", "show_account", "configure", "disconnect", "zapier_triggers"],
  worksToday:
    "Creates a dedicated API key to paste into Zapier; each Zap's trigger subscribes here and receives signed event deliveries, and its actions create conversations, add messages, escalate and close through the API.",
  comingSoon: [],
  disconnectEffects: [
    "Revoke the Zapier API key: Zapier can no longer call the API",
    "Delete all Zapier subscriptions: your Zaps stop receiving events",
  ],
  logo: { bg: "#ff4f00", fg: "#ffffff", text: "Z", shape: "diamond" },
} as const satisfies Provider;

export const emailForwarding = {
  id: "email-forwarding",
  name: "Email Forwarding",
  category: "communication",
  shortDescription: "Forward emails to create conversations",
  longDescription: "Forward your support mailbox to your company's address here; each email will become a conversation.",
  features: [
    "Each forwarded email becomes a conversation",
    "Replies thread into the same conversation",
    "Attachments listed on the message",
  ],
  permissions: ["Receive the emails you forward to your company's address"],
  authKind: "built_in",
  capabilities: ["connect", "show_account", "configure", "disconnect"],
  worksToday:
    "Each email forwarded to your company's address becomes a conversation; replies thread into it, and attachments are listed (name, type, size).",
  comingSoon: [],
  disconnectEffects: ["Turn off the forwarding address: new emails to it are refused", "Existing conversations stay as they are"],
  logo: { bg: "#0f766e", fg: "#ffffff", text: "@", shape: "rounded" },
  // The same schema the inbound email handler reads (app/lib/integrations/email-forwarding/settings.ts).
  configSchema: emailForwardingSettingsSchema,
} as const satisfies Provider;
