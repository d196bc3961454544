// A stateful fake of the ActiveCampaign v3 API the app calls on the account's API URL, with the
// key in the `Api-Token` header: users/me, lists, contact sync (upsert by email: 201 created, 200
// updated), contactLists (subscribe; status 1 active, 2 unsubscribed), tags (search, create) and
// contactTags (adding a tag the contact has returns the existing association). Validation errors
// are 422 with `errors: [{ title, detail, code, source: { pointer } }]`.
import { createFake, isEmail, isObject, json } from "./kit.mjs";

export const AC_LISTS = [
  { id: "1", name: "Newsletter", stringid: "newsletter" },
  { id: "2", name: "Customers", stringid: "customers" },
];

const unprocessable = (title, pointer, code = "field_invalid") => json({ errors: [{ title, detail: "", code, source: { pointer } }] }, 422);

function seed() {
  return {
    nextContact: 101,
    nextTag: 11,
    nextLink: 501,
    contacts: new Map(),
    tags: [{ id: "10", tag: "vip", tagType: "contact" }],
    contactLists: [],
    contactTags: [],
  };
}

export function createActiveCampaignFake({ onCall, credentials } = {}) {
  return createFake({
    provider: "activecampaign",
    onCall,
    credentials,
    seed,
    snapshot: (state) => ({
      contacts: [...state.contacts.values()].map((c) => ({
        ...c,
        lists: state.contactLists.filter((l) => l.contact === c.id && l.status === "1").map((l) => l.list),
        tags: state.contactTags.filter((t) => t.contact === c.id).map((t) => state.tags.find((x) => x.id === t.tag)?.tag),
      })),
      tags: state.tags,
      contactLists: state.contactLists,
      contactTags: state.contactTags,
    }),
    authenticate: ({ request, credentials }) => credentials.accepts(request.headers.get("api-token") ?? ""),
    unauthorized: () => json({ message: "No Result found for Subscriber with id 0" }, 401),
    rateLimited: () => ({ message: "Too Many Requests: the API allows 5 requests per second per account." }),
    notFound: () => json({ message: "No Result found" }, 404),
    routes: ({ method, path, query, body, state }) => {
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, "-00:00");
      if (method === "GET" && path === "/api/3/users/me")
        return json({ user: { id: "1", username: "admin", firstName: "John", lastName: "Admin", email: "john@acme.com" } });
      if (method === "GET" && path === "/api/3/lists") return json({ lists: AC_LISTS, meta: { total: String(AC_LISTS.length) } });

      if (method === "POST" && path === "/api/3/contact/sync") {
        const c = isObject(body) ? body.contact : null;
        if (!isObject(c)) return unprocessable("The contact is missing.", "/data/attributes/contact", "field_missing");
        if (!isEmail(c.email)) return unprocessable("Contact Email Address is not valid.", "/data/attributes/email", "email_invalid");
        for (const f of ["firstName", "lastName", "phone"])
          if (c[f] !== undefined && typeof c[f] !== "string") return unprocessable(`${f} must be a string.`, `/data/attributes/${f}`);
        const email = c.email.toLowerCase();
        const existing = [...state.contacts.values()].find((x) => x.email.toLowerCase() === email);
        const contact = existing ?? { id: String(state.nextContact++), email: c.email, cdate: now };
        for (const f of ["firstName", "lastName", "phone"]) if (typeof c[f] === "string") contact[f] = c[f];
        contact.udate = now;
        state.contacts.set(contact.id, contact);
        return json({ contact }, existing ? 200 : 201);
      }

      if (method === "POST" && path === "/api/3/contactLists") {
        const l = isObject(body) ? body.contactList : null;
        if (!isObject(l)) return unprocessable("The contactList is missing.", "/data/attributes/contactList", "field_missing");
        const list = String(l.list ?? "");
        const contact = String(l.contact ?? "");
        if (!AC_LISTS.some((x) => x.id === list)) return unprocessable("List not found.", "/data/attributes/list", "related_missing");
        if (!state.contacts.has(contact)) return unprocessable("Contact not found.", "/data/attributes/contact", "related_missing");
        if (![1, 2, "1", "2"].includes(l.status))
          return unprocessable("Status must be 1 (active) or 2 (unsubscribed).", "/data/attributes/status");
        let link = state.contactLists.find((x) => x.list === list && x.contact === contact);
        const created = !link;
        if (!link) state.contactLists.push((link = { id: String(state.nextLink++), list, contact }));
        link.status = String(l.status);
        return json({ contacts: [state.contacts.get(contact)], contactList: link }, created ? 201 : 200);
      }

      if (method === "GET" && path === "/api/3/tags") {
        const q = (query.search ?? "").toLowerCase();
        return json({ tags: state.tags.filter((t) => t.tag.toLowerCase().includes(q)), meta: { total: String(state.tags.length) } });
      }
      if (method === "POST" && path === "/api/3/tags") {
        const t = isObject(body) ? body.tag : null;
        if (!isObject(t) || typeof t.tag !== "string" || !t.tag.trim())
          return unprocessable("Tag name is required.", "/data/attributes/tag", "field_missing");
        if (!["contact", "template"].includes(t.tagType))
          return unprocessable("tagType must be contact or template.", "/data/attributes/tagType");
        if (state.tags.some((x) => x.tag.toLowerCase() === t.tag.toLowerCase() && x.tagType === t.tagType))
          return unprocessable("Duplicate tag.", "/data/attributes/tag", "duplicate");
        const tag = { id: String(state.nextTag++), tag: t.tag, tagType: t.tagType, description: t.description ?? "" };
        state.tags.push(tag);
        return json({ tag }, 201);
      }
      if (method === "POST" && path === "/api/3/contactTags") {
        const ct = isObject(body) ? body.contactTag : null;
        if (!isObject(ct)) return unprocessable("The contactTag is missing.", "/data/attributes/contactTag", "field_missing");
        const contact = String(ct.contact ?? "");
        const tag = String(ct.tag ?? "");
        if (!state.contacts.has(contact)) return unprocessable("Contact not found.", "/data/attributes/contact", "related_missing");
        if (!state.tags.some((x) => x.id === tag)) return unprocessable("Tag not found.", "/data/attributes/tag", "related_missing");
        const existing = state.contactTags.find((x) => x.contact === contact && x.tag === tag);
        if (existing) return json({ contactTag: existing });
        const link = { id: String(state.nextLink++), contact, tag, cdate: now };
        state.contactTags.push(link);
        return json({ contactTag: link }, 201);
      }
      return null;
    },
  });
}
