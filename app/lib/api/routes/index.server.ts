import type { ApiRoute } from "../define";
import { contactRoutes } from "./contacts.server";
import { conversationRoutes } from "./conversations.server";
import { eventRoutes } from "./events.server";
import { hookRoutes } from "./hooks.server";
import { meRoutes } from "./me.server";
import { webhookToolRoutes } from "./webhook-tools.server";
import { webhookRoutes } from "./webhooks.server";

/**
 * The /v1 route table, composed from one module per area. Webhooks (`/v1/webhooks…`,
 * `/v1/deliveries…`) and Zapier hooks (`/v1/hooks…`) slot in as further modules here.
 */
export const apiRoutes: ApiRoute[] = [
  ...meRoutes,
  ...conversationRoutes,
  ...eventRoutes,
  ...webhookRoutes,
  ...webhookToolRoutes,
  ...hookRoutes,
  ...contactRoutes,
];
