import * as z from "zod";

/**
 * WhatsApp's Configure form. An approved template (its name and language, as in Meta's WhatsApp
 * Manager) is sent instead of a free-form reply when the 24-hour window is closed; without one,
 * such a reply is refused.
 */
export const whatsAppSettingsSchema = z.object({
  template_name: z
    .string()
    .trim()
    .max(512, "At most 512 characters")
    .regex(/^[a-z0-9_]*$/, "Template names use lowercase letters, digits and underscores")
    .default("")
    .meta({
      title: "Approved template for replies after 24 hours",
      description:
        "The name of an approved template without parameters (WhatsApp Manager → Message templates). Empty: such replies are refused.",
    }),
  template_language: z
    .string()
    .trim()
    .regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, "A language code such as en or en_US")
    .default("en_US")
    .meta({ title: "Template language", description: "The language code the template was approved in, such as en_US." }),
});

export type WhatsAppSettings = z.infer<typeof whatsAppSettingsSchema>;

export function parseWhatsAppSettings(config: unknown): WhatsAppSettings {
  const parsed = whatsAppSettingsSchema.safeParse(config ?? {});
  return parsed.success ? parsed.data : whatsAppSettingsSchema.parse({});
}

export function templateOf(settings: WhatsAppSettings): { name: string; language: string } | null {
  return settings.template_name ? { name: settings.template_name, language: settings.template_language } : null;
}
