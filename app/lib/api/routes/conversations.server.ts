import {
  addMessage,
  ConversationConflictError,
  createConversation,
  type DomainCtx,
  escalateConversation,
  getConversation,
  listConversations,
  listMessages,
  MessageRefusedError,
  updateConversation,
} from "../../conversations/conversations.server";
import { conversationRepresentation, messageRepresentation } from "../../conversations/representation";
import { enqueueEvents, type PendingEvent } from "../../events/emit.server";
import { performedBy } from "../../events/performed-by";
import { channelReplyRefusal, channelsWithReplyRules, findAdapter } from "../../integrations/registry";
import { type ApiRequestContext, type ApiRoute, defineRoute, jsonResponse } from "../define";
import { problem } from "../problem";
import {
  Conversation,
  ConversationCreateBody,
  ConversationCreated,
  ConversationListQuery,
  ConversationUpdateBody,
  ConversationWithMessages,
  EscalateBody,
  Message,
  MessageCreateBody,
  page,
} from "../schemas";

const TAG = "Conversations";

function domain(c: ApiRequestContext<unknown, unknown>): DomainCtx {
  // A key an integration made (its kind is the provider id) acts as that integration's adapter says
  // (its catalog `actsAs` word); any other key is performed by "api_key".
  const by = findAdapter(c.key.kind)?.apiKeyActor?.(c.key) ?? performedBy.apiKey(c.key);
  return { db: c.db, companyId: c.key.companyId, performedBy: by, now: c.now };
}

async function emitted(c: ApiRequestContext<unknown, unknown>, events: PendingEvent[]) {
  await enqueueEvents(c.env.EVENTS, events);
}

const notFound = () => problem(404, "No conversation with that id.");

export const conversationRoutes: ApiRoute[] = [
  defineRoute({
    method: "POST",
    path: "/v1/conversations",
    scope: "conversations:write",
    operationId: "createConversation",
    summary: "Start a conversation with its first message from the contact",
    description: "Emits `conversation.created` and `message.received`.",
    tag: TAG,
    body: ConversationCreateBody,
    responses: { 201: { description: "The new conversation with its first message.", schema: ConversationCreated } },
    handler: async (c) => {
      const result = await createConversation(domain(c), {
        channel: "api",
        contact: {
          email: c.body.contact.email,
          phone: c.body.contact.phone,
          name: c.body.contact.name,
          marketingConsent: c.body.contact.marketing_consent ?? false,
        },
        subject: c.body.subject ?? null,
        metadata: c.body.metadata,
        message: { body: c.body.message.body, author: "contact", authorName: c.body.contact.name ?? null, source: "api" },
      });
      await emitted(c, result.events);
      const body = { ...conversationRepresentation(result.conversation), messages: [messageRepresentation(result.message)] };
      return jsonResponse(body, 201, { Location: `/v1/conversations/${result.conversation.id}` });
    },
  }),
  defineRoute({
    method: "GET",
    path: "/v1/conversations",
    scope: "conversations:read",
    operationId: "listConversations",
    summary: "List conversations, newest first",
    tag: TAG,
    query: ConversationListQuery,
    responses: { 200: { description: "A page of conversations.", schema: page(Conversation, "ConversationPage") } },
    handler: async (c) => {
      const { rows, nextCursor } = await listConversations({
        db: c.db,
        companyId: c.key.companyId,
        status: c.query.status,
        cursor: c.query.cursor,
        limit: c.query.limit,
      });
      return jsonResponse({ data: rows.map(conversationRepresentation), next_cursor: nextCursor });
    },
  }),
  defineRoute({
    method: "GET",
    path: "/v1/conversations/:id",
    scope: "conversations:read",
    operationId: "getConversation",
    summary: "Get a conversation with its messages (oldest first, up to 100)",
    tag: TAG,
    responses: { 200: { description: "The conversation.", schema: ConversationWithMessages } },
    handler: async (c) => {
      const conversation = await getConversation({ db: c.db, companyId: c.key.companyId, id: c.params.id! });
      if (!conversation) return notFound();
      const messages = await listMessages({ db: c.db, companyId: c.key.companyId, conversationId: conversation.id });
      return jsonResponse({ ...conversationRepresentation(conversation), messages: messages.map(messageRepresentation) });
    },
  }),
  defineRoute({
    method: "PATCH",
    path: "/v1/conversations/:id",
    scope: "conversations:write",
    operationId: "updateConversation",
    summary: "Open or close a conversation, or record the contact's marketing consent",
    description:
      "Emits `conversation.updated`, and `conversation.closed` when it closes. Setting the current values again changes nothing and emits nothing. Giving `contact.marketing_consent: true` lets a connected Mailchimp or ActiveCampaign add the contact.",
    tag: TAG,
    body: ConversationUpdateBody,
    responses: { 200: { description: "The updated conversation.", schema: Conversation } },
    handler: async (c) => {
      const result = await updateConversation(domain(c), {
        id: c.params.id!,
        status: c.body.status,
        marketingConsent: c.body.contact?.marketing_consent,
      });
      if (!result) return notFound();
      await emitted(c, result.events);
      return jsonResponse(conversationRepresentation(result.conversation));
    },
  }),
  defineRoute({
    method: "POST",
    path: "/v1/conversations/:id/messages",
    scope: "conversations:write",
    operationId: "createMessage",
    summary: "Add a message to a conversation",
    description:
      "Emits `message.received` for a contact's message, `message.sent` for an agent's or the AI's. In a WhatsApp conversation an agent's or the AI's message is delivered to the customer on WhatsApp; outside WhatsApp's 24-hour customer-service window it is refused with a 422 (nothing stored) unless an approved template is configured, which is then sent instead.",
    tag: TAG,
    body: MessageCreateBody,
    responses: {
      201: { description: "The new message.", schema: Message },
      422: {
        description:
          "A WhatsApp conversation whose 24-hour customer-service window is closed, and no approved template is configured: `detail` says why.",
      },
    },
    handler: async (c) => {
      // a channel's reply rule (WhatsApp's window) is asked only in the channels it covers
      const guard =
        c.body.author === "contact"
          ? undefined
          : Object.assign(
              (conversation: Parameters<typeof channelReplyRefusal>[0]["conversation"]) =>
                channelReplyRefusal({ db: c.db, companyId: c.key.companyId, conversation, now: c.now }),
              { channels: channelsWithReplyRules() ?? undefined },
            );
      let result: Awaited<ReturnType<typeof addMessage>>;
      try {
        result = await addMessage(
          domain(c),
          { conversationId: c.params.id!, body: c.body.body, author: c.body.author, authorName: c.body.author_name ?? null, source: "api" },
          { guard },
        );
      } catch (error) {
        if (error instanceof MessageRefusedError) return problem(422, error.message, { errors: { body: [error.message] } });
        throw error;
      }
      if (!result) return notFound();
      await emitted(c, result.events);
      return jsonResponse(messageRepresentation(result.message), 201);
    },
  }),
  defineRoute({
    method: "POST",
    path: "/v1/conversations/:id/escalate",
    scope: "conversations:write",
    operationId: "escalateConversation",
    summary: "Escalate a conversation to a human agent",
    description:
      "Sets the status to `escalated` and emits `escalation.triggered`. Escalating an escalated conversation changes nothing; a closed one answers 409.",
    tag: TAG,
    body: EscalateBody.optional(),
    responses: {
      200: { description: "The escalated conversation.", schema: Conversation },
      409: { description: "The conversation is closed." },
    },
    handler: async (c) => {
      try {
        const result = await escalateConversation(domain(c), { id: c.params.id!, reason: c.body?.reason ?? null });
        if (!result) return notFound();
        await emitted(c, result.events);
        return jsonResponse(conversationRepresentation(result.conversation));
      } catch (error) {
        if (error instanceof ConversationConflictError) return problem(409, error.message);
        throw error;
      }
    },
  }),
];
