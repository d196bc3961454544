/**
 * Which URLs Teams alerts may be posted to. Always the webhook URL guard (https, default port, no
 * private or internal address; loopback only in development). Then, in production, only Microsoft's
 * workflow hosts (Power Automate on Logic Apps or Power Platform); where TEAMS_WORKFLOWS_BASE is set
 * (the sandbox under `npm start`), URLs under that base too. The URL must carry its `sig`.
 */
import { checkWebhookUrl, guardPolicy } from "../../webhooks/url-guard";

const MICROSOFT_HOSTS = [/\.logic\.azure\.com$/, /\.api\.powerplatform\.com$/, /\.powerautomate\.com$/];

export type WorkflowUrlCheck = { ok: true; url: string } | { ok: false; message: string };

export function checkWorkflowUrl(raw: string, env: Record<string, unknown>): WorkflowUrlCheck {
  const guard = checkWebhookUrl(raw.trim(), guardPolicy(env as { ENVIRONMENT?: string; WEBHOOK_ALLOW_PRIVATE?: string }));
  if (!guard.ok) return { ok: false, message: guard.reason };
  const url = guard.url;
  const base = typeof env.TEAMS_WORKFLOWS_BASE === "string" ? env.TEAMS_WORKFLOWS_BASE.trim().replace(/\/+$/, "") : "";
  const underBase = base !== "" && `${url.origin}${url.pathname}`.startsWith(`${base}/`);
  const microsoft = url.protocol === "https:" && MICROSOFT_HOSTS.some((h) => h.test(url.hostname.toLowerCase()));
  if (!microsoft && !underBase)
    return { ok: false, message: "Paste the URL Teams gave you for the workflow: it is on logic.azure.com or powerplatform.com." };
  if (!url.searchParams.get("sig")) return { ok: false, message: "This URL has no signature (sig=…): copy the whole URL from Teams." };
  return { ok: true, url: url.toString() };
}
