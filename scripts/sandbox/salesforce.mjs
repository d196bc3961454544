// A stateful fake of the Salesforce REST API the app calls under an org's instance_url:
// `services/data/vXX.X/query` (the SOQL the app sends: SELECT … FROM Contact|Lead|Task WHERE
// field = '…' [LIMIT n]) and `sobjects/Contact|Lead|Task` (create, read, PATCH). Errors are
// Salesforce's array of { message, errorCode, fields }; the active standard duplicate rules
// answer DUPLICATES_DETECTED with the matching record when a Contact or Lead repeats an email.
import { createFake, isObject, json } from "./kit.mjs";

export const TASK_DESCRIPTION_LIMIT = 32000;

const FIELDS = {
  Contact: new Set(["FirstName", "LastName", "Email", "Phone", "Description", "LeadSource", "AccountId", "Title"]),
  Lead: new Set(["FirstName", "LastName", "Email", "Phone", "Company", "Description", "LeadSource", "Status", "Title"]),
  Task: new Set(["WhoId", "WhatId", "Subject", "Description", "Status", "Priority", "ActivityDate", "TaskSubtype", "Type", "OwnerId"]),
};
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
        { Id: "0035g00000SANDBOX1", type: "Contact", FirstName: "Maria", LastName: "Garcia", Email: "maria@example.com" },
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
  /^SELECT\s+([\w\s,]+?)\s+FROM\s+(\w+)(?:\s+WHERE\s+(\w+)\s*=\s*'((?:[^'\\]|\\.)*)')?(?:\s+ORDER\s+BY\s+\w+(?:\s+(?:ASC|DESC))?)?(?:\s+LIMIT\s+(\d+))?\s*$/i;

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
        if (!q) return one(400, "MALFORMED_QUERY", "unexpected token in the query");
        const [, fieldList, type, whereField, rawValue, limit] = q;
        if (!FIELDS[type]) return one(400, "INVALID_TYPE", `sObject type '${type}' is not supported.`);
        const fields = fieldList.split(",").map((f) => f.trim());
        for (const f of [...fields, ...(whereField ? [whereField] : [])]) {
          if (f !== "Id" && !FIELDS[type].has(f)) return one(400, "INVALID_FIELD", `No such column '${f}' on entity '${type}'.`);
        }
        const value = rawValue?.replace(/\\(.)/g, "$1");
        let rows = [...state.records.values()].filter(
          (r) => r.type === type && (!whereField || String(r[whereField] ?? "").toLowerCase() === String(value).toLowerCase()),
        );
        if (limit) rows = rows.slice(0, Number(limit));
        return json({
          totalSize: rows.length,
          done: true,
          records: rows.map((r) => ({ attributes: attributes(r), ...Object.fromEntries(fields.map((f) => [f, r[f] ?? null])) })),
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
