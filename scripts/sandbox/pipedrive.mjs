// A stateful fake of the Pipedrive v1 endpoints the app calls: users/me, persons (+ search by
// email) and notes (create, update), with Pipedrive's envelope { success, data, error,
// error_info }. OAuth bearer tokens and `api_token` query credentials are both accepted.
// Pipedrive has no duplicate error for people (it lets the same email be added twice), so the
// fake does the same: dedupe is the client's job (search before create, claimed locally).
import { createFake, isObject, json } from "./kit.mjs";

export const NOTE_CONTENT_LIMIT = 100000;
const INFO = "Please check developers.pipedrive.com for more information about Pipedrive API.";
const fail = (status, error) => json({ success: false, error, error_info: INFO, data: null, additional_data: null }, status);

function seed() {
  return {
    nextPerson: 301,
    nextNote: 9001,
    persons: new Map([
      [
        201,
        {
          id: 201,
          name: "Maria Garcia",
          email: [{ label: "work", value: "maria@example.com", primary: true }],
          add_time: "2026-01-05 09:00:00",
          org_id: { value: 71, name: "Garcia Imports" },
          owner_id: { id: 1001, value: 1001, name: "John Admin", email: "john@acme.com" },
        },
      ],
    ]),
    // Deals linked to people (GET /v1/persons/{id}/deals?status=…)
    deals: [
      {
        id: 3001,
        person_id: 201,
        title: "Garcia Imports: 40 kettles",
        status: "open",
        stage_id: 2,
        value: 1200,
        currency: "EUR",
        expected_close_date: "2026-02-01",
      },
      {
        id: 3002,
        person_id: 201,
        title: "Garcia Imports: first order",
        status: "won",
        stage_id: 5,
        value: 300,
        currency: "EUR",
        expected_close_date: null,
      },
    ],
    notes: new Map(),
  };
}

/** Pipedrive accepts `email` as a string, an array of strings, or an array of { value, primary, label }. */
function normaliseEmails(email) {
  if (email === undefined || email === null) return [];
  const list = Array.isArray(email) ? email : [email];
  return list.map((e, i) =>
    typeof e === "string"
      ? { label: "work", value: e, primary: i === 0 }
      : { label: e.label ?? "work", value: e.value, primary: Boolean(e.primary) },
  );
}

export function createPipedriveFake({ onCall, credentials } = {}) {
  return createFake({
    provider: "pipedrive",
    onCall,
    credentials,
    seed,
    snapshot: (state) => ({ persons: [...state.persons.values()], notes: [...state.notes.values()] }),
    authenticate: ({ auth, credentials, url }) =>
      auth.scheme === "bearer" ? credentials.accepts(auth.token) : credentials.accepts(url.searchParams.get("api_token")),
    unauthorized: () =>
      json({ success: false, error: "unauthorized access", errorCode: 401, error_info: INFO, data: null, additional_data: null }, 401),
    rateLimited: () => ({
      success: false,
      error: "Request over limit",
      errorCode: 429,
      error_info: INFO,
      data: null,
      additional_data: null,
    }),
    notFound: () => fail(404, "Unknown method ."),
    routes: ({ method, path, query, body, state }) => {
      const now = new Date().toISOString().replace("T", " ").slice(0, 19);
      if (method === "GET" && path === "/v1/users/me")
        return json({
          success: true,
          data: {
            id: 1001,
            name: "John Admin",
            email: "john@acme.com",
            company_id: 4242,
            company_name: "Acme Corporation (Sandbox)",
            company_domain: "acme-sandbox",
          },
        });

      if (method === "GET" && path === "/v1/persons/search") {
        const term = String(query.term ?? "");
        if (term.length < 2) return fail(400, 'Invalid input: "term" length must be at least 2 characters long');
        const fields = String(query.fields ?? "custom_fields,email,notes,phone,name").split(",");
        const exact = query.exact_match === "true" || query.exact_match === "1";
        const hit = (p) =>
          (fields.includes("email") &&
            p.email.some((e) =>
              exact ? e.value.toLowerCase() === term.toLowerCase() : e.value.toLowerCase().includes(term.toLowerCase()),
            )) ||
          (fields.includes("name") &&
            (exact ? p.name.toLowerCase() === term.toLowerCase() : p.name.toLowerCase().includes(term.toLowerCase())));
        const limit = Math.min(Number(query.limit) || 100, 500);
        const items = [...state.persons.values()].filter(hit).slice(0, limit);
        return json({
          success: true,
          data: {
            items: items.map((p) => ({
              result_score: 1,
              item: {
                id: p.id,
                type: "person",
                name: p.name,
                emails: p.email.map((e) => e.value),
                phones: [],
                visible_to: 3,
                owner: { id: 1001 },
                organization: null,
                custom_fields: [],
                notes: [],
                update_time: p.add_time,
              },
            })),
          },
          additional_data: { pagination: { start: 0, limit, more_items_in_collection: false } },
        });
      }

      if (method === "POST" && path === "/v1/persons") {
        if (!isObject(body) || typeof body.name !== "string" || !body.name.trim()) return fail(400, "Name must be given.");
        const emails = normaliseEmails(body.email);
        if (emails.some((e) => typeof e.value !== "string")) return fail(400, "Invalid email: each email needs a value.");
        const id = state.nextPerson++;
        const person = {
          id,
          name: body.name,
          email: emails,
          add_time: now,
          org_id: null,
          owner_id: { id: 1001, value: 1001, name: "John Admin", email: "john@acme.com" },
        };
        state.persons.set(id, person);
        return json({ success: true, data: person }, 201);
      }

      const personDeals = path.match(/^\/v1\/persons\/(\d+)\/deals$/);
      if (method === "GET" && personDeals) {
        const id = Number(personDeals[1]);
        if (!state.persons.has(id)) return fail(404, "Person not found");
        const status = query.status ?? "all_not_deleted";
        if (!["open", "won", "lost", "deleted", "all_not_deleted"].includes(status)) return fail(400, "Invalid status");
        const limit = Math.min(Number(query.limit) || 100, 500);
        const list = state.deals.filter(
          (d) => d.person_id === id && (status === "all_not_deleted" ? d.status !== "deleted" : d.status === status),
        );
        return json({
          success: true,
          data: list.length
            ? list.slice(0, limit).map((d) => ({ ...d, person_id: { value: id, name: state.persons.get(id).name } }))
            : null,
          additional_data: { pagination: { start: 0, limit, more_items_in_collection: list.length > limit } },
        });
      }

      const personPath = path.match(/^\/v1\/persons\/(\d+)$/);
      if (method === "GET" && personPath) {
        const person = state.persons.get(Number(personPath[1]));
        return person ? json({ success: true, data: person }) : fail(404, "Person not found");
      }

      if (method === "POST" && path === "/v1/notes") {
        if (!isObject(body) || typeof body.content !== "string" || !body.content.trim()) return fail(400, "Content must be given.");
        const links = ["person_id", "deal_id", "org_id", "lead_id", "project_id"].filter((k) => body[k] !== undefined && body[k] !== null);
        if (!links.length) return fail(400, "Note must be associated with at least one organization, person, deal, lead or project.");
        if (body.person_id !== undefined && !state.persons.has(Number(body.person_id))) return fail(400, "Person not found.");
        if (body.content.length > NOTE_CONTENT_LIMIT) return fail(400, `Content is too long (max ${NOTE_CONTENT_LIMIT} characters).`);
        const id = state.nextNote++;
        const note = { id, content: body.content, person_id: body.person_id ?? null, add_time: now, update_time: now };
        state.notes.set(id, note);
        return json({ success: true, data: note }, 201);
      }

      const notePath = path.match(/^\/v1\/notes\/(\d+)$/);
      if (notePath) {
        const note = state.notes.get(Number(notePath[1]));
        if (!note) return fail(404, "Note not found");
        if (method === "GET") return json({ success: true, data: note });
        if (method === "PUT") {
          if (!isObject(body) || (body.content !== undefined && typeof body.content !== "string"))
            return fail(400, "Content must be a string.");
          if ((body.content ?? "").length > NOTE_CONTENT_LIMIT)
            return fail(400, `Content is too long (max ${NOTE_CONTENT_LIMIT} characters).`);
          Object.assign(note, body.content !== undefined ? { content: body.content } : {}, { update_time: now });
          return json({ success: true, data: note });
        }
      }
      return null;
    },
  });
}
