import type { Provider } from "../types";
import { CONNECT_ONLY } from "./shared";

const keyDisconnect = (where: string) => ["Delete the stored credentials", `Revoke the key in ${where} if you want it unusable everywhere`];

export const zendesk = {
  id: "zendesk",
  name: "Zendesk",
  category: "support",
  shortDescription: "Hand escalations to your Zendesk agents",
  longDescription: "Add a Zendesk API token so escalated conversations can become Zendesk tickets.",
  features: [
    "Create a ticket with the transcript as an internal note on escalation",
    "Close the conversation when its ticket is solved",
    "Tell the AI agent the customer's open tickets (GET /v1/contacts/{email}/context)",
  ],
  permissions: [
    "Act as the admin who owns the API token: create and read tickets, look up users by email",
    "Add one webhook that reports ticket status changes to us",
  ],
  authKind: "api_key",
  capabilities: CONNECT_ONLY,
  worksToday: "Creates a Zendesk ticket when a conversation is escalated, and closes the conversation when the ticket is solved.",
  comingSoon: [],
  disconnectEffects: keyDisconnect("Zendesk Admin Center"),
  logo: { bg: "#03363d", fg: "#ffffff", text: "Z", shape: "rounded" },
  apiKey: {
    fields: [
      { name: "subdomain", label: "Zendesk subdomain", secret: false, placeholder: "acme (for acme.zendesk.com)", format: "subdomain" },
      { name: "email", label: "Admin email", secret: false, placeholder: "admin@acme.com", format: "email" },
      { name: "api_token", label: "API token", secret: true },
    ],
    labelField: "subdomain",
    help: "In Zendesk Admin Center, open Apps and integrations → Zendesk API.",
    baseUrls: { ZENDESK_BASE: "https://{subdomain}.zendesk.com" },
  },
} as const satisfies Provider;

export const freshdesk = {
  id: "freshdesk",
  name: "Freshdesk",
  category: "support",
  shortDescription: "Create Freshdesk tickets from chats",
  longDescription: "Add your Freshdesk domain and API key so escalated conversations can become Freshdesk tickets.",
  features: [
    "Create a ticket with the transcript as a private note on escalation",
    "Close the conversation when its ticket is resolved (checked every few minutes)",
    "Tell the AI agent the customer's open and pending tickets (GET /v1/contacts/{email}/context)",
  ],
  permissions: ["Act as the agent who owns the API key (create and read tickets, look up contacts by email)"],
  authKind: "api_key",
  capabilities: CONNECT_ONLY,
  worksToday: "Creates a Freshdesk ticket when a conversation is escalated, and closes the conversation when the ticket is resolved.",
  comingSoon: [],
  disconnectEffects: keyDisconnect("Freshdesk (Profile settings → reset API key)"),
  logo: { bg: "#25c16f", fg: "#ffffff", text: "F", shape: "circle" },
  apiKey: {
    fields: [
      { name: "domain", label: "Freshdesk domain", secret: false, placeholder: "acme.freshdesk.com", format: "hostname" },
      { name: "api_key", label: "API key", secret: true },
    ],
    labelField: "domain",
    help: "In Freshdesk, open your profile settings: the API key is on the right.",
    baseUrls: { FRESHDESK_BASE: "https://{domain}" },
  },
} as const satisfies Provider;

export const shopify = {
  id: "shopify",
  name: "Shopify",
  category: "ecommerce",
  shortDescription: "Order context for customer questions",
  longDescription: "Add a Shopify custom app's Admin API token so the AI agent and your tools can look up a customer's orders.",
  features: [
    "Look up a customer's recent orders by email (status, fulfilment, tracking) through GET /v1/contacts/{email}/orders, for the AI agent",
  ],
  permissions: ["Read orders (read_orders): nothing is written to your shop, and orders are not stored here (cached about a minute)"],
  authKind: "api_key",
  capabilities: CONNECT_ONLY,
  worksToday:
    "Answers order lookups by customer email (status, fulfilment, tracking) through the API's GET /v1/contacts/{email}/orders, with a key that has the orders:read scope. Orders are cached about a minute, never stored.",
  comingSoon: ["Show recent orders next to a conversation"],
  disconnectEffects: keyDisconnect("Shopify (uninstall the custom app)"),
  logo: { bg: "#5e8e3e", fg: "#ffffff", text: "Sh", shape: "rounded" },
  apiKey: {
    fields: [
      { name: "shop", label: "Shop domain", secret: false, placeholder: "acme.myshopify.com" },
      { name: "access_token", label: "Admin API access token", secret: true },
    ],
    labelField: "shop",
    help: "In Shopify admin, open Settings → Apps and sales channels → Develop apps, create an app with the read_orders scope and install it.",
    baseUrls: { SHOPIFY_BASE: "https://{shop}" },
  },
} as const satisfies Provider;

export const woocommerce = {
  id: "woocommerce",
  name: "WooCommerce",
  category: "ecommerce",
  shortDescription: "Order lookups for your WordPress store",
  longDescription: "Add WooCommerce REST API keys so the AI agent and your tools can look up a customer's orders.",
  features: [
    "Look up a customer's recent orders by billing email (status, fulfilment, tracking from Shipment Tracking) through GET /v1/contacts/{email}/orders",
  ],
  permissions: [
    "Read orders (use a Read-only key): nothing is written to your store, and orders are not stored here (cached about a minute)",
  ],
  authKind: "api_key",
  capabilities: CONNECT_ONLY,
  worksToday:
    "Answers order lookups by customer email (status, fulfilment, tracking) through the API's GET /v1/contacts/{email}/orders, with a key that has the orders:read scope. Orders are cached about a minute, never stored.",
  comingSoon: ["Show recent orders next to a conversation"],
  disconnectEffects: keyDisconnect("WooCommerce → Settings → Advanced → REST API"),
  logo: { bg: "#7f54b3", fg: "#ffffff", text: "W", shape: "rounded" },
  apiKey: {
    fields: [
      { name: "store_url", label: "Store URL", secret: false, placeholder: "https://shop.acme.com" },
      { name: "consumer_key", label: "Consumer key", secret: true },
      { name: "consumer_secret", label: "Consumer secret", secret: true },
    ],
    labelField: "store_url",
    help: "In WordPress, open WooCommerce → Settings → Advanced → REST API and add a Read key. The store must be reachable over https.",
  },
} as const satisfies Provider;

export const whatsapp = {
  id: "whatsapp-business",
  name: "WhatsApp Business",
  category: "communication",
  shortDescription: "Answer customers on WhatsApp",
  longDescription:
    "Connect your WhatsApp Business Platform (Cloud API) phone number: customers' WhatsApp messages become conversations, and agents' and the AI's replies go back on WhatsApp.",
  features: [
    "Customers' WhatsApp messages become conversations (text; photos, files and voice notes listed as attachments)",
    "Agents' and the AI's replies are sent on WhatsApp, with delivered and read receipts",
    "Outside WhatsApp's 24-hour window, an approved template you choose is sent instead (or the reply is refused with the reason)",
  ],
  permissions: [
    "Send and receive messages for one WhatsApp Business phone number",
    "Verify Meta's webhook signatures with your app secret",
  ],
  authKind: "api_key",
  capabilities: ["connect", "show_account", "configure", "disconnect"],
  worksToday: "Customers' WhatsApp messages become conversations, and agents' and the AI's replies are sent back on WhatsApp.",
  comingSoon: [],
  disconnectEffects: [
    "Delete the stored access token and app secret: WhatsApp messages stop arriving here and replies stop going out",
    "Remove the callback URL in Meta for Developers (WhatsApp → Configuration) if you no longer use it",
  ],
  logo: { bg: "#25d366", fg: "#ffffff", text: "W", shape: "circle" },
  apiKey: {
    fields: [
      { name: "phone_number_id", label: "Phone number ID", secret: false, placeholder: "106540352242922" },
      { name: "business_account_id", label: "WhatsApp Business Account ID", secret: false, placeholder: "102290129340398" },
      { name: "access_token", label: "Permanent access token", secret: true, hint: "A system user token with whatsapp_business_messaging" },
      { name: "app_secret", label: "App secret", secret: true, hint: "Meta for Developers → App settings → Basic" },
    ],
    labelField: "phone_number_id",
    help: "In Meta for Developers, open your app → WhatsApp → API Setup for the two IDs; create a permanent token for a system user in Meta Business Settings.",
    baseUrls: { WHATSAPP_API_BASE: "https://graph.facebook.com" },
  },
} as const satisfies Provider;
