import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { ErrorList } from "~/components/forms";
import { LocalTime } from "~/components/local-time";
import { AUDIT_ACTIONS, AUDIT_AREAS } from "~/lib/audit-actions";
import { type AuditEntry, type AuditFilter, auditPage, auditPageQueries, parseAuditFilter } from "~/lib/audit-log.server";
import { requireAdminWith } from "~/sessions.server";
import { shellData } from "~/shell.server";

export const handle = { access: "admin" };
export const meta: MetaFunction = () => [{ title: "Audit log · API & Webhooks · Integrations" }];

const PATH = "/integrations/developers/audit";
const FILTER_KEYS = ["action", "actor", "from", "to"] as const;

/** One D1 round trip: the admin check, a page of rows and the "Who" options in one batch (ADR 0040). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const env = context.cloudflare.env;
  const parsed = parseAuditFilter(new URL(request.url).searchParams);
  const filter: AuditFilter = parsed.ok ? parsed.filter : {};
  const {
    user,
    results: [rows, actors],
  } = await requireAdminWith(request, context, (db, companyId) => auditPageQueries(db, companyId, filter));
  const page = auditPage(parsed.ok ? rows : [], actors);
  const values = parsed.ok ? Object.fromEntries(FILTER_KEYS.map((k) => [k, parsed.filter[k] ?? ""])) : parsed.values;
  return json(
    {
      ...page,
      values,
      errors: parsed.ok ? {} : parsed.errors,
      paged: Boolean(parsed.ok && parsed.filter.cursor),
      shell: shellData(user, env),
    },
    { status: parsed.ok ? 200 : 400, headers: { "Cache-Control": "no-store" } },
  );
}

function query(values: Record<string, string>, extra: Record<string, string> = {}) {
  const params = new URLSearchParams();
  for (const k of FILTER_KEYS) if (values[k]) params.set(k, values[k]!);
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  const s = params.toString();
  return s ? `?${s}` : "";
}

const areaOf = (action: string) => action.slice(0, action.indexOf("."));

export default function AuditLog() {
  const { entries, nextCursor, actors, values, errors, paged } = useLoaderData<typeof loader>();
  const err = (k: string) => (errors as Record<string, string[]>)[k];
  const filtered = FILTER_KEYS.some((k) => values[k]);
  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 className="text-xl font-semibold text-slate-900">Audit log</h2>
          <p className="mt-1 text-sm text-slate-600">
            Who connected, configured, disconnected, created, rotated or revoked what, and when. Secrets are never recorded here.
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          <Link to="/integrations/developers" className="btn-secondary">
            Back to API &amp; Webhooks
          </Link>
          <a href={`${PATH}.csv${query(values as Record<string, string>)}`} className="btn-secondary" download>
            Export CSV
          </a>
        </div>
      </div>

      <Form method="get" className="grid gap-3 rounded-md border border-slate-200 p-3 sm:grid-cols-2 lg:grid-cols-5 lg:items-end">
        <div>
          <label htmlFor="audit-action" className="label">
            Action
          </label>
          <select
            id="audit-action"
            name="action"
            defaultValue={values.action}
            className="input"
            aria-describedby={err("action") ? "audit-action-error" : undefined}
          >
            <option value="">All actions</option>
            {Object.entries(AUDIT_AREAS).map(([area, label]) => (
              <optgroup key={area} label={label}>
                <option value={area}>All: {label}</option>
                {Object.entries(AUDIT_ACTIONS)
                  .filter(([action]) => areaOf(action) === area)
                  .map(([action, text]) => (
                    <option key={action} value={action}>
                      {text}
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
          <ErrorList id="audit-action-error" errors={err("action")} />
        </div>
        <div>
          <label htmlFor="audit-actor" className="label">
            Who
          </label>
          <select
            id="audit-actor"
            name="actor"
            defaultValue={values.actor}
            className="input"
            aria-describedby={err("actor") ? "audit-actor-error" : undefined}
          >
            <option value="">Anyone</option>
            {actors.map((a) => (
              <option key={a.value} value={a.value}>
                {a.label}
              </option>
            ))}
          </select>
          <ErrorList id="audit-actor-error" errors={err("actor")} />
        </div>
        <DateInput name="from" label="From (UTC)" value={values.from} errors={err("from")} />
        <DateInput name="to" label="To (UTC)" value={values.to} errors={err("to")} />
        <div className="flex gap-2">
          <button type="submit" className="btn-primary">
            Filter
          </button>
          {filtered ? (
            <Link to={PATH} className="btn-secondary">
              Clear
            </Link>
          ) : null}
        </div>
      </Form>
      <ErrorList id="audit-cursor-error" errors={err("cursor")} />

      {entries.length === 0 ? (
        <p className="rounded-md bg-slate-100 px-3 py-2 text-sm">
          {Object.keys(errors).length ? "Fix the filter above to see entries." : "No entries match."}
        </p>
      ) : (
        <ol aria-label="Audit log entries" className="divide-y divide-slate-200 rounded-md border border-slate-200 bg-white text-sm">
          {entries.map((e) => (
            <Entry key={e.id} entry={e} />
          ))}
        </ol>
      )}
      <nav aria-label="Audit log pages" className="flex flex-wrap gap-4 text-sm">
        {paged ? (
          <Link className="underline" to={`${PATH}${query(values as Record<string, string>)}`}>
            Newest entries
          </Link>
        ) : null}
        {nextCursor ? (
          <Link className="underline" to={`${PATH}${query(values as Record<string, string>, { cursor: nextCursor })}`}>
            Older entries
          </Link>
        ) : null}
      </nav>
    </div>
  );
}

function Entry({ entry: e }: { entry: AuditEntry }) {
  return (
    <li className="grid gap-1 p-3 md:grid-cols-[12rem_1fr]">
      <div className="text-slate-600">
        <LocalTime value={e.at} />
      </div>
      <div className="min-w-0 space-y-1">
        <p>
          <span className="font-medium text-slate-900">{e.actor}</span> · {e.description}{" "}
          <code className="font-mono text-xs text-slate-600">{e.action}</code>
        </p>
        {e.target ? (
          <p className="break-all text-slate-700">
            Target: <code className="font-mono text-xs">{e.target}</code>
          </p>
        ) : null}
        {e.details.length ? (
          <dl className="flex flex-wrap gap-x-4 gap-y-1 text-slate-700">
            {e.details.map(([k, v]) => (
              <div key={k} className="flex min-w-0 gap-1">
                <dt className="text-slate-600">{k}:</dt>
                <dd className="break-all">{v}</dd>
              </div>
            ))}
          </dl>
        ) : null}
        {e.ip ? <p className="text-xs text-slate-600">From {e.ip}</p> : null}
      </div>
    </li>
  );
}

function DateInput({ name, label, value, errors }: { name: string; label: string; value?: string; errors?: string[] }) {
  const id = `audit-${name}`;
  return (
    <div>
      <label htmlFor={id} className="label">
        {label}
      </label>
      <input
        id={id}
        name={name}
        type="date"
        defaultValue={value}
        className="input"
        aria-invalid={errors ? true : undefined}
        aria-describedby={errors ? `${id}-error` : undefined}
      />
      <ErrorList id={`${id}-error`} errors={errors} />
    </div>
  );
}
