import * as z from "zod";
import { E164, E164_MESSAGE } from "../conversations/contact";
import { INTEGRATION_PERFORMERS, listProviders } from "../integrations/catalog";
import { apiScopes, authorKinds, channelStatuses, conversationChannels, conversationStatuses, eventTypes } from "../vocabulary";

/** Request and response schemas of /v1: they validate requests AND generate the OpenAPI document. */

const ID = /^[a-z]+_[0-9a-z_]{1,80}$/;
export const Cursor = z.string().max(100).regex(ID, "Not a valid cursor").meta({ description: "The `next_cursor` of the previous page." });
export const Limit = z.coerce
  .number()
  .int("Must be a whole number")
  .min(1)
  .max(100)
  .default(25)
  .meta({ description: "Page size, 1–100 (default 25)." });

const MarketingConsent = z.boolean("Must be true or false").meta({
  description:
    "Whether the contact agreed to marketing email (default false). Only contacts with consent are sent to Mailchimp or ActiveCampaign.",
});

export const ContactInput = z
  .object({
    email: z.email("Enter a valid email address").max(254, "At most 254 characters").optional(),
    phone: z
      .string()
      .max(16, { error: E164_MESSAGE, abort: true })
      .regex(E164, E164_MESSAGE)
      .optional()
      .meta({ description: "E.164, e.g. `+14155550100`." }),
    name: z.string().trim().min(1).max(200, "At most 200 characters").optional(),
    marketing_consent: MarketingConsent.optional(),
  })
  .refine((c) => c.email !== undefined || c.phone !== undefined, {
    message: "Give the contact an email or a phone number",
    path: ["email"],
  })
  .meta({ id: "ContactInput", description: "At least one of `email` and `phone`." });

const METADATA_KEY = /^[a-z][a-z0-9_]{0,39}$/i;

export const ConversationCreateBody = z
  .object({
    contact: ContactInput,
    subject: z.string().trim().max(500, "At most 500 characters").optional(),
    message: z.object({ body: z.string().trim().min(1, "Must not be empty").max(20_000, "At most 20,000 characters") }),
    metadata: z
      .record(
        z.string().max(40).regex(METADATA_KEY, "Keys are 1–40 letters, digits or underscores, starting with a letter"),
        z.string().max(500, "At most 500 characters"),
      )
      .refine((m) => Object.keys(m).length <= 20, "At most 20 keys")
      .optional()
      .meta({
        description:
          "Short key/value pairs about the conversation, e.g. from the chat widget. Integrations read `ga_client_id` and `ga_session_id` (Google Analytics 4) and `segment_anonymous_id` (Segment).",
      }),
  })
  .meta({ id: "ConversationCreate" });

export const ConversationUpdateBody = z
  .object({
    status: z.enum(["open", "closed"], "Must be open or closed (use /escalate to escalate)").optional(),
    contact: z.object({ marketing_consent: MarketingConsent }).optional(),
  })
  .refine((b) => b.status !== undefined || b.contact !== undefined, { message: "Send status, contact.marketing_consent or both" })
  .meta({ id: "ConversationUpdate" });

export const MessageCreateBody = z
  .object({
    body: z.string().trim().min(1, "Must not be empty").max(20_000, "At most 20,000 characters"),
    author: z.enum(authorKinds, "Must be contact, agent or ai"),
    author_name: z.string().trim().min(1).max(200).optional(),
  })
  .meta({ id: "MessageCreate" });

export const EscalateBody = z
  .object({ reason: z.string().trim().max(1000, "At most 1,000 characters").optional() })
  .meta({ id: "Escalate" });

export const ConversationListQuery = z.object({ status: z.enum(conversationStatuses).optional(), limit: Limit, cursor: Cursor.optional() });
export const EventListQuery = z.object({
  type: z.enum(eventTypes).optional(),
  since: z.iso
    .datetime({ offset: true, error: "Must be an ISO 8601 date-time" })
    .max(40)
    .optional()
    .meta({ description: "Only events created at or after this instant." }),
  limit: Limit,
  cursor: Cursor.optional(),
});

/**
 * Bounds of what responses carry (OWASP API4: every string, array and integer bounded). Each is
 * the cap applied where the value is written: ids are newId() output, text is capped at intake.
 */
export const Id = z.string().max(100);
export const Timestamp = z.iso.datetime().max(30);
export const Name = z.string().max(1000);
export const Count = z.int32().min(0);
export const PerformedBy = z
  .object({
    type: z.enum(["contact", "ai", "agent", "api_key", ...INTEGRATION_PERFORMERS, "system"] as [string, ...string[]]),
    id: Id.nullable(),
    name: Name.nullable(),
  })
  .meta({ id: "PerformedBy" });

export const Conversation = z
  .object({
    id: Id,
    channel: z.enum(conversationChannels),
    status: z.enum(conversationStatuses),
    contact: z
      .object({
        email: z.string().max(320).nullable(),
        phone: z.string().max(16).nullable().meta({ description: "E.164." }),
        name: Name.nullable(),
        marketing_consent: z.boolean(),
      })
      .meta({ id: "Contact", description: "At least one of `email` and `phone` is set." }),
    subject: z.string().max(1000).nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
    closed_at: Timestamp.nullable(),
    escalated_at: Timestamp.nullable(),
    metadata: z
      .record(z.string().max(40), z.string().max(500))
      .meta({ description: "What the conversation was started with (at most 20 keys)." }),
  })
  .meta({ id: "Conversation" });

export const Message = z
  .object({
    id: Id,
    conversation_id: Id,
    direction: z.enum(["inbound", "outbound"]),
    author: z.enum(authorKinds),
    author_name: Name.nullable(),
    // email bodies are capped at 100,000 characters plus a truncation note (email/content.server.ts)
    body: z.string().max(100_100),
    source: z.string().max(50),
    attachments: z
      .array(
        z.object({
          filename: z.string().max(1000).nullable(),
          mime_type: z.string().max(255),
          size: z.number().int().min(0).max(1_000_000_000).nullable(),
        }),
      )
      .max(100)
      .meta({ description: "Metadata of the files that came with the message (never their content)." }),
    channel_delivery: z
      .object({ status: z.enum(channelStatuses), at: Timestamp.nullable(), error: z.string().max(1000).nullable() })
      .nullable()
      .meta({
        description:
          "For an outbound message in a WhatsApp conversation: what WhatsApp last reported (`accepted` when the Cloud API took it; `failed` with the reason). Null otherwise.",
      }),
    created_at: Timestamp,
  })
  .meta({ id: "Message" });

export const ConversationWithMessages = Conversation.extend({ messages: z.array(Message).max(10_000) }).meta({
  id: "ConversationWithMessages",
});
export const ConversationCreated = Conversation.extend({ messages: z.array(Message).max(1) }).meta({ id: "ConversationCreated" });

export const Event = z
  .object({
    id: Id,
    type: z.enum(eventTypes),
    created_at: Timestamp,
    company_id: Id,
    data: z.record(z.string().max(100), z.unknown()),
    performed_by: PerformedBy,
  })
  .meta({ id: "Event" });

export const Me = z
  .object({
    company: z.object({ id: Id, name: Name, slug: z.string().max(100) }),
    api_key: z.object({
      id: Id,
      name: Name,
      scopes: z.array(z.enum(apiScopes)).max(apiScopes.length),
      last4: z.string().length(4),
      created_at: Timestamp,
      expires_at: Timestamp.nullable(),
    }),
  })
  .meta({ id: "Me" });

export const page = <T extends z.ZodType>(item: T, id: string) =>
  z.object({ data: z.array(item).max(100), next_cursor: Id.nullable() }).meta({ id });

export const ProblemSchema = z
  .object({
    type: z.string().max(200),
    title: z.string().max(100),
    status: z.int32().min(400).max(599),
    detail: z.string().max(1000).optional(),
    errors: z.record(z.string().max(200), z.array(z.string().max(1000)).max(50)).optional(),
  })
  .meta({ id: "Problem" });

export const OrdersQuery = z.object({
  limit: z.coerce
    .number()
    .int("Must be a whole number")
    .min(1)
    .max(20)
    .default(5)
    .meta({ description: "How many of the newest orders, 1–20 (default 5)." }),
});

const Money = z.object({ amount: z.string().max(40), currency: z.string().max(10) });
// The examples name the catalog's stores, not a provider written here.
const [FIRST_STORE, SECOND_STORE = FIRST_STORE] = listProviders().filter((p) => p.category === "ecommerce");
// the customer-context example names the catalog's own CRM and help desk
const EXAMPLE_CRM = listProviders().find((p) => p.category === "crm");
const EXAMPLE_HELPDESK = listProviders().find((p) => p.category === "support");
const ORDER_EXAMPLE = {
  id: "5001",
  number: "#1042",
  source: FIRST_STORE?.id ?? "store",
  created_at: "2026-01-12T09:30:00.000Z",
  status: "open",
  financial_status: "paid",
  fulfillment_status: "fulfilled",
  total: { amount: "59.90", currency: "EUR" },
  tracking: [{ company: "DHL Express", number: "JD014600003826", url: "https://www.dhl.com/track?id=JD014600003826" }],
};
export const Order = z
  .object({
    id: z.string().max(200).meta({ description: "The store's own order id." }),
    number: z.string().max(100).meta({ description: "The order number as the customer sees it." }),
    source: z.string().max(50).meta({ description: "The store it comes from: `shopify` or `woocommerce`." }),
    created_at: Timestamp,
    status: z
      .string()
      .max(50)
      .meta({ description: "Shopify: open, closed or cancelled. WooCommerce: its order status (processing, completed…)." }),
    financial_status: z.string().max(50).nullable(),
    fulfillment_status: z.string().max(50).nullable(),
    total: Money.nullable(),
    tracking: z
      .array(z.object({ company: Name.nullable(), number: z.string().max(200).nullable(), url: z.string().max(2048).nullable() }))
      .max(25),
  })
  .meta({ id: "Order", examples: [ORDER_EXAMPLE] });

export const OrderList = z
  .object({
    data: z.array(Order).max(20),
    sources: z
      .array(
        z.object({
          provider: z.string().max(50),
          ok: z.boolean(),
          cached: z.boolean().meta({ description: "Answered from the cache (about a minute old at most)." }),
          error: z.string().max(500).nullable(),
        }),
      )
      .max(10)
      .meta({ description: "Each connected store and whether it answered." }),
  })
  .meta({
    id: "OrderList",
    examples: [
      { data: [ORDER_EXAMPLE], sources: [{ provider: FIRST_STORE?.id ?? "store", ok: true, cached: false, error: null }] },
      {
        data: [],
        sources: [
          {
            provider: SECOND_STORE?.id ?? "store",
            ok: false,
            cached: false,
            error: `${SECOND_STORE?.name ?? "The store"} did not answer in time.`,
          },
        ],
      },
    ],
  });

const SourceLabel = {
  source: z.string().max(50).meta({ description: "The integration it comes from, e.g. `hubspot`, `zendesk`, `shopify`." }),
  source_name: Name.meta({ description: "Its name as people know it." }),
  kind: z.enum(["crm", "helpdesk", "store"]),
};
const CrmPart = z
  .object({
    name: Name.nullable(),
    company: Name.nullable(),
    owner: Name.nullable().meta({ description: "Who owns the customer in the CRM." }),
    lifecycle_stage: z.string().max(100).nullable(),
    open_deals: z
      .array(
        z.object({
          name: Name,
          stage: z.string().max(200).nullable(),
          amount: z.string().max(40).nullable(),
          close_date: z.string().max(40).nullable(),
        }),
      )
      .max(10),
    url: z.string().max(2048).nullable().meta({ description: "The record in the CRM." }),
  })
  .meta({ id: "CrmContext" });
const HelpdeskPart = z
  .object({
    open_tickets: z
      .array(
        z.object({
          id: z.string().max(100),
          subject: Name.nullable(),
          status: z.string().max(50),
          updated_at: z.string().max(40).nullable(),
          url: z.string().max(2048).nullable(),
        }),
      )
      .max(10)
      .meta({ description: "Tickets not yet solved or closed, most recently updated first." }),
  })
  .meta({ id: "HelpdeskContext" });

export const CustomerContext = z
  .object({
    email: z.string().max(254),
    parts: z
      .array(
        z
          .object({
            ...SourceLabel,
            fetched_at: Timestamp.meta({ description: "When the source answered (a cached answer keeps its time)." }),
            age_seconds: Count.max(86_400).meta({ description: "How old the answer is, in seconds." }),
            cached: z.boolean(),
            found: z.boolean().meta({ description: "false: the source answered and knows nobody by this email." }),
            crm: CrmPart.optional(),
            helpdesk: HelpdeskPart.optional(),
            store: z.object({ recent_orders: z.array(Order).max(5) }).optional(),
          })
          .meta({
            id: "CustomerContextPart",
            description: "What one source knows: `crm`, `helpdesk` or `store` as its `kind` says (absent when not found).",
          }),
      )
      .max(20),
    missing: z
      .array(z.object({ ...SourceLabel, reason: z.string().max(500) }))
      .max(20)
      .meta({ description: "Connected sources that did not answer in time or failed: say you could not check them, never guess." }),
  })
  .meta({
    id: "CustomerContext",
    examples: [
      {
        email: "maria@example.com",
        parts: [
          {
            source: EXAMPLE_CRM?.id,
            source_name: EXAMPLE_CRM?.name,
            kind: "crm",
            fetched_at: "2026-01-15T09:30:00.000Z",
            age_seconds: 12,
            cached: true,
            found: true,
            crm: {
              name: "Maria Garcia",
              company: "Garcia Imports",
              owner: "Sam Rivers",
              lifecycle_stage: "customer",
              open_deals: [],
              url: null,
            },
          },
          {
            source: EXAMPLE_HELPDESK?.id,
            source_name: EXAMPLE_HELPDESK?.name,
            kind: "helpdesk",
            fetched_at: "2026-01-15T09:30:12.000Z",
            age_seconds: 0,
            cached: false,
            found: true,
            helpdesk: {
              open_tickets: [{ id: "101", subject: "Broken kettle", status: "open", updated_at: "2026-01-14T16:02:00Z", url: null }],
            },
          },
        ],
        missing: [
          {
            source: FIRST_STORE?.id ?? "store",
            source_name: FIRST_STORE?.name ?? "Store",
            kind: "store",
            reason: `${FIRST_STORE?.name ?? "The store"} did not answer within 2500 ms.`,
          },
        ],
      },
    ],
  });
