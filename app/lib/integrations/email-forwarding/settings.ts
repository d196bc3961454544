/**
 * Email forwarding settings: the `config` JSON of the company's `email-forwarding` connection.
 * No ".server" suffix: the configure screen uses the same schema for its form.
 */
import * as z from "zod";
import { isDomainName } from "./address";

export const MAX_ALLOWED_DOMAINS = 50;

const domainName = z
  .string()
  .trim()
  .toLowerCase()
  .transform((d) => d.replace(/^@/, "").replace(/\.$/, ""))
  .refine(isDomainName, { message: "Enter a domain name such as example.com" });

/** "a.com, b.com\nc.com" or an array → an array of trimmed, non-empty entries. */
function domainList(value: unknown): unknown {
  if (Array.isArray(value)) return value;
  if (value === undefined || value === null) return [];
  return String(value)
    .split(/[\s,;]+/)
    .map((d) => d.trim())
    .filter(Boolean);
}

/**
 * What is stored. Connect = enable: an empty config (as the catalog's Connect writes it) means
 * enabled. Domains also accept one comma/space/newline-separated string, and every field has a
 * title, so this schema can serve as the catalog entry's generic `configSchema` as it is.
 */
export const emailForwardingSettingsSchema = z.object({
  enabled: z.boolean().default(true).meta({ title: "Accept forwarded email", description: "When off, emails to the address are refused." }),
  allowedSenderDomains: z
    .preprocess(domainList, z.array(domainName).max(MAX_ALLOWED_DOMAINS, `At most ${MAX_ALLOWED_DOMAINS} domains`))
    .default([])
    .meta({
      title: "Allowed sender domains (optional)",
      description: "Only accept email from these domains (and their subdomains), separated by commas. Empty accepts everyone.",
    }),
  autoAcknowledge: z
    .boolean()
    .default(false)
    .meta({ title: "Auto-acknowledge", description: "Reply once to each new conversation to say the email was received." }),
});
export type EmailForwardingSettings = z.infer<typeof emailForwardingSettingsSchema>;

export const defaultEmailForwardingSettings: EmailForwardingSettings = { enabled: true, allowedSenderDomains: [], autoAcknowledge: false };

/** Reads a stored config; a config that no longer validates falls back field by field to the defaults. */
export function readEmailForwardingSettings(config: unknown): EmailForwardingSettings {
  const parsed = emailForwardingSettingsSchema.safeParse(config ?? {});
  if (parsed.success) return parsed.data;
  const raw = (config && typeof config === "object" ? config : {}) as Record<string, unknown>;
  const domains = z.array(domainName).safeParse(raw.allowedSenderDomains);
  return {
    enabled: typeof raw.enabled === "boolean" ? raw.enabled : defaultEmailForwardingSettings.enabled,
    allowedSenderDomains: domains.success ? domains.data.slice(0, MAX_ALLOWED_DOMAINS) : [],
    autoAcknowledge: typeof raw.autoAcknowledge === "boolean" ? raw.autoAcknowledge : false,
  };
}

const checkbox = z.preprocess((v) => v === true || v === "on" || v === "true", z.boolean());

/**
 * The configure form: checkboxes ("on" when ticked, absent otherwise) and one text field of
 * domains separated by commas, spaces or new lines.
 */
export const emailForwardingFormSchema = z.object({
  enabled: checkbox,
  autoAcknowledge: checkbox,
  allowedSenderDomains: z.preprocess(
    domainList,
    z.array(z.string().max(253, "That domain is too long")).max(MAX_ALLOWED_DOMAINS, `At most ${MAX_ALLOWED_DOMAINS} domains`),
  ),
});

export type SettingsFieldErrors = Partial<Record<keyof EmailForwardingSettings, string[]>>;

/** Validates form input into settings, or field errors naming each bad domain. */
export function parseEmailForwardingForm(
  input: Record<string, unknown>,
): { ok: true; settings: EmailForwardingSettings } | { ok: false; fieldErrors: SettingsFieldErrors } {
  const form = emailForwardingFormSchema.safeParse(input);
  if (!form.success) return { ok: false, fieldErrors: flatten(form.error) };
  const bad = form.data.allowedSenderDomains.filter((d) => !domainName.safeParse(d).success);
  if (bad.length > 0) {
    return {
      ok: false,
      fieldErrors: {
        allowedSenderDomains: bad.slice(0, 5).map((d) => `“${d.slice(0, 80)}” is not a domain name (for example: example.com)`),
      },
    };
  }
  const settings = emailForwardingSettingsSchema.parse({
    ...form.data,
    allowedSenderDomains: [...new Set(form.data.allowedSenderDomains.map((d) => domainName.parse(d)))],
  });
  return { ok: true, settings };
}

function flatten(error: z.ZodError): SettingsFieldErrors {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "form");
    (out[key] ??= []).push(issue.message);
  }
  return out as SettingsFieldErrors;
}
