import { z } from "zod";
import { apiScopes, conversationChannels, conversationStatuses, eventTypes, authorKinds } from "../vocabulary";

/** Request and response schemas of /v1: they validate requests AND generate the OpenAPI document. */

const ID = /^[a-z]+_[0-9a-z_]{1,80}$/;
export const Cursor = z.string().max(100).regex(ID, "Not a valid cursor").meta({ description: "The `next_cursor` of the previous page." });
export const Limit = z.coerce.number().int("Must be a whole number").min(1).max(100).default(25).meta({ description: "Page size, 1–100 (default 25)." });

export const ConversationCreateBody = z
  .object({
    contact: z.object({
      email: z.email("Enter a valid email address").max(254, "At most 254 characters"),
      name: z.string().trim().min(1).max(200, "At most 200 characters").optional(),
    }),
    subject: z.string().trim().max(500, "At most 500 characters").optional(),
    message: z.object({ body: z.string().trim().min(1, "Must not be empty").max(20_000, "At most 20,000 characters") }),
  })
  .meta({ id: "ConversationCreate" });

export const ConversationUpdateBody = z
  .object({ status: z.enum(["open", "closed"], "Must be open or closed (use /escalate to escalate)") })
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
  since: z.iso.datetime({ offset: true, error: "Must be an ISO 8601 date-time" }).optional().meta({ description: "Only events created at or after this instant." }),
  limit: Limit,
  cursor: Cursor.optional(),
});

const Timestamp = z.iso.datetime();
const PerformedBy = z
  .object({ type: z.enum(["contact", "ai", "agent", "api_key", "zapier", "system"]), id: z.string().nullable(), name: z.string().nullable() })
  .meta({ id: "PerformedBy" });

export const Conversation = z
  .object({
    id: z.string(),
    channel: z.enum(conversationChannels),
    status: z.enum(conversationStatuses),
    contact: z.object({ email: z.string(), name: z.string().nullable() }),
    subject: z.string().nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
    closed_at: Timestamp.nullable(),
    escalated_at: Timestamp.nullable(),
  })
  .meta({ id: "Conversation" });

export const Message = z
  .object({
    id: z.string(),
    conversation_id: z.string(),
    direction: z.enum(["inbound", "outbound"]),
    author: z.enum(authorKinds),
    author_name: z.string().nullable(),
    body: z.string(),
    source: z.string(),
    created_at: Timestamp,
  })
  .meta({ id: "Message" });

export const ConversationWithMessages = Conversation.extend({ messages: z.array(Message) }).meta({ id: "ConversationWithMessages" });
export const ConversationCreated = Conversation.extend({ messages: z.array(Message) }).meta({ id: "ConversationCreated" });

export const Event = z
  .object({
    id: z.string(),
    type: z.enum(eventTypes),
    created_at: Timestamp,
    company_id: z.string(),
    data: z.record(z.string(), z.unknown()),
    performed_by: PerformedBy,
  })
  .meta({ id: "Event" });

export const Me = z
  .object({
    company: z.object({ id: z.string(), name: z.string(), slug: z.string() }),
    api_key: z.object({ id: z.string(), name: z.string(), scopes: z.array(z.enum(apiScopes)), last4: z.string(), created_at: Timestamp, expires_at: Timestamp.nullable() }),
  })
  .meta({ id: "Me" });

export const page = <T extends z.ZodType>(item: T, id: string) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable() }).meta({ id });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.record(z.string(), z.array(z.string())).optional(),
  })
  .meta({ id: "Problem" });
