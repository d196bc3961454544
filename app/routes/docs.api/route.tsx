import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { useLoaderData } from "@remix-run/react";
import { InlineMarkdown } from "~/components/inline-markdown";
import { loadApiDocs } from "./docs.server";
import { manualVerifyExample, nodeVerifyExample } from "./examples";
import { Code, FieldTable, OperationSection, TypeName } from "./operation";

export const handle = { access: "public" };

export const meta: MetaFunction = () => [
  { title: "API reference · Integrations Hub" },
  {
    name: "description",
    content: "The /v1 API: authentication, endpoints, errors, pagination, rate limits, events and webhook signatures.",
  },
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  return json(loadApiDocs(context.cloudflare.env, new URL(request.url).origin), { headers: { "Cache-Control": "public, max-age=300" } });
}

export default function ApiDocs() {
  const d = useLoaderData<typeof loader>();
  return (
    <main className="mx-auto max-w-4xl px-4 py-8 text-slate-800 sm:px-6">
      <h1 className="text-3xl font-semibold tracking-tight text-slate-900">API reference</h1>
      <p className="mt-2">
        Base URL <code>{d.baseUrl}</code>. Machine-readable:{" "}
        <a className="text-brand-700 underline" href="/v1/openapi.json">
          OpenAPI 3.1 document
        </a>
        .
      </p>
      <nav aria-label="On this page" className="mt-4 text-sm">
        <ul className="flex flex-wrap gap-x-4 gap-y-1">
          {["authentication", "errors", "pagination", "rate-limits", "retries", "endpoints", "events", "webhook-signatures", "schemas"].map(
            (id) => (
              <li key={id}>
                <a className="text-brand-700 underline" href={`#${id}`}>
                  {id.replace("-", " ")}
                </a>
              </li>
            ),
          )}
        </ul>
      </nav>

      <h2 id="authentication" className="mt-10 text-xl font-semibold">
        Authentication
      </h2>
      <p className="mt-2">
        Send an API key from <em>Integrations → API &amp; Webhooks</em> as a bearer token. Keys look like <code>sk_live_…</code>, carry
        scopes (<code>conversations:read</code>, <code>conversations:write</code>, <code>webhooks:read</code>, <code>webhooks:write</code>,{" "}
        <code>hooks</code>, which reaches only Zapier subscriptions, <code>orders:read</code> and <code>contacts:read</code>, for the AI
        agent&apos;s customer context) and are shown only once when created. Keys are secret: call the API from your server, never from a
        browser (the API sends no CORS headers).
      </p>
      <Code>{`export API_BASE="${d.baseUrl}"\nexport API_KEY="sk_live_…"\ncurl "$API_BASE/me" -H "Authorization: Bearer $API_KEY"`}</Code>

      <h2 id="errors" className="mt-10 text-xl font-semibold">
        Errors
      </h2>
      <p className="mt-2">
        Errors are <code>application/problem+json</code> (RFC 9457) with <code>type</code>, <code>title</code>, <code>status</code> and{" "}
        <code>detail</code>. A 400 adds <code>errors</code>: each invalid field (dotted path) with its messages. 401: missing, invalid,
        revoked or expired key. 403: the key lacks the scope. 404: no such id in your company. 405: wrong method. 409: conflicting state, or
        a request with the same <code>Idempotency-Key</code> still running. 413: body over 64 KB. 415: body not JSON. 422: refused as sent,
        or an <code>Idempotency-Key</code> reused for another request. 429: rate limited.
      </p>
      <Code>
        {JSON.stringify(
          {
            type: "about:blank",
            title: "Bad Request",
            status: 400,
            detail: "The request body is not valid.",
            errors: { "contact.email": ["Enter a valid email address"] },
          },
          null,
          2,
        )}
      </Code>

      <h2 id="pagination" className="mt-10 text-xl font-semibold">
        Pagination
      </h2>
      <p className="mt-2">
        Lists return <code>{'{ "data": [...], "next_cursor": "…" | null }'}</code>, newest first. Pass <code>limit</code> (1–100, default
        25) and, for the next page, <code>cursor=&lt;next_cursor&gt;</code>. A null <code>next_cursor</code> means the last page.
      </p>

      <h2 id="rate-limits" className="mt-10 text-xl font-semibold">
        Rate limits
      </h2>
      <p className="mt-2">
        Each key may make {d.rateLimit} requests per minute (sliding window). Every response carries <code>RateLimit-Limit</code>,{" "}
        <code>RateLimit-Remaining</code>, <code>RateLimit-Reset</code> (seconds) and <code>RateLimit-Policy</code>. Over the limit you get a
        429 with <code>Retry-After</code> in seconds.
      </p>

      <h2 id="retries" className="mt-10 text-xl font-semibold">
        Retries and idempotency
      </h2>
      <p className="mt-2">
        Reads, <code>PATCH</code> and <code>DELETE</code> are safe to repeat. To retry a <code>POST</code> (or any write) whose answer you
        did not get, send an <code>Idempotency-Key</code> header: a new unique value (a UUID) per request, and the same value when you retry
        it. Within 24 hours a repeat of a request that succeeded changes nothing and gets the first answer again, with{" "}
        <code>Idempotent-Replayed: true</code> (a new endpoint&apos;s <code>secret</code> included). A repeat while the first is still
        running gets a 409 with <code>Retry-After</code>; the same key with another method, path or body gets a 422. An error answer keeps
        nothing, so you may fix the request and send it again under the same key. Keys are 1–255 visible ASCII characters and belong to your
        company.
      </p>
      <Code>{`curl -X POST "$API_BASE/conversations" -H "Authorization: Bearer $API_KEY" \\
  -H "Idempotency-Key: 8e03978e-40d5-43e8-bc93-6894a57f9324" -H "Content-Type: application/json" \\
  -d '{"contact":{"email":"pat@example.com"},"message":{"body":"Where is my order?"}}'`}</Code>

      <h2 id="endpoints" className="mt-10 text-xl font-semibold">
        Endpoints
      </h2>
      {d.operations.map((op) => (
        <OperationSection key={op.id} op={op} />
      ))}

      <h2 id="events" className="mt-10 text-xl font-semibold">
        Events
      </h2>
      <p className="mt-2">
        Every change produces an event, delivered to subscribed webhook endpoints and listed by <code>GET /v1/events</code>. The webhook
        body is exactly the event object. <code>performed_by.type</code> is one of contact, ai, agent, api_key, zapier, system. Each type
        has a JSON Schema, published in the{" "}
        <a className="text-brand-700 underline" href="/v1/openapi.json">
          OpenAPI document
        </a>
        &apos;s <code>webhooks</code> section under its name; the same fields come from every channel (API, widget, email, Slack, WhatsApp,
        help desks).
      </p>
      {d.events.map((e) => (
        <section key={e.type} aria-labelledby={`event-${e.type}`} className="mt-6 border-t border-slate-200 pt-4">
          <h3 id={`event-${e.type}`} className="font-mono font-semibold">
            {e.type}
          </h3>
          <p className="mt-1 text-sm">
            <InlineMarkdown text={e.description} />
            {e.schema ? (
              <>
                {" "}
                Schema:{" "}
                <a href={`#schema-${e.schema}`} className="font-mono text-brand-700 underline">
                  {e.schema}
                </a>
                .
              </>
            ) : null}
          </p>
          <FieldTable caption={`Fields of ${e.type}`} rows={e.fields} />
          <Code label={`Example ${e.type} body`}>{e.sample}</Code>
        </section>
      ))}

      <h2 id="webhook-signatures" className="mt-10 text-xl font-semibold">
        Verifying webhook signatures
      </h2>
      <p className="mt-2">
        Webhooks follow{" "}
        <a className="text-brand-700 underline" href="https://www.standardwebhooks.com/">
          Standard Webhooks
        </a>
        . Each request has <code>webhook-id</code> (the event id, stable across retries), <code>webhook-timestamp</code> (unix seconds) and{" "}
        <code>webhook-signature</code>: space-separated <code>v1,&lt;signature&gt;</code> where the signature is the base64 HMAC-SHA256 of{" "}
        <code>{"{id}.{timestamp}.{body}"}</code> keyed with the base64-decoded part of your secret after <code>whsec_</code>. During a
        secret rotation two signatures are sent; accept either. Verify the raw body bytes, refuse timestamps more than five minutes off, and
        deduplicate by <code>webhook-id</code>.
      </p>
      <h3 className="mt-4 font-semibold">Node, with the standardwebhooks package</h3>
      <Code>{nodeVerifyExample}</Code>
      <h3 className="mt-4 font-semibold">By hand</h3>
      <Code>{manualVerifyExample}</Code>

      <h2 id="schemas" className="mt-10 text-xl font-semibold">
        Schemas
      </h2>
      <p className="mt-2">The objects the endpoints above take and return. Fields marked required are always present in responses.</p>
      {d.schemas.map((s) => (
        <section
          key={s.name}
          id={`schema-${s.name}`}
          aria-labelledby={`schema-${s.name}-h`}
          className="mt-6 border-t border-slate-200 pt-4"
        >
          <h3 id={`schema-${s.name}-h`} className="font-mono font-semibold">
            {s.name}
          </h3>
          {s.description ? (
            <p className="mt-1 text-sm">
              <InlineMarkdown text={s.description} />
            </p>
          ) : null}
          {s.fields.length ? (
            <FieldTable caption={`Fields of ${s.name}`} rows={s.fields} />
          ) : s.type ? (
            <p className="mt-1 text-sm">
              <TypeName type={s.type} />
              {s.notes.length ? <span className="text-slate-600"> · {s.notes.join(" · ")}</span> : null}
            </p>
          ) : null}
        </section>
      ))}
    </main>
  );
}
