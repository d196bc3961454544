// A stateful fake of the Zendesk Support API the app calls on `{subdomain}.zendesk.com`:
// users/me, tickets (create with Idempotency-Key, list by external_id, show, update) and
// webhooks (create, signing secret). Credentials are HTTP Basic `{email}/token:{api_token}`;
// errors are Zendesk's { error, description, details }. When a ticket's status changes and a
// webhook subscribes to `zen:event-type:ticket.status_changed`, the fake POSTs the event to the
// webhook's endpoint signed as Zendesk signs: X-Zendesk-Webhook-Signature = base64
// HMAC-SHA256(timestamp + body) with the webhook's signing secret.
import { createFake, isEmail, isObject, json } from "./kit.mjs";

export const ZENDESK_AGENT = { id: 36100001, name: "Sam Agent (Sandbox)", email: "sam@acme.com", role: "admin" };
const STATUSES = ["new", "open", "pending", "hold", "solved", "closed"];
const PRIORITIES = [undefined, null, "urgent", "high", "normal", "low"];
const STATUS_EVENT = "zen:event-type:ticket.status_changed";

const invalid = (details) => json({ error: "RecordInvalid", description: "Record validation errors", details }, 422);
const blank = (field, label) => ({ [field]: [{ description: `${label}: cannot be blank`, error: "BlankValue" }] });

function seed() {
  return {
    nextTicket: 101,
    nextWebhook: 1,
    tickets: new Map(),
    users: new Map([[ZENDESK_AGENT.email, ZENDESK_AGENT]]),
    idempotency: new Map(),
    webhooks: new Map(),
    deliveries: [],
  };
}

async function sign(secret, timestamp, body) {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(timestamp + body));
  return btoa(String.fromCharCode(...new Uint8Array(mac)));
}

/** `deliver(url, init)` sends a webhook (the Node sandbox passes fetch). */
export function createZendeskFake({ onCall, credentials, deliver = (url, init) => fetch(url, init) } = {}) {
  const accepts = ({ auth, credentials }) =>
    (auth.scheme === "basic" && /^[^/\s]+@[^/\s]+\/token$/.test(auth.user) && credentials.accepts(auth.password)) ||
    (auth.scheme === "bearer" && credentials.accepts(auth.token));

  async function notify(state, ticket, previous) {
    const hooks = [...state.webhooks.values()].filter((w) => w.status === "active" && w.subscriptions.includes(STATUS_EVENT));
    for (const hook of hooks) {
      const body = JSON.stringify({
        account_id: 4242,
        detail: {
          id: String(ticket.id),
          status: ticket.status.toUpperCase(),
          external_id: ticket.external_id,
          subject: ticket.subject,
          requester_id: String(ticket.requester_id),
          updated_at: ticket.updated_at,
        },
        event: { current: ticket.status.toUpperCase(), previous: previous.toUpperCase() },
        id: crypto.randomUUID(),
        subject: `zen:ticket:${ticket.id}`,
        time: new Date().toISOString(),
        type: STATUS_EVENT,
        zendesk_event_version: "2022-11-06",
      });
      const timestamp = new Date().toISOString();
      const signature = await sign(hook.secret, timestamp, body);
      const delivery = { webhook: hook.id, endpoint: hook.endpoint, status: null };
      state.deliveries.push(delivery);
      try {
        const res = await deliver(hook.endpoint, {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            "X-Zendesk-Webhook-Signature": signature,
            "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
            "X-Zendesk-Webhook-Id": hook.id,
          },
          body,
        });
        delivery.status = res.status;
        await res.body?.cancel();
      } catch (e) {
        delivery.status = String(e?.message ?? e);
      }
    }
  }

  return createFake({
    provider: "zendesk",
    onCall,
    credentials,
    seed,
    snapshot: (state) => ({
      tickets: [...state.tickets.values()],
      webhooks: [...state.webhooks.values()].map(({ secret: _s, ...w }) => w),
      deliveries: state.deliveries,
    }),
    // users/me answers an anonymous user without credentials; every other call needs them.
    authenticate: ({ auth, credentials, path }) =>
      (auth.scheme === "none" && path.replace(/\.json$/, "") === "/api/v2/users/me") || accepts({ auth, credentials }),
    unauthorized: () => json({ error: "Couldn't authenticate you" }, 401),
    rateLimited: () => ({ error: "APIRateLimitExceeded", description: "Number of allowed API requests per minute exceeded" }),
    notFound: () => json({ error: "InvalidEndpoint", description: "Not found" }, 404),
    routes: async ({ method, path, query, body, request, auth, state }) => {
      const now = new Date().toISOString();
      const base = new URL(request.url).origin;
      const show = (t) => ({ ...t, url: `${base}/api/v2/tickets/${t.id}.json` });
      const p = path.replace(/\.json$/, "");

      if (method === "GET" && p === "/api/v2/users/me") {
        if (auth.scheme === "none")
          return json({ user: { id: null, url: null, name: "Anonymous user", email: "invalid@example.com", role: "end-user" } });
        return json({ user: { ...ZENDESK_AGENT, url: `${base}/api/v2/users/${ZENDESK_AGENT.id}.json` } });
      }

      if (method === "POST" && p === "/api/v2/tickets") {
        if (!isObject(body) || !isObject(body.ticket))
          return json({ error: "InvalidEndpoint", description: "The ticket object is required" }, 400);
        const t = body.ticket;
        const key = request.headers.get("idempotency-key");
        const fingerprint = JSON.stringify(t);
        if (key && state.idempotency.has(key)) {
          const seen = state.idempotency.get(key);
          if (seen.fingerprint !== fingerprint)
            return json(
              {
                error: "IdempotentRequestError",
                description: "The request parameters do not match the original request made with this idempotency key",
              },
              400,
            );
          return json({ ticket: show(state.tickets.get(seen.ticketId)), audit: {} }, 201, { "x-idempotency-lookup": "hit" });
        }
        const comment = t.comment;
        if (
          !isObject(comment) ||
          !(
            (typeof comment.body === "string" && comment.body.trim()) ||
            (typeof comment.html_body === "string" && comment.html_body.trim())
          )
        )
          return invalid(blank("description", "Description"));
        if (comment.public !== undefined && typeof comment.public !== "boolean")
          return invalid({ comment: [{ description: "Comment: public must be a boolean", error: "InvalidValue" }] });
        if (t.subject !== undefined && typeof t.subject !== "string")
          return invalid({ subject: [{ description: "Subject: must be a string", error: "InvalidValue" }] });
        if ((t.subject ?? "").length > 150)
          return invalid({ subject: [{ description: "Subject: is too long (maximum is 150 characters)", error: "TooLong" }] });
        if (t.tags !== undefined && !(Array.isArray(t.tags) && t.tags.every((x) => typeof x === "string" && !/\s/.test(x))))
          return invalid({ tags: [{ description: "Tags: must be a list of words", error: "InvalidValue" }] });
        if (t.status !== undefined && !STATUSES.includes(t.status))
          return invalid({ status: [{ description: "Status: is not valid", error: "InvalidValue" }] });
        if (!PRIORITIES.includes(t.priority))
          return invalid({ priority: [{ description: "Priority: is not valid", error: "InvalidValue" }] });
        let requester = state.users.get(ZENDESK_AGENT.email);
        if (t.requester !== undefined) {
          if (!isObject(t.requester) || !isEmail(t.requester.email))
            return invalid({ requester: [{ description: "Requester: Email is invalid", error: "InvalidValue" }] });
          requester = state.users.get(t.requester.email.toLowerCase());
          if (!requester) {
            if (typeof t.requester.name !== "string" || t.requester.name.trim().length < 1)
              return invalid({ requester: [{ description: "Requester: Name is too short (minimum is 1 characters)", error: "TooShort" }] });
            requester = {
              id: 36200000 + state.users.size,
              name: t.requester.name,
              email: t.requester.email.toLowerCase(),
              role: "end-user",
            };
            state.users.set(requester.email, requester);
          }
        }
        const id = state.nextTicket++;
        const ticket = {
          id,
          external_id: t.external_id ?? null,
          subject: t.subject ?? null,
          description: comment.body ?? comment.html_body,
          status: t.status ?? "new",
          priority: t.priority ?? null,
          requester_id: requester.id,
          requester: { name: requester.name, email: requester.email },
          tags: [...new Set(t.tags ?? [])],
          comments: [{ body: comment.body ?? comment.html_body, public: comment.public ?? true }],
          created_at: now,
          updated_at: now,
        };
        state.tickets.set(id, ticket);
        if (key) state.idempotency.set(key, { fingerprint, ticketId: id });
        return json({ ticket: show(ticket), audit: { ticket_id: id, created_at: now } }, 201);
      }

      // Users search: `query` matches a user's email or name (Zendesk matches any property, partly).
      if (method === "GET" && p === "/api/v2/users/search") {
        const q = String(query.query ?? "")
          .toLowerCase()
          .trim();
        if (!q && !query.external_id) return json({ error: "InvalidParameter", description: "query or external_id is required" }, 400);
        const users = [...state.users.values()].filter((u) => q && (u.email.includes(q) || u.name.toLowerCase().includes(q)));
        return json({
          users: users.map((u) => ({ ...u, url: `${base}/api/v2/users/${u.id}.json`, active: true })),
          count: users.length,
          next_page: null,
          previous_page: null,
        });
      }

      const requested = p.match(/^\/api\/v2\/users\/(\d+)\/tickets\/requested$/);
      if (method === "GET" && requested) {
        const userId = Number(requested[1]);
        if (![...state.users.values()].some((u) => u.id === userId))
          return json({ error: "RecordNotFound", description: "Not found" }, 404);
        const desc = (query.sort_order ?? "desc") === "desc";
        const list = [...state.tickets.values()]
          .filter((t) => t.requester_id === userId)
          .sort(
            (a, b) =>
              (desc ? -1 : 1) *
              String(a[query.sort_by ?? "created_at"] ?? "").localeCompare(String(b[query.sort_by ?? "created_at"] ?? "")),
          );
        return json({ tickets: list.map(show), count: list.length, next_page: null, previous_page: null });
      }

      if (method === "GET" && p === "/api/v2/tickets") {
        const list = [...state.tickets.values()].filter((t) => query.external_id === undefined || t.external_id === query.external_id);
        return json({ tickets: list.map(show), count: list.length, next_page: null, previous_page: null });
      }

      const ticketPath = p.match(/^\/api\/v2\/tickets\/(\d+)$/);
      if (ticketPath) {
        const ticket = state.tickets.get(Number(ticketPath[1]));
        if (!ticket) return json({ error: "RecordNotFound", description: "Not found" }, 404);
        if (method === "GET") return json({ ticket: show(ticket) });
        if (method === "PUT") {
          if (!isObject(body) || !isObject(body.ticket))
            return json({ error: "InvalidEndpoint", description: "The ticket object is required" }, 400);
          const t = body.ticket;
          if (t.status !== undefined && !STATUSES.includes(t.status))
            return invalid({ status: [{ description: "Status: is not valid", error: "InvalidValue" }] });
          if (ticket.status === "closed")
            return invalid({ status: [{ description: "Status: closed prevents ticket update", error: "ClosedPreventsUpdate" }] });
          const previous = ticket.status;
          if (t.status) ticket.status = t.status;
          if (isObject(t.comment))
            ticket.comments.push({ body: t.comment.body ?? t.comment.html_body ?? "", public: t.comment.public ?? true });
          ticket.updated_at = now;
          if (previous !== ticket.status) await notify(state, ticket, previous);
          return json({ ticket: show(ticket), audit: {} });
        }
      }

      if (method === "POST" && p === "/api/v2/webhooks") {
        const w = body?.webhook;
        if (
          !isObject(w) ||
          typeof w.name !== "string" ||
          !/^https?:\/\//.test(w.endpoint ?? "") ||
          w.http_method !== "POST" ||
          w.request_format !== "json" ||
          !["active", "inactive"].includes(w.status)
        ) {
          return json(
            {
              errors: [
                {
                  code: "InvalidInput",
                  title: "Invalid input",
                  detail: "name, endpoint, http_method POST, request_format json and status are required",
                },
              ],
            },
            400,
          );
        }
        if (!Array.isArray(w.subscriptions) || !w.subscriptions.every((s) => typeof s === "string"))
          return json({ errors: [{ code: "InvalidInput", title: "Invalid subscriptions" }] }, 400);
        const id = `01SANDBOXWEBHOOK${String(state.nextWebhook++).padStart(4, "0")}`;
        const secret = `sandbox_whsec_${crypto.randomUUID().replaceAll("-", "")}`;
        const hook = {
          id,
          name: w.name,
          endpoint: w.endpoint,
          http_method: "POST",
          request_format: "json",
          status: w.status,
          subscriptions: w.subscriptions,
          created_at: now,
          secret,
        };
        state.webhooks.set(id, hook);
        const { secret: _s, ...out } = hook;
        return json({ webhook: out }, 201);
      }

      const secretPath = p.match(/^\/api\/v2\/webhooks\/([\w]+)\/signing_secret$/);
      if (method === "GET" && secretPath) {
        const hook = state.webhooks.get(secretPath[1]);
        return hook
          ? json({ signing_secret: { algorithm: "SHA256", secret: hook.secret } })
          : json({ errors: [{ code: "WebhookNotFound", title: "Webhook not found" }] }, 404);
      }
      const hookPath = p.match(/^\/api\/v2\/webhooks\/([\w]+)$/);
      if (method === "DELETE" && hookPath) {
        return state.webhooks.delete(hookPath[1])
          ? new Response(null, { status: 204 })
          : json({ errors: [{ code: "WebhookNotFound", title: "Webhook not found" }] }, 404);
      }
      return null;
    },
  });
}
