/**
 * The Cloud API webhook body (`object: "whatsapp_business_account"`, entry[].changes[] with
 * `field: "messages"`) turned into flat items: inbound messages and status updates, each with the
 * business phone number id (`value.metadata.phone_number_id`) that says which connection it is for.
 * Pure and tolerant: an unknown message type becomes a placeholder, a malformed item is skipped.
 */
import * as z from "zod";
import { phoneFromWhatsAppId } from "../../conversations/contact";
import type { AttachmentMeta } from "../../db/schema";

export const statusValues = ["sent", "delivered", "read", "failed"] as const;
export type WhatsAppStatus = (typeof statusValues)[number];

export type InboundMessage = {
  kind: "message";
  phoneNumberId: string;
  /** Meta's message id (wamid.…): the dedupe key. */
  id: string;
  /** E.164 */
  from: string;
  profileName: string | null;
  sentAt: Date | null;
  type: string;
  body: string;
  attachments: AttachmentMeta[];
};

export type StatusUpdate = {
  kind: "status";
  phoneNumberId: string;
  /** The wamid of one of our outbound messages. */
  id: string;
  status: WhatsAppStatus;
  at: Date | null;
  error: string | null;
};

export type WebhookItem = InboundMessage | StatusUpdate;

const MAX_BODY = 20_000;
const str = z.string().min(1).max(1000);
const Media = z.looseObject({
  id: str,
  mime_type: z.string().max(200).optional(),
  sha256: z.string().max(200).optional(),
  caption: z.string().max(MAX_BODY).optional(),
  filename: z.string().max(500).optional(),
});
const Message = z.looseObject({
  from: z.string().regex(/^\+?\d{6,15}$/),
  id: str,
  timestamp: z
    .string()
    .regex(/^\d{1,12}$/)
    .optional(),
  type: z.string().max(50),
  text: z.looseObject({ body: z.string() }).optional(),
  image: Media.optional(),
  video: Media.optional(),
  audio: Media.optional(),
  document: Media.optional(),
  sticker: Media.optional(),
  location: z
    .looseObject({ latitude: z.number(), longitude: z.number(), name: z.string().optional(), address: z.string().optional() })
    .optional(),
  button: z.looseObject({ text: z.string() }).optional(),
  interactive: z
    .looseObject({
      button_reply: z.looseObject({ title: z.string() }).optional(),
      list_reply: z.looseObject({ title: z.string() }).optional(),
    })
    .optional(),
});
const Status = z.looseObject({
  id: str,
  status: z.string().max(50),
  timestamp: z
    .string()
    .regex(/^\d{1,12}$/)
    .optional(),
  errors: z
    .array(
      z.looseObject({
        code: z.number().optional(),
        title: z.string().optional(),
        message: z.string().optional(),
        error_data: z.looseObject({ details: z.string().optional() }).optional(),
      }),
    )
    .optional(),
});
const Contact = z.looseObject({
  wa_id: z.string().optional(),
  profile: z.looseObject({ name: z.string().max(500).optional() }).optional(),
});
const Value = z.looseObject({
  metadata: z.looseObject({ phone_number_id: str }),
  contacts: z.array(z.unknown()).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
});
const Body = z.looseObject({
  object: z.literal("whatsapp_business_account"),
  entry: z
    .array(z.looseObject({ changes: z.array(z.looseObject({ field: z.string().optional(), value: z.unknown() })).max(1000) }))
    .max(1000),
});

const MEDIA_TYPES = ["image", "video", "audio", "document", "sticker"] as const;

const seconds = (ts: string | undefined) => (ts ? new Date(Number(ts) * 1000) : null);
const clip = (s: string) => (s.length > MAX_BODY ? `${s.slice(0, MAX_BODY - 1)}…` : s);

/** The message's text as the inbox shows it; media say what they are. */
function bodyOf(m: z.infer<typeof Message>): { body: string; attachments: AttachmentMeta[] } {
  if (m.type === "text" && m.text) return { body: m.text.body.trim() || "(empty message)", attachments: [] };
  const mediaType = MEDIA_TYPES.find((t) => t === m.type);
  const media = mediaType ? m[mediaType] : undefined;
  if (mediaType && media) {
    const attachment: AttachmentMeta = {
      filename: media.filename ?? null,
      mimeType: media.mime_type ?? "application/octet-stream",
      size: null,
      kind: mediaType,
      mediaId: media.id,
      sha256: media.sha256 ?? null,
    };
    return { body: media.caption?.trim() || `(${mediaType}${media.filename ? `: ${media.filename}` : ""})`, attachments: [attachment] };
  }
  if (m.type === "location" && m.location) {
    const place = [m.location.name, m.location.address].filter(Boolean).join(", ");
    return { body: `(location${place ? `: ${place}` : ""} — ${m.location.latitude}, ${m.location.longitude})`, attachments: [] };
  }
  if (m.type === "button" && m.button) return { body: m.button.text, attachments: [] };
  if (m.type === "interactive" && m.interactive) {
    const title = m.interactive.button_reply?.title ?? m.interactive.list_reply?.title;
    if (title) return { body: title, attachments: [] };
  }
  return {
    body: `(a WhatsApp ${m.type.replace(/[^a-z_]/gi, "").slice(0, 30) || "unknown"} message that cannot be shown here)`,
    attachments: [],
  };
}

function statusError(s: z.infer<typeof Status>): string | null {
  const e = s.errors?.[0];
  if (!e) return null;
  const text = [e.code ? `${e.code}` : null, e.title ?? e.message, e.error_data?.details].filter(Boolean).join(": ");
  return text.slice(0, 500) || null;
}

/** null when the body is not a WhatsApp Business Account webhook at all. */
export function parseWebhook(json: unknown): WebhookItem[] | null {
  const body = Body.safeParse(json);
  if (!body.success) return null;
  const items: WebhookItem[] = [];
  for (const entry of body.data.entry) {
    for (const change of entry.changes) {
      if (change.field !== undefined && change.field !== "messages") continue;
      const value = Value.safeParse(change.value);
      if (!value.success) continue;
      const phoneNumberId = value.data.metadata.phone_number_id;
      const names = new Map<string, string>();
      for (const raw of value.data.contacts ?? []) {
        const c = Contact.safeParse(raw);
        if (c.success && c.data.wa_id && c.data.profile?.name) names.set(c.data.wa_id, c.data.profile.name.trim().slice(0, 200));
      }
      for (const raw of value.data.messages ?? []) {
        const m = Message.safeParse(raw);
        if (!m.success) continue;
        const from = phoneFromWhatsAppId(m.data.from);
        if (!from) continue;
        const { body: text, attachments } = bodyOf(m.data);
        items.push({
          kind: "message",
          phoneNumberId,
          id: m.data.id,
          from,
          profileName: names.get(m.data.from.replace(/^\+/, "")) || null,
          sentAt: seconds(m.data.timestamp),
          type: m.data.type,
          body: clip(text),
          attachments,
        });
      }
      for (const raw of value.data.statuses ?? []) {
        const s = Status.safeParse(raw);
        if (!s.success) continue;
        const status = statusValues.find((v) => v === s.data.status);
        if (!status) continue; // "deleted", "warning": nothing to record on our messages
        items.push({
          kind: "status",
          phoneNumberId,
          id: s.data.id,
          status,
          at: seconds(s.data.timestamp),
          error: status === "failed" ? statusError(s.data) : null,
        });
      }
    }
  }
  return items;
}

/** The distinct business phone number ids a body speaks for (which connections must verify it). */
export function phoneNumberIds(items: WebhookItem[]): string[] {
  return [...new Set(items.map((i) => i.phoneNumberId))];
}
