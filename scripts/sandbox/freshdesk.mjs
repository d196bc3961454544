// A stateful fake of the Freshdesk v2 API the app calls on `{domain}`: agents/me, tickets (create,
// show, update, list updated_since) and private notes. Credentials are HTTP Basic with the API key
// as the user name; errors are Freshdesk's { description, errors: [{ field, message, code }] }.
// Freshdesk's webhooks carry no signature, so the app polls for solved tickets instead.
import { createFake, isEmail, isObject, json } from "./kit.mjs";

export const FRESHDESK_AGENT = {
  id: 43000001,
  contact: { name: "Fran Agent (Sandbox)", email: "fran@acme.com" },
  available: true,
  occasional: false,
};
export const STATUS = { open: 2, pending: 3, resolved: 4, closed: 5 };
const SOURCES = [1, 2, 3, 5, 6, 7, 9, 10];
const TICKET_FIELDS = new Set([
  "name",
  "email",
  "requester_id",
  "phone",
  "subject",
  "description",
  "status",
  "priority",
  "source",
  "tags",
  "type",
  "cc_emails",
  "custom_fields",
  "unique_external_id",
  "group_id",
  "responder_id",
]);

const validation = (errors) => json({ description: "Validation failed", errors }, 400);

function seed() {
  return { nextTicket: 501, nextNote: 7001, nextContact: 44000001, tickets: new Map(), contacts: new Map() };
}

export function createFreshdeskFake({ onCall, credentials } = {}) {
  return createFake({
    provider: "freshdesk",
    onCall,
    credentials,
    seed,
    snapshot: (state) => ({ tickets: [...state.tickets.values()] }),
    authenticate: ({ auth, credentials }) => auth.scheme === "basic" && credentials.accepts(auth.user),
    unauthorized: () => json({ code: "invalid_credentials", message: "You have to be logged in to perform this action." }, 401),
    rateLimited: () => ({ code: "rate_limit_exceeded", message: "You have exceeded the limit of requests per hour" }),
    notFound: () => new Response(null, { status: 404 }),
    routes: ({ method, path, query, body, state }) => {
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
      if (method === "GET" && path === "/api/v2/agents/me") return json(FRESHDESK_AGENT);

      if (method === "POST" && path === "/api/v2/tickets") {
        if (!isObject(body)) return validation([{ field: "", message: "Request body must be a JSON object", code: "invalid_json" }]);
        const errors = [];
        for (const k of Object.keys(body))
          if (!TICKET_FIELDS.has(k)) errors.push({ field: k, message: "Unexpected/invalid field in request", code: "invalid_field" });
        if (!body.requester_id && !body.email && !body.phone && !body.unique_external_id)
          errors.push({
            field: "requester_id",
            message: "Please fill at least 1 of requester_id, phone, email, twitter_id, facebook_id, unique_external_id fields",
            code: "missing_field",
          });
        if (body.email !== undefined && !isEmail(body.email))
          errors.push({ field: "email", message: "It should be in the 'valid email address' format", code: "invalid_value" });
        if (typeof body.subject !== "string" || !body.subject.trim())
          errors.push({ field: "subject", message: "It should be a/an String", code: "missing_field" });
        if (typeof body.description !== "string" || !body.description.trim())
          errors.push({ field: "description", message: "It should be a/an String", code: "missing_field" });
        if (!Object.values(STATUS).includes(body.status))
          errors.push({ field: "status", message: "It should be one of these values: '2,3,4,5'", code: "invalid_value" });
        if (![1, 2, 3, 4].includes(body.priority))
          errors.push({ field: "priority", message: "It should be one of these values: '1,2,3,4'", code: "invalid_value" });
        if (body.source !== undefined && !SOURCES.includes(body.source))
          errors.push({ field: "source", message: `It should be one of these values: '${SOURCES.join(",")}'`, code: "invalid_value" });
        if (body.tags !== undefined && !(Array.isArray(body.tags) && body.tags.every((t) => typeof t === "string" && t.length <= 32)))
          errors.push({ field: "tags", message: "It should be an Array of Strings of at most 32 characters", code: "datatype_mismatch" });
        if (body.name !== undefined && typeof body.name !== "string")
          errors.push({ field: "name", message: "It should be a/an String", code: "datatype_mismatch" });
        if (errors.length) return validation(errors);
        let requesterId = body.requester_id;
        if (!requesterId && body.email) {
          const email = body.email.toLowerCase();
          if (!state.contacts.has(email)) state.contacts.set(email, { id: state.nextContact++, name: body.name ?? email, email });
          requesterId = state.contacts.get(email).id;
        }
        const id = state.nextTicket++;
        const ticket = {
          id,
          subject: body.subject,
          description: body.description,
          description_text: body.description.replace(/<[^>]+>/g, ""),
          status: body.status,
          priority: body.priority,
          source: body.source ?? 2,
          requester_id: requesterId,
          tags: body.tags ?? [],
          notes: [],
          created_at: now,
          updated_at: now,
        };
        state.tickets.set(id, ticket);
        const { notes: _n, ...out } = ticket;
        return json(out, 201);
      }

      // Contacts filtered by email (an exact match, as Freshdesk's `email` filter is).
      if (method === "GET" && path === "/api/v2/contacts") {
        if (query.email !== undefined && !isEmail(query.email))
          return validation([{ field: "email", message: "It should be in the 'valid email address' format", code: "invalid_value" }]);
        const list = [...state.contacts.values()].filter((c) => query.email === undefined || c.email === query.email.toLowerCase());
        return json(list.map((c) => ({ id: c.id, name: c.name, email: c.email, active: false })));
      }

      // Tickets of one requester (`email`), newest first by default.
      if (method === "GET" && path === "/api/v2/tickets" && query.email !== undefined) {
        const contact = state.contacts.get(String(query.email).toLowerCase());
        if (!contact) return json([]);
        const desc = (query.order_type ?? "desc") === "desc";
        const by = query.order_by ?? "created_at";
        const list = [...state.tickets.values()]
          .filter((t) => t.requester_id === contact.id)
          .sort((a, b) => (desc ? -1 : 1) * (Date.parse(a[by]) - Date.parse(b[by]) || a.id - b.id))
          .slice(0, Math.min(Number(query.per_page) || 30, 100));
        return json(list.map(({ notes: _n, ...t }) => t));
      }

      if (method === "GET" && path === "/api/v2/tickets") {
        const since = query.updated_since ? Date.parse(query.updated_since) : null;
        if (query.updated_since && Number.isNaN(since))
          return validation([
            { field: "updated_since", message: "It should be in the 'combined date and time ISO8601' format", code: "invalid_value" },
          ]);
        const perPage = Math.min(Number(query.per_page) || 30, 100);
        const page = Math.max(Number(query.page) || 1, 1);
        const list = [...state.tickets.values()]
          .filter((t) => since === null || Date.parse(t.updated_at) >= since)
          .sort((a, b) => Date.parse(a.updated_at) - Date.parse(b.updated_at) || a.id - b.id);
        const slice = list.slice((page - 1) * perPage, page * perPage).map(({ notes: _n, ...t }) => t);
        const more = page * perPage < list.length;
        return json(slice, 200, more ? { Link: `<${path}?page=${page + 1}&per_page=${perPage}>; rel="next"` } : {});
      }

      const notePath = path.match(/^\/api\/v2\/tickets\/(\d+)\/notes$/);
      if (method === "POST" && notePath) {
        const ticket = state.tickets.get(Number(notePath[1]));
        if (!ticket) return new Response(null, { status: 404 });
        if (!isObject(body) || typeof body.body !== "string" || !body.body.trim())
          return validation([{ field: "body", message: "It should be a/an String", code: "missing_field" }]);
        if (body.private !== undefined && typeof body.private !== "boolean")
          return validation([{ field: "private", message: "It should be a/an Boolean", code: "datatype_mismatch" }]);
        const note = {
          id: state.nextNote++,
          ticket_id: ticket.id,
          body: body.body,
          body_text: body.body.replace(/<[^>]+>/g, ""),
          private: body.private ?? true,
          incoming: false,
          created_at: now,
          updated_at: now,
        };
        ticket.notes.push(note);
        return json(note, 201);
      }

      const ticketPath = path.match(/^\/api\/v2\/tickets\/(\d+)$/);
      if (ticketPath) {
        const ticket = state.tickets.get(Number(ticketPath[1]));
        if (!ticket) return new Response(null, { status: 404 });
        const { notes: _n, ...out } = ticket;
        if (method === "GET") return json(out);
        if (method === "PUT") {
          if (!isObject(body)) return validation([{ field: "", message: "Request body must be a JSON object", code: "invalid_json" }]);
          if (body.status !== undefined && !Object.values(STATUS).includes(body.status))
            return validation([{ field: "status", message: "It should be one of these values: '2,3,4,5'", code: "invalid_value" }]);
          Object.assign(ticket, body.status !== undefined ? { status: body.status } : {}, { updated_at: now });
          const { notes: _m, ...updated } = ticket;
          return json(updated);
        }
      }
      return null;
    },
  });
}
