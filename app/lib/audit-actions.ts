/** The audit log's action words (issue 18 item 6): shared by the Audit log page, its filter and the CSV. */
export const AUDIT_ACTIONS: Record<string, string> = {
  "integration.connected": "Connected an integration",
  "integration.reconnected": "Reconnected an integration",
  "integration.configured": "Configured an integration",
  "integration.disconnected": "Disconnected an integration",
  "integration_delivery.retried": "Retried an integration action",
  "email_forwarding.enabled": "Turned on email forwarding",
  "email_forwarding.settings_updated": "Changed email forwarding settings",
  "email_forwarding.disabled": "Turned off email forwarding",
  "api_key.created": "Created an API key",
  "api_key.regenerated": "Regenerated an API key",
  "api_key.revoked": "Revoked an API key",
  "webhook_endpoint.created": "Created a webhook endpoint",
  "webhook_endpoint.updated": "Edited a webhook endpoint",
  "webhook_endpoint.secret_rotated": "Rotated a webhook signing secret",
  "webhook_endpoint.tested": "Sent a test event",
  "webhook_endpoint.verified": "Verified a webhook receiver",
  "webhook_endpoint.replayed_elsewhere": "Replayed deliveries to another URL",
  "webhook_endpoint.disabled": "Disabled a webhook endpoint",
  "webhook_endpoint.reenabled": "Re-enabled a webhook endpoint",
  "webhook_endpoint.deleted": "Deleted a webhook endpoint",
  "webhook_delivery.resent": "Resent a delivery",
  "webhook_delivery.replayed": "Replayed failed deliveries",
  "zapier_hook.unsubscribed": "Zapier unsubscribed a hook",
  "zapier_hook.removed": "Removed a Zapier hook",
};

/** The action filter's groups: a value without a dot is a whole area ("api_key" → every api_key.* row). */
export const AUDIT_AREAS: Record<string, string> = {
  integration: "Integrations",
  integration_delivery: "Integration actions",
  email_forwarding: "Email forwarding",
  api_key: "API keys",
  webhook_endpoint: "Webhook endpoints",
  webhook_delivery: "Webhook deliveries",
  zapier_hook: "Zapier hooks",
};

export function describeAction(action: string): string {
  return AUDIT_ACTIONS[action] ?? action;
}
