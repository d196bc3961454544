import zapier, { type BeforeRequestMiddleware, type Bundle, type ZObject } from "zapier-platform-core";

/**
 * A small Zapier app for the Integrations Hub, written the way a Zapier developer would: custom
 * auth with an API key (tested against /v1/me), and one REST-hook trigger per event. It is a
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
});

export default App;
