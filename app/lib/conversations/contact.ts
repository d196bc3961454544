/**
 * A conversation's contact: an email, an E.164 phone number (WhatsApp), or both, and a name.
 * Pure helpers shared by the API schemas, the domain and the channels.
 */
export type Contact = { email?: string | null; phone?: string | null; name?: string | null };

/** E.164: "+", a country code that does not start with 0, at most 15 digits in all. */
export const E164 = /^\+[1-9][0-9]{6,14}$/;
export const E164_MESSAGE = "Enter a phone number in E.164 format, e.g. +14155550100";

export function isE164(value: string): boolean {
  return E164.test(value);
}

/**
 * WhatsApp ids are E.164 digits without the "+" ("16505551234"). Returns the E.164 form, or null
 * when the value is not a phone number.
 */
export function phoneFromWhatsAppId(waId: string): string | null {
  const phone = `+${waId.trim().replace(/^\+/, "")}`;
  return isE164(phone) ? phone : null;
}

/** The other way: what the Cloud API's `to` expects. */
export function whatsAppIdFromPhone(phone: string): string {
  return phone.replace(/^\+/, "");
}

/** Who the contact is in one line: "Name <email>", "Name (+1…)", or the bare address/number. */
export function contactLabel(contact: Contact): string {
  const address = contact.email ?? contact.phone ?? "unknown contact";
  if (!contact.name) return address;
  return contact.email ? `${contact.name} <${contact.email}>` : `${contact.name} (${address})`;
}

/** The stable identifier of a contact (performed_by.id of its events): the email, else the phone. */
export function contactId(contact: Contact): string | null {
  return contact.email ?? contact.phone ?? null;
}
