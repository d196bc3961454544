import type { Provider } from "../types";
import { CONNECT_ONLY, WORKS_TODAY_KEY } from "./shared";

const keyDisconnect = (where: string) => ["Delete the stored credentials", `Revoke the key in ${where} if you want it unusable everywhere`];

export const zendesk = {
  id: "zendesk",
  name: "Zendesk",
  category: "support",
  shortDescription: "Hand escalations to your Zendesk agents",
  longDescription: "Add a Zendesk API token so escalated conversations can become Zendesk tickets.",
  features: ["Create a ticket with the transcript as an internal note on escalation", "Close the conversation when its ticket is solved"],
  permissions: [
    "Act as the admin who owns the API token: create and read tickets",
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
      { name: "subdomain", label: "Zendesk subdomain", secret: false, placeholder: "acme (for acme.zendesk.com)" },
      { name: "email", label: "Admin email", secret: false, placeholder: "admin@acme.com" },
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
  ],
  permissions: ["Act as the agent who owns the API key (create and read tickets)"],
  authKind: "api_key",
  capabilities: CONNECT_ONLY,
  worksToday: "Creates a Freshdesk ticket when a conversation is escalated, and closes the conversation when the ticket is resolved.",
  comingSoon: [],
  disconnectEffects: keyDisconnect("Freshdesk (Profile settings → reset API key)"),
  logo: { bg: "#25c16f", fg: "#ffffff", text: "F", shape: "circle" },
  apiKey: {
    fields: [
      { name: "domain", label: "Freshdesk domain", secret: false, placeholder: "acme.freshdesk.com" },
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
  longDescription: "Add your WhatsApp Business Platform phone number and access token so customers can chat with you on WhatsApp.",
  features: ["Receive WhatsApp messages as conversations", "Reply from the inbox"],
  permissions: ["Send and receive messages for one WhatsApp Business phone number"],
  authKind: "api_key",
  capabilities: CONNECT_ONLY,
  worksToday: WORKS_TODAY_KEY,
  comingSoon: ["Receive WhatsApp messages as conversations", "Reply from the inbox"],
  disconnectEffects: keyDisconnect("Meta Business Settings → System users"),
  logo: { bg: "#25d366", fg: "#ffffff", text: "W", shape: "circle" },
  apiKey: {
    fields: [
      { name: "phone_number_id", label: "Phone number ID", secret: false, placeholder: "1234567890" },
      { name: "access_token", label: "System user access token", secret: true },
    ],
    labelField: "phone_number_id",
    help: "In Meta for Developers, open your app → WhatsApp → API Setup.",
  },
} as const satisfies Provider;
