// A stateful fake of the Salesforce REST API the app calls under an org's instance_url:
// `services/data/vXX.X/query` (the SOQL the app sends: SELECT fields, Parent.Field … FROM
// Contact|Lead|Task|Opportunity [WHERE field = '…'|true|false [AND …]] [ORDER BY f] [LIMIT n],
// relationship fields answered as nested objects the way Salesforce does) and `sobjects/Contact|Lead|Task` (create, read, PATCH). Errors are
// Salesforce's array of { message, errorCode, fields }; the active standard duplicate rules
// answer DUPLICATES_DETECTED with the matching record when a Contact or Lead repeats an email.
import { createFake, isObject, json } from "./kit.mjs";

export const TASK_DESCRIPTION_LIMIT = 32000;

const FIELDS = {
  Contact: new Set(["FirstName", "LastName", "Email", "Phone", "Description", "LeadSource", "AccountId", "Title"]),
  Lead: new Set(["FirstName", "LastName", "Email", "Phone", "Company", "Description", "LeadSource", "Status", "Title"]),
  Task: new Set(["WhoId", "WhatId", "Subject", "Description", "Status", "Priority", "ActivityDate", "TaskSubtype", "Type", "OwnerId"]),
};
/** Fields the queries may read beyond what the app writes (read-only or set by the org). */
const READABLE = {
  Contact: new Set(["Name", "OwnerId"]),
  Lead: new Set(["Name", "OwnerId"]),
  Task: new Set([]),
  Opportunity: new Set(["Name", "StageName", "Amount", "CloseDate", "IsClosed", "AccountId", "OwnerId"]),
};
/** Relationship name → [lookup field, parent type]. */
const RELATIONS = { Account: ["AccountId", "Account"], Owner: ["OwnerId", "User"] };
const REQUIRED = { Contact: ["LastName"], Lead: ["LastName", "Company"], Task: [] };
const PREFIX = { Contact: "003", Lead: "00Q", Task: "00T" };
const LIMITS = { FirstName: 40, LastName: 80, Company: 255, Email: 80, Subject: 255, Description: TASK_DESCRIPTION_LIMIT };

const errors = (status, list) => json(list, status);
const one = (status, errorCode, message, fields = []) => errors(status, [{ message, errorCode, fields }]);

function seed() {
  return {
    counter: 1,
    records: new Map([
      [
        "0035g00000SANDBOX1",
        {
          Id: "0035g00000SANDBOX1",
          type: "Contact",
          FirstName: "Maria",
          LastName: "Garcia",
          Email: "maria@example.com",
          AccountId: "0015g00000SANDBOXA",
          OwnerId: "0055g00000SANDBOXU",
        },
      ],
      ["0015g00000SANDBOXA", { Id: "0015g00000SANDBOXA", type: "Account", Name: "Garcia Imports" }],
      ["0055g00000SANDBOXU", { Id: "0055g00000SANDBOXU", type: "User", Name: "Sam Rivers" }],
      [
        "0065g00000SANDBOXO",
        {
          Id: "0065g00000SANDBOXO",
          type: "Opportunity",
          Name: "Garcia Imports: 40 kettles",
          StageName: "Proposal/Price Quote",
          Amount: 1200,
          CloseDate: "2026-02-01",
          IsClosed: false,
          AccountId: "0015g00000SANDBOXA",
        },
      ],
      [
        "0065g00000SANDBOXW",
        {
          Id: "0065g00000SANDBOXW",
          type: "Opportunity",
          Name: "Garcia Imports: first order",
          StageName: "Closed Won",
          Amount: 300,
          CloseDate: "2025-11-01",
          IsClosed: true,
          AccountId: "0015g00000SANDBOXA",
        },
      ],
      [
        "00Q5g00000SANDBOX2",
        {
          Id: "00Q5g00000SANDBOX2",
          type: "Lead",
          FirstName: "Li",
          LastName: "Wei",
          Email: "li.wei@example.com",
          Company: "Wei Imports",
          Status: "Open - Not Contacted",
        },
      ],
    ]),
  };
}

const SOQL =
  /^SELECT\s+([\w.\s,]+?)\s+FROM\s+(\w+)(?:\s+WHERE\s+(.+?))?(?:\s+ORDER\s+BY\s+(\w+)(?:\s+(ASC|DESC))?)?(?:\s+LIMIT\s+(\d+))?\s*$/i;
const CONDITION = /^(\w+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(true|false))$/i;

/** `a = 'x' AND b = false` → [[field, value]]; null when it is not that shape. */
function conditions(where) {
  if (!where) return [];
  const out = [];
  for (const part of where.split(/\s+AND\s+/i)) {
    const c = CONDITION.exec(part.trim());
    if (!c) return null;
    out.push([c[1], c[3] !== undefined ? c[3].toLowerCase() === "true" : c[2].replace(/\\(.)/g, "$1")]);
  }
  return out;
}

const fieldOk = (type, f) => f === "Id" || FIELDS[type]?.has(f) || READABLE[type]?.has(f);

export function createSalesforceFake({ onCall, credentials } = {}) {
  return createFake({
    provider: "salesforce",
    onCall,
    credentials,
    seed,
    snapshot: (state) => ({ records: [...state.records.values()] }),
    authenticate: ({ auth, credentials }) => auth.scheme === "bearer" && credentials.accepts(auth.token),
    unauthorized: () => one(401, "INVALID_SESSION_ID", "Session expired or invalid"),
    rateLimited: () => [{ message: "TotalRequests Limit exceeded.", errorCode: "REQUEST_LIMIT_EXCEEDED" }],
    notFound: () => one(404, "NOT_FOUND", "The requested resource does not exist"),
    routes: ({ method, path, query, body, fault, state }) => {
      if (method === "GET" && path === "/services/oauth2/userinfo")
        return json({
          sub: "005SANDBOXUSER",
          organization_id: "00DSANDBOX0000001",
          preferred_username: "john@acme.sandbox",
          name: "John Admin",
        });
      const m = path.match(/^\/services\/data\/v(\d+)\.0(\/.*)$/);
      if (!m) return null;
      if (Number(m[1]) < 31) return one(404, "NOT_FOUND", "The requested resource does not exist");
      const version = `v${m[1]}.0`;
      const rest = m[2];
      const attributes = (r) => ({ type: r.type, url: `/services/data/${version}/sobjects/${r.type}/${r.Id}` });
      const newId = (type) => `${PREFIX[type]}5g0000${String(state.counter++).padStart(9, "0")}`;
      const byEmail = (type, email) =>
        [...state.records.values()].find((r) => r.type === type && r.Email?.toLowerCase() === String(email).toLowerCase());

      if (method === "GET" && rest === "/query") {
        const q = SOQL.exec(String(query.q ?? "").trim());
        const where = q ? conditions(q[3]) : null;
        if (!q || !where) return one(400, "MALFORMED_QUERY", "unexpected token in the query");
        const [, fieldList, type, , orderBy, direction, limit] = q;
        if (!FIELDS[type] && !READABLE[type]) return one(400, "INVALID_TYPE", `sObject type '${type}' is not supported.`);
        const fields = fieldList.split(",").map((f) => f.trim());
        for (const f of fields) {
          const [rel, sub] = f.split(".");
          const ok = sub ? RELATIONS[rel] && fieldOk(type, RELATIONS[rel][0]) && sub === "Name" : fieldOk(type, f);
          if (!ok) return one(400, "INVALID_FIELD", `No such column '${f}' on entity '${type}'.`);
        }
        for (const [f] of where) if (!fieldOk(type, f)) return one(400, "INVALID_FIELD", `No such column '${f}' on entity '${type}'.`);
        if (orderBy && !fieldOk(type, orderBy)) return one(400, "INVALID_FIELD", `No such column '${orderBy}' on entity '${type}'.`);
        const fieldValue = (r, f) =>
          f === "Name" && r.Name === undefined && r.LastName ? [r.FirstName, r.LastName].filter(Boolean).join(" ") : r[f];
        let rows = [...state.records.values()].filter(
          (r) =>
            r.type === type &&
            where.every(([f, v]) =>
              typeof v === "boolean" ? Boolean(r[f]) === v : String(r[f] ?? "").toLowerCase() === String(v).toLowerCase(),
            ),
        );
        if (orderBy) {
          const sign = (direction ?? "ASC").toUpperCase() === "DESC" ? -1 : 1;
          rows.sort((a, b) => sign * String(a[orderBy] ?? "").localeCompare(String(b[orderBy] ?? "")));
        }
        if (limit) rows = rows.slice(0, Number(limit));
        const read = (r, f) => {
          const [rel, sub] = f.split(".");
          if (!sub) return [f, fieldValue(r, f) ?? null];
          const parent = state.records.get(r[RELATIONS[rel][0]]);
          return [rel, parent ? { attributes: attributes(parent), [sub]: parent[sub] ?? null } : null];
        };
        return json({
          totalSize: rows.length,
          done: true,
          records: rows.map((r) => ({ attributes: attributes(r), ...Object.fromEntries(fields.map((f) => read(r, f))) })),
        });
      }

      const create = rest.match(/^\/sobjects\/(\w+)$/);
      if (create && method === "POST") {
        const type = create[1];
        if (!FIELDS[type]) return one(404, "NOT_FOUND", "The requested resource does not exist");
        if (!isObject(body)) return one(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of SObject from the request body");
        for (const [k, v] of Object.entries(body)) {
          if (!FIELDS[type].has(k)) return one(400, "INVALID_FIELD", `No such column '${k}' on sobject of type ${type}`, [k]);
          if (v !== null && typeof v !== "string")
            return one(400, "JSON_PARSER_ERROR", `Cannot deserialize instance of string from ${typeof v} value for field ${k}`, [k]);
          if (LIMITS[k] && String(v ?? "").length > LIMITS[k])
            return one(400, "STRING_TOO_LONG", `${k}: data value too large (max length=${LIMITS[k]})`, [k]);
        }
        const missing = REQUIRED[type].filter((f) => !body[f]);
        if (missing.length) return one(400, "REQUIRED_FIELD_MISSING", `Required fields are missing: [${missing.join(", ")}]`, missing);
        if (body.Email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(body.Email))
          return one(400, "INVALID_EMAIL_ADDRESS", `Email: invalid email address: ${body.Email}`, ["Email"]);
        if (type === "Task" && body.WhoId && !["Contact", "Lead"].includes(state.records.get(body.WhoId)?.type)) {
          return one(400, "FIELD_INTEGRITY_EXCEPTION", "Name ID: id value of incorrect type", ["WhoId"]);
        }
        if (type !== "Task" && body.Email) {
          if (fault?.duplicate && !byEmail(type, body.Email)) {
            const id = newId(type);
            state.records.set(id, {
              Id: id,
              type,
              LastName: body.LastName,
              Email: body.Email,
              ...(type === "Lead" ? { Company: body.Company } : {}),
            });
          }
          const dup = byEmail(type, body.Email);
          if (dup) {
            return errors(400, [
              {
                message: "Use one of these records?",
                errorCode: "DUPLICATES_DETECTED",
                fields: [],
                duplicateResult: {
                  allowSave: false,
                  duplicateRule: `Standard_${type}_Duplicate_Rule`,
                  duplicateRuleEntityType: type,
                  errorMessage: `You're creating a duplicate record. We recommend you use an existing record instead.`,
                  matchResults: [
                    {
                      entityType: type,
                      errors: [],
                      matchEngine: "ExactMatchEngine",
                      matchRecords: [
                        {
                          additionalInformation: [],
                          fieldDiffs: [],
                          matchConfidence: 100,
                          record: { attributes: attributes(dup), Id: dup.Id },
                        },
                      ],
                      rule: `Standard_${type}_Match_Rule_v1_1`,
                      size: 1,
                      success: true,
                    },
                  ],
                },
              },
            ]);
          }
        }
        const id = newId(type);
        state.records.set(id, { Id: id, type, ...(type === "Task" ? { Status: "Not Started", Priority: "Normal" } : {}), ...body });
        return json({ id, success: true, errors: [] }, 201);
      }

      const item = rest.match(/^\/sobjects\/(\w+)\/(\w+)$/);
      if (item) {
        const record = state.records.get(item[2]);
        if (!record || record.type !== item[1]) return one(404, "NOT_FOUND", "The requested resource does not exist");
        if (method === "GET") {
          const { type: _t, ...fields } = record;
          return json({ attributes: attributes(record), ...fields });
        }
        if (method === "PATCH") {
          if (!isObject(body)) return one(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of SObject from the request body");
          for (const [k, v] of Object.entries(body)) {
            if (!FIELDS[record.type].has(k))
              return one(400, "INVALID_FIELD", `No such column '${k}' on sobject of type ${record.type}`, [k]);
            if (LIMITS[k] && String(v ?? "").length > LIMITS[k])
              return one(400, "STRING_TOO_LONG", `${k}: data value too large (max length=${LIMITS[k]})`, [k]);
          }
          Object.assign(record, body);
          return new Response(null, { status: 204 });
        }
      }
      return null;
    },
  });
}
