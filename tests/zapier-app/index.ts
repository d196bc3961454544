import zapier, { type BeforeRequestMiddleware, type Bundle, type ZObject } from "zapier-platform-core";

/**
 * A small Zapier app for the Integrations Hub, written the way a Zapier developer would: custom
 * auth with an API key (tested against /v1/me), one REST-hook trigger per event, and four actions
 * (create conversation, add message, escalate, close) through /v1. It is a
 * contract test of our public API (architecture.md §6), run through zapier-platform-core's test tools.
 * The API origin comes from INTEGRATIONS_HUB_URL (the hosted API by default).
 */
const base = () => (process.env.INTEGRATIONS_HUB_URL ?? "https://api.chat.buzzi.ai").replace(/\/+$/, "");

export const EVENTS = [
  { key: "conversation_created", event: "conversation.created", noun: "Conversation", label: "New Conversation" },
  { key: "conversation_updated", event: "conversation.updated", noun: "Conversation", label: "Updated Conversation" },
  { key: "conversation_closed", event: "conversation.closed", noun: "Conversation", label: "Closed Conversation" },
  { key: "message_received", event: "message.received", noun: "Message", label: "New Message From a Contact" },
  { key: "message_sent", event: "message.sent", noun: "Message", label: "New Reply Sent" },
  { key: "escalation_triggered", event: "escalation.triggered", noun: "Escalation", label: "New Escalation" },
] as const;

const addApiKey: BeforeRequestMiddleware = (request, _z, bundle) => {
  request.headers = { ...request.headers, Authorization: `Bearer ${bundle.authData.api_key}` };
  return request;
};

function hookTrigger(spec: (typeof EVENTS)[number]) {
  return {
    key: spec.key,
    noun: spec.noun,
    display: { label: spec.label, description: `Triggers on ${spec.event}.` },
    operation: {
      type: "hook" as const,
      performSubscribe: async (z: ZObject, bundle: Bundle) => {
        const response = await z.request({
          url: `${base()}/v1/hooks`,
          method: "POST",
          body: { target_url: bundle.targetUrl, event: spec.event },
        });
        return response.data as { id: string };
      },
      performUnsubscribe: async (z: ZObject, bundle: Bundle) => {
        const response = await z.request({ url: `${base()}/v1/hooks/${bundle.subscribeData?.id}`, method: "DELETE" });
        return response.status === 204 ? {} : response.data;
      },
      perform: async (_z: ZObject, bundle: Bundle) => [bundle.cleanedRequest],
      performList: async (z: ZObject) => {
        const response = await z.request({ url: `${base()}/v1/hooks/samples/${spec.event}` });
        return response.data as { id: string }[];
      },
      sample: {
        id: "evt_sample",
        type: spec.event,
        created_at: "2026-01-15T09:30:00.000Z",
        company_id: "co_acme",
        data: {},
        performed_by: { type: "system", id: null, name: null },
      },
    },
  };
}

/** The four actions ("creates"): each one /v1 call with the Zapier key (scope conversations:write). */
const CONVERSATION_ID = { key: "conversation_id", label: "Conversation ID", required: true, helpText: "Like conv_…, from a trigger." };
const CONVERSATION_SAMPLE = {
  id: "conv_sample",
  channel: "api",
  status: "open",
  contact: { email: "pat@example.com", name: "Pat Doe", marketing_consent: false },
  subject: "Where is my order?",
  created_at: "2026-01-15T09:30:00.000Z",
  updated_at: "2026-01-15T09:30:00.000Z",
  closed_at: null,
  escalated_at: null,
};
const asBoolean = (v: unknown) => v === true || v === "true" || v === "yes";
const str = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : undefined);

const CREATES = {
  create_conversation: {
    key: "create_conversation",
    noun: "Conversation",
    display: { label: "Create Conversation", description: "Starts a conversation with the contact's first message." },
    operation: {
      inputFields: [
        { key: "email", label: "Contact email", required: true },
        { key: "name", label: "Contact name" },
        { key: "subject", label: "Subject" },
        { key: "message", label: "First message", required: true, type: "text" as const },
        { key: "marketing_consent", label: "The contact agreed to marketing email", type: "boolean" as const },
      ],
      perform: async (z: ZObject, bundle: Bundle) => {
        const input = bundle.inputData as Record<string, unknown>;
        const response = await z.request({
          url: `${base()}/v1/conversations`,
          method: "POST",
          body: {
            contact: { email: str(input.email), name: str(input.name), marketing_consent: asBoolean(input.marketing_consent) },
            subject: str(input.subject),
            message: { body: str(input.message) },
          },
        });
        return response.data as { id: string };
      },
      sample: { ...CONVERSATION_SAMPLE, messages: [] },
    },
  },
  add_message: {
    key: "add_message",
    noun: "Message",
    display: { label: "Add Message", description: "Adds a message to a conversation (from the contact, an agent or the AI)." },
    operation: {
      inputFields: [
        CONVERSATION_ID,
        { key: "body", label: "Message", required: true, type: "text" as const },
        { key: "author", label: "Author", required: true, choices: { agent: "Agent", contact: "Contact", ai: "AI" }, default: "agent" },
        { key: "author_name", label: "Author name" },
      ],
      perform: async (z: ZObject, bundle: Bundle) => {
        const input = bundle.inputData as Record<string, unknown>;
        const response = await z.request({
          url: `${base()}/v1/conversations/${encodeURIComponent(String(input.conversation_id))}/messages`,
          method: "POST",
          body: { body: str(input.body), author: str(input.author) ?? "agent", author_name: str(input.author_name) },
        });
        return response.data as { id: string };
      },
      sample: {
        id: "msg_sample",
        conversation_id: "conv_sample",
        direction: "outbound",
        author: "agent",
        author_name: "Sarah Lee",
        body: "It ships today.",
        source: "api",
        created_at: "2026-01-15T09:31:00.000Z",
      },
    },
  },
  escalate_conversation: {
    key: "escalate_conversation",
    noun: "Conversation",
    display: { label: "Escalate Conversation", description: "Hands a conversation to a human agent." },
    operation: {
      inputFields: [CONVERSATION_ID, { key: "reason", label: "Reason" }],
      perform: async (z: ZObject, bundle: Bundle) => {
        const input = bundle.inputData as Record<string, unknown>;
        const response = await z.request({
          url: `${base()}/v1/conversations/${encodeURIComponent(String(input.conversation_id))}/escalate`,
          method: "POST",
          body: str(input.reason) ? { reason: str(input.reason) } : {},
        });
        return response.data as { id: string };
      },
      sample: { ...CONVERSATION_SAMPLE, status: "escalated", escalated_at: "2026-01-15T09:32:00.000Z" },
    },
  },
  close_conversation: {
    key: "close_conversation",
    noun: "Conversation",
    display: { label: "Close Conversation", description: "Closes a conversation." },
    operation: {
      inputFields: [CONVERSATION_ID],
      perform: async (z: ZObject, bundle: Bundle) => {
        const input = bundle.inputData as Record<string, unknown>;
        const response = await z.request({
          url: `${base()}/v1/conversations/${encodeURIComponent(String(input.conversation_id))}`,
          method: "PATCH",
          body: { status: "closed" },
        });
        return response.data as { id: string };
      },
      sample: { ...CONVERSATION_SAMPLE, status: "closed", closed_at: "2026-01-15T09:40:00.000Z" },
    },
  },
};

const App = zapier.defineApp({
  version: "1.0.0",
  platformVersion: zapier.version,
  authentication: {
    type: "custom",
    fields: [
      { key: "api_key", label: "API Key", required: true, type: "password", helpText: "Create it on Integrations → Zapier → Connect." },
    ],
    test: async (z: ZObject) => (await z.request({ url: `${base()}/v1/me` })).data,
    connectionLabel: async (_z: ZObject, bundle: Bundle) =>
      String((bundle.inputData as { company?: { name?: string } }).company?.name ?? "Integrations Hub"),
  },
  beforeRequest: [addApiKey],
  triggers: Object.fromEntries(EVENTS.map((e) => [e.key, hookTrigger(e)])),
  creates: CREATES,
});

export default App;
