import { type Contact, contactId } from "../conversations/contact";
import type { PerformedBy } from "../vocabulary";

/** Who caused an event, as it appears in `performed_by` of the event and its webhook body. */
export const performedBy = {
  apiKey: (key: { id: string; name: string }): PerformedBy => ({ type: "api_key", id: key.id, name: key.name }),
  agent: (user: { id: string; name: string }): PerformedBy => ({ type: "agent", id: user.id, name: user.name }),
  ai: (name = "AI assistant"): PerformedBy => ({ type: "ai", id: null, name }),
  contact: (contact: Contact): PerformedBy => ({ type: "contact", id: contactId(contact), name: contact.name ?? null }),
  system: (name = "system"): PerformedBy => ({ type: "system", id: null, name }),
};
