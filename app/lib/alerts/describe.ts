/**
 * What an open health alert says, in the banner and in the notifications (ADR 0110): a title, why,
 * and the page that fixes it. Pure and browser-safe: the banner and the email share it.
 * Nothing here may carry a secret: an endpoint is named by its description or its host (a URL's
 * path and query can hold a token), and the detail is scrubbed of anything credential-shaped.
 */
import { findProvider } from "../integrations/catalog";
import type { AlertKind } from "../vocabulary";

export type AlertFacts = {
  kind: AlertKind;
  subject: string;
  detail: string | null;
  openedAt: Date;
  /** An endpoint's description and URL (only for endpoint alerts; the URL is reduced to its host). */
  endpoint?: { description: string | null; url: string | null } | null;
};

export type AlertView = { key: string; title: string; detail: string | null; fixUrl: string; fixLabel: string; openedAt: string };

/** Credential-shaped text never leaves in an alert, whatever a provider put in an error message. */
export function scrubSecrets(text: string): string {
  return text
    .replace(/\b(whsec|sk_live|sk_test|xox[abpr]|shpat|sandbox)_?[-A-Za-z0-9_+/=]{6,}/g, "[redacted]")
    .replace(/\b(Bearer|Basic)\s+[-A-Za-z0-9._~+/=]+/gi, "$1 [redacted]")
    .replace(/([?&](?:token|key|secret|sig|signature|access_token|api_key|code)=)[^&\s]+/gi, "$1[redacted]");
}

function hostOf(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).host || null;
  } catch {
    return null;
  }
}

function endpointName(facts: AlertFacts): string {
  const description = facts.endpoint?.description?.trim();
  const host = hostOf(facts.endpoint?.url);
  if (description && host) return `“${description.slice(0, 80)}” (${host})`;
  if (description) return `“${description.slice(0, 80)}”`;
  return host ?? "a webhook endpoint";
}

export function describeAlert(facts: AlertFacts): AlertView {
  const provider = findProvider(facts.subject)?.name ?? facts.subject;
  const detail = facts.detail ? scrubSecrets(facts.detail).slice(0, 300) : null;
  const base = { key: `${facts.kind}:${facts.subject}`, detail, openedAt: facts.openedAt.toISOString() };
  switch (facts.kind) {
    case "connection":
      return {
        ...base,
        title: `${provider} needs reconnecting`,
        fixUrl: `/integrations/${encodeURIComponent(facts.subject)}/connect`,
        fixLabel: `Reconnect ${provider}`,
      };
    case "endpoint_failing":
      return {
        ...base,
        title: `Webhook endpoint ${endpointName(facts)} has failed for over an hour`,
        fixUrl: `/integrations/developers/webhooks/${encodeURIComponent(facts.subject)}`,
        fixLabel: "See its deliveries",
      };
    case "endpoint_disabled":
      return {
        ...base,
        title: `Webhook endpoint ${endpointName(facts)} was turned off`,
        fixUrl: `/integrations/developers/webhooks/${encodeURIComponent(facts.subject)}`,
        fixLabel: "Fix and re-enable it",
      };
    case "channel_refusing":
      return {
        ...base,
        title: `${provider} is refusing mail`,
        fixUrl: `/integrations/${encodeURIComponent(facts.subject)}/configure`,
        fixLabel: `Check ${provider} settings`,
      };
  }
}

/** The notification's text (email body, Slack message): the title, why, since when, and the fix link. */
export function alertText(view: AlertView, input: { companyName: string; appBaseUrl: string }): { subject: string; text: string } {
  const link = `${input.appBaseUrl}${view.fixUrl}`;
  const lines = [
    `${view.title}.`,
    "",
    ...(view.detail ? [`Why: ${view.detail}`, ""] : []),
    `Since: ${view.openedAt.replace("T", " ").slice(0, 16)} UTC`,
    `${view.fixLabel}: ${link}`,
    "",
    `You get this as an admin of ${input.companyName}, at most once a day while the problem lasts.`,
  ];
  return { subject: `[${input.companyName}] ${view.title}`, text: lines.join("\n") };
}
