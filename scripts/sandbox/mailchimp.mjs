// A stateful fake of the Mailchimp Marketing API the app calls: the OAuth metadata endpoint
// (login.mailchimp.com/oauth2/metadata, `Authorization: OAuth <token>`), the audiences, "add or
// update list member" (PUT /3.0/lists/{list_id}/members/{subscriber_hash}, the hash being the MD5
// of the lowercased email, `status_if_new` required for a new member) and member tags
// (POST …/tags, 204). Errors are Mailchimp's RFC 7807 documents.
import { createHash, randomUUID } from "node:crypto";
import { createFake, isEmail, isObject, json } from "./kit.mjs";

export const MAILCHIMP_LISTS = [
  { id: "a1b2c3d4e5", name: "Acme Newsletter" },
  { id: "f6g7h8i9j0", name: "Product updates" },
];
const STATUSES = ["subscribed", "unsubscribed", "cleaned", "pending", "transactional"];
const MEMBER_FIELDS = new Set(["email_address", "status_if_new", "status", "merge_fields", "email_type", "language", "vip", "tags"]);

const md5 = (s) => createHash("md5").update(s).digest("hex");
const problem = (status, title, detail, errors) =>
  json(
    {
      type: "https://mailchimp.com/developer/marketing/docs/errors/",
      title,
      status,
      detail,
      instance: randomUUID(),
      ...(errors ? { errors } : {}),
    },
    status,
    { "Content-Type": "application/problem+json" },
  );
const invalid = (errors) =>
  problem(
    400,
    "Invalid Resource",
    "The resource submitted could not be validated. For field-specific details, see the 'errors' array.",
    errors,
  );

function seed() {
  return { nextWebId: 100001, members: new Map() };
}

export function createMailchimpFake({ onCall, credentials } = {}) {
  return createFake({
    provider: "mailchimp",
    onCall,
    credentials,
    seed,
    snapshot: (state) => ({ lists: MAILCHIMP_LISTS, members: [...state.members.values()] }),
    authenticate: ({ auth, credentials }) => auth.scheme === "bearer" && credentials.accepts(auth.token),
    unauthorized: () => problem(401, "API Key Invalid", "Your API key may be invalid, or you've attempted to access the wrong datacenter."),
    rateLimited: () => ({
      type: "https://mailchimp.com/developer/marketing/docs/errors/",
      title: "Too Many Requests",
      status: 429,
      detail: "You have exceeded the limit of 10 simultaneous connections.",
    }),
    notFound: () => problem(404, "Resource Not Found", "The requested resource could not be found."),
    routes: ({ method, path, body, state }) => {
      if (method === "GET" && path === "/oauth2/metadata")
        return json({
          dc: "us1",
          role: "owner",
          accountname: "Acme Corporation (Sandbox)",
          user_id: 9001,
          login: { email: "john@acme.com", login_email: "john@acme.com", login_id: 9001, login_name: "john" },
          login_url: "https://login.mailchimp.com",
          api_endpoint: "https://us1.api.mailchimp.com",
        });
      if (method === "GET" && path === "/3.0/lists")
        return json({ lists: MAILCHIMP_LISTS.map((l) => ({ ...l, stats: { member_count: 0 } })), total_items: MAILCHIMP_LISTS.length });

      const m = path.match(/^\/3\.0\/lists\/([^/]+)\/members\/([^/]+)(\/tags)?$/);
      if (!m) return null;
      const [, listId, hash, tags] = m;
      if (!MAILCHIMP_LISTS.some((l) => l.id === listId))
        return problem(404, "Resource Not Found", "The requested resource could not be found.");
      const key = `${listId}:${hash}`;
      const existing = state.members.get(key);

      if (method === "PUT" && !tags) {
        if (!isObject(body)) return invalid([{ field: "", message: "Schema describes object, NULL found instead" }]);
        const errors = [];
        for (const k of Object.keys(body)) if (!MEMBER_FIELDS.has(k)) errors.push({ field: k, message: "Unknown field." });
        if (!isEmail(body.email_address)) errors.push({ field: "email_address", message: "This value should be a valid email address." });
        else if (md5(body.email_address.trim().toLowerCase()) !== hash)
          errors.push({ field: "email_address", message: "The email address does not match the subscriber hash in the URL." });
        for (const f of ["status", "status_if_new"])
          if (body[f] !== undefined && !STATUSES.includes(body[f]))
            errors.push({ field: f, message: `Value must be one of: ${STATUSES.join(", ")}.` });
        if (!existing && body.status === undefined && body.status_if_new === undefined)
          errors.push({ field: "status_if_new", message: "This value is required for a new member." });
        if (
          body.merge_fields !== undefined &&
          !(isObject(body.merge_fields) && Object.values(body.merge_fields).every((v) => typeof v === "string"))
        )
          errors.push({ field: "merge_fields", message: "Your merge fields were invalid." });
        if (errors.length) return invalid(errors);
        const now = new Date().toISOString().replace(/\.\d{3}Z$/, "+00:00");
        const member = existing ?? {
          id: hash,
          email_address: body.email_address,
          unique_email_id: randomUUID().slice(0, 10),
          web_id: state.nextWebId++,
          list_id: listId,
          status: body.status ?? body.status_if_new,
          merge_fields: {},
          tags: [],
          timestamp_signup: now,
        };
        if (existing && body.status) member.status = body.status;
        Object.assign(member.merge_fields, body.merge_fields ?? {});
        member.last_changed = now;
        state.members.set(key, member);
        return json(member);
      }

      if (method === "POST" && tags) {
        if (!existing) return problem(404, "Resource Not Found", "The requested resource could not be found.");
        if (!isObject(body) || !Array.isArray(body.tags) || body.tags.length === 0)
          return invalid([{ field: "tags", message: "Schema describes array, NULL found instead" }]);
        for (const t of body.tags) {
          if (
            !isObject(t) ||
            typeof t.name !== "string" ||
            !t.name.trim() ||
            t.name.length > 100 ||
            !["active", "inactive"].includes(t.status)
          )
            return invalid([
              { field: "tags", message: "Each tag needs a name (at most 100 characters) and a status of active or inactive." },
            ]);
        }
        for (const t of body.tags) {
          const has = existing.tags.findIndex((x) => x.name.toLowerCase() === t.name.toLowerCase());
          if (t.status === "active" && has < 0) existing.tags.push({ name: t.name });
          if (t.status === "inactive" && has >= 0) existing.tags.splice(has, 1);
        }
        return new Response(null, { status: 204 });
      }
      if (method === "GET" && !tags)
        return existing ? json(existing) : problem(404, "Resource Not Found", "The requested resource could not be found.");
      return null;
    },
  });
}
