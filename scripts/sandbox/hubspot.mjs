// A stateful fake of the HubSpot CRM v3 endpoints the app calls (contacts, contact search, notes
// with create-time associations) plus account-info, answering with HubSpot's shapes: the request
// bodies are checked against the CRM OpenAPI documents (SimplePublicObjectInputForCreate,
// PublicObjectSearchRequest, SimplePublicObjectInput) and errors carry { status, message,
// correlationId, category }. Contacts are unique by email: a second create answers 409
// "Contact already exists. Existing ID: N", as HubSpot does.
import { createFake, isObject, json } from "./kit.mjs";

export const HUBSPOT_PORTAL = { portalId: 4242424, uiDomain: "acme-sandbox.hubspot.com", accountType: "STANDARD" };
/** HubSpot-defined association type note → contact. */
export const NOTE_TO_CONTACT = 202;
export const NOTE_BODY_LIMIT = 65536;

const CONTACT_PROPERTIES = new Set([
  "email",
  "firstname",
  "lastname",
  "phone",
  "company",
  "website",
  "lifecyclestage",
  "hs_lead_status",
  "jobtitle",
  "hubspot_owner_id",
]);
const NOTE_PROPERTIES = new Set(["hs_timestamp", "hs_note_body", "hubspot_owner_id", "hs_attachment_ids"]);
const CATEGORIES = new Set(["HUBSPOT_DEFINED", "INTEGRATOR_DEFINED", "USER_DEFINED", "WORK"]);
const OPERATORS = new Set([
  "BETWEEN",
  "CONTAINS_TOKEN",
  "EQ",
  "GT",
  "GTE",
  "HAS_PROPERTY",
  "IN",
  "LT",
  "LTE",
  "NEQ",
  "NOT_CONTAINS_TOKEN",
  "NOT_HAS_PROPERTY",
  "NOT_IN",
]);

const error = (status, category, message, extra = {}) =>
  json({ status: "error", message, correlationId: crypto.randomUUID(), category, ...extra }, status);
const invalid = (message) => error(400, "VALIDATION_ERROR", message);

function seed() {
  const at = "2026-01-05T09:00:00.000Z";
  const contact = (id, email, firstname, lastname, extra = {}) => ({
    id,
    properties: { email, firstname, lastname, ...extra, createdate: at, lastmodifieddate: at, hs_object_id: id },
    createdAt: at,
    updatedAt: at,
    archived: false,
  });
  return {
    nextId: 1001,
    contacts: new Map([
      [
        "501",
        contact("501", "maria@example.com", "Maria", "Garcia", {
          company: "Garcia Imports",
          lifecyclestage: "customer",
          hubspot_owner_id: "71",
        }),
      ],
      ["502", contact("502", "li.wei@example.com", "Li", "Wei")],
    ]),
    notes: new Map(),
    // CRM Owners v3 (GET /crm/v3/owners/{ownerId})
    owners: new Map([["71", { id: "71", email: "sam@acme.com", firstName: "Sam", lastName: "Rivers", userId: 9001, archived: false }]]),
  };
}

/** Problems with an object-input body, as HubSpot's validator words them; null when fine. */
function bodyProblem(body, { requireAssociations, known }) {
  if (!isObject(body)) return "Invalid input JSON: expected an object";
  if (!isObject(body.properties)) return "Invalid input JSON: properties is required";
  if (requireAssociations && !Array.isArray(body.associations)) return "Invalid input JSON: associations is required";
  for (const [name, value] of Object.entries(body.properties)) {
    if (typeof value !== "string") return `Property values were not valid: ${name} must be a string`;
    if (!known.has(name))
      return `Property values were not valid: [{"isValid":false,"message":"Property \\"${name}\\" does not exist","error":"PROPERTY_DOESNT_EXIST","name":"${name}"}]`;
  }
  for (const a of body.associations ?? []) {
    if (!isObject(a) || !isObject(a.to) || typeof a.to.id !== "string" || !Array.isArray(a.types) || a.types.length === 0)
      return "Invalid input JSON: each association needs to.id and types";
    for (const t of a.types) {
      if (!isObject(t) || !CATEGORIES.has(t.associationCategory) || !Number.isInteger(t.associationTypeId))
        return "Invalid input JSON: association types need associationCategory and an integer associationTypeId";
    }
  }
  return null;
}

export function createHubspotFake({ onCall, credentials } = {}) {
  return createFake({
    provider: "hubspot",
    snapshot: (state) => ({ contacts: [...state.contacts.values()], notes: [...state.notes.values()] }),
    onCall,
    credentials,
    seed,
    authenticate: ({ auth, credentials }) => auth.scheme === "bearer" && credentials.accepts(auth.token),
    unauthorized: ({ auth }) =>
      auth.scheme === "none"
        ? error(
            401,
            "INVALID_AUTHENTICATION",
            "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
          )
        : error(401, "EXPIRED_AUTHENTICATION", "The OAuth token used to make this call expired or was revoked."),
    rateLimited: () => ({
      status: "error",
      message: "You have reached your secondly limit.",
      errorType: "RATE_LIMIT",
      correlationId: crypto.randomUUID(),
      policyName: "SECONDLY",
    }),
    notFound: () =>
      json(
        {
          status: "error",
          message: "Unable to infer object type from: unknown",
          correlationId: crypto.randomUUID(),
          category: "OBJECT_NOT_FOUND",
        },
        404,
      ),
    routes: ({ method, path, query, body, fault, state }) => {
      const now = new Date().toISOString();
      const findByEmail = (email) =>
        [...state.contacts.values()].find((c) => !c.archived && c.properties.email?.toLowerCase() === String(email).toLowerCase());
      const newId = () => String(state.nextId++);

      if (method === "GET" && path === "/account-info/v3/details") return json(HUBSPOT_PORTAL);

      if (method === "POST" && path === "/crm/v3/objects/contacts") {
        const problem = bodyProblem(body, { requireAssociations: true, known: CONTACT_PROPERTIES });
        if (problem) return invalid(problem);
        const email = body.properties.email;
        if (email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
          return invalid(
            `Property values were not valid: [{"isValid":false,"message":"Email address ${email} is invalid","error":"INVALID_EMAIL","name":"email"}]`,
          );
        if (email && fault?.duplicate && !findByEmail(email)) {
          // Another writer created the same person a moment earlier (the race HubSpot's unique email catches).
          const id = newId();
          state.contacts.set(id, {
            id,
            properties: { email, createdate: now, lastmodifieddate: now, hs_object_id: id },
            createdAt: now,
            updatedAt: now,
            archived: false,
          });
        }
        const existing = email ? findByEmail(email) : null;
        if (existing) return error(409, "CONFLICT", `Contact already exists. Existing ID: ${existing.id}`);
        const id = newId();
        const contact = {
          id,
          properties: { ...body.properties, createdate: now, lastmodifieddate: now, hs_object_id: id },
          createdAt: now,
          updatedAt: now,
          archived: false,
        };
        state.contacts.set(id, contact);
        return json(contact, 201);
      }

      if (method === "POST" && path === "/crm/v3/objects/contacts/search") {
        if (!isObject(body)) return invalid("Invalid input JSON: expected an object");
        for (const field of ["after", "filterGroups", "limit", "properties", "sorts"])
          if (!(field in body)) return invalid(`Invalid input JSON: ${field} is required`);
        if (!Array.isArray(body.filterGroups) || body.filterGroups.length > 6)
          return invalid("Invalid input JSON: filterGroups must be an array of up to 6 groups");
        if (!Number.isInteger(body.limit) || body.limit < 0 || body.limit > 200) return invalid("limit must be an integer up to 200");
        if (!Array.isArray(body.properties) || !Array.isArray(body.sorts) || typeof body.after !== "string")
          return invalid("Invalid input JSON: properties and sorts are arrays, after is a string");
        const filters = [];
        for (const g of body.filterGroups) {
          if (!isObject(g) || !Array.isArray(g.filters)) return invalid("Invalid input JSON: each filter group needs filters");
          for (const f of g.filters) {
            if (!isObject(f) || typeof f.propertyName !== "string" || !OPERATORS.has(f.operator))
              return invalid("Invalid input JSON: each filter needs propertyName and a known operator");
            filters.push(f);
          }
        }
        const hit = (c) =>
          filters.every((f) =>
            f.operator === "EQ" ? String(c.properties[f.propertyName] ?? "").toLowerCase() === String(f.value ?? "").toLowerCase() : true,
          );
        const all = [...state.contacts.values()].filter((c) => !c.archived && hit(c));
        const start = Number(body.after) || 0;
        const page = all.slice(start, start + (body.limit || 10));
        const pick = (c) => ({
          ...c,
          properties: Object.fromEntries(
            ["hs_object_id", "createdate", "lastmodifieddate", ...body.properties].map((p) => [p, c.properties[p] ?? null]),
          ),
        });
        return json({
          total: all.length,
          results: page.map(pick),
          ...(start + page.length < all.length ? { paging: { next: { after: String(start + page.length) } } } : {}),
        });
      }

      const ownerPath = path.match(/^\/crm\/v3\/owners\/([^/]+)$/);
      if (method === "GET" && ownerPath) {
        const owner = state.owners.get(decodeURIComponent(ownerPath[1]));
        return owner && !owner.archived
          ? json({ ...owner, createdAt: "2025-06-01T09:00:00.000Z", updatedAt: "2025-06-01T09:00:00.000Z" })
          : error(404, "OBJECT_NOT_FOUND", "resource not found");
      }

      const contactPath = path.match(/^\/crm\/v3\/objects\/contacts\/([^/]+)$/);
      if (method === "GET" && contactPath) {
        const key = decodeURIComponent(contactPath[1]);
        const contact = query.idProperty === "email" ? findByEmail(key) : state.contacts.get(key);
        return contact && !contact.archived ? json(contact) : error(404, "OBJECT_NOT_FOUND", "resource not found");
      }

      if (method === "POST" && path === "/crm/v3/objects/notes") {
        const problem = bodyProblem(body, { requireAssociations: true, known: NOTE_PROPERTIES });
        if (problem) return invalid(problem);
        if (!body.properties.hs_timestamp)
          return invalid(
            'Property values were not valid: [{"isValid":false,"message":"hs_timestamp is required","error":"REQUIRED_PROPERTY","name":"hs_timestamp"}]',
          );
        if ((body.properties.hs_note_body ?? "").length > NOTE_BODY_LIMIT)
          return invalid(`Property values were not valid: hs_note_body is longer than ${NOTE_BODY_LIMIT} characters`);
        for (const a of body.associations) {
          for (const t of a.types) {
            if (t.associationCategory === "HUBSPOT_DEFINED" && t.associationTypeId === NOTE_TO_CONTACT && !state.contacts.has(a.to.id)) {
              return error(400, "VALIDATION_ERROR", `One or more associations are invalid: contact ${a.to.id} does not exist`);
            }
          }
        }
        const id = newId();
        const note = {
          id,
          properties: { ...body.properties, hs_createdate: now, hs_lastmodifieddate: now, hs_object_id: id },
          createdAt: now,
          updatedAt: now,
          archived: false,
          associations: body.associations.map((a) => ({ toObjectId: a.to.id, types: a.types })),
        };
        state.notes.set(id, note);
        const { associations: _a, ...out } = note;
        return json(out, 201);
      }

      const notePath = path.match(/^\/crm\/v3\/objects\/notes\/([^/]+)$/);
      if (notePath) {
        const note = state.notes.get(decodeURIComponent(notePath[1]));
        if (!note || note.archived) return error(404, "OBJECT_NOT_FOUND", "resource not found");
        if (method === "GET") return json(note);
        if (method === "PATCH") {
          const problem = bodyProblem(body, { requireAssociations: false, known: NOTE_PROPERTIES });
          if (problem) return invalid(problem);
          if ((body.properties.hs_note_body ?? "").length > NOTE_BODY_LIMIT)
            return invalid(`Property values were not valid: hs_note_body is longer than ${NOTE_BODY_LIMIT} characters`);
          Object.assign(note.properties, body.properties, { hs_lastmodifieddate: now });
          note.updatedAt = now;
          const { associations: _a, ...out } = note;
          return json(out);
        }
      }
      return null;
    },
  });
}
