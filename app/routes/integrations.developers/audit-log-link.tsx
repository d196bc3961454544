import { Link } from "@remix-run/react";

/** Where the API & Webhooks tab points to its audit log (issue 18 item 6). */
export function AuditLogLink() {
  return (
    <section aria-labelledby="audit-log-link" className="rounded-lg border border-slate-200 bg-white p-4 text-sm">
      <h2 id="audit-log-link" className="text-base font-semibold text-slate-900">
        Audit log
      </h2>
      <p className="mt-1 text-slate-600">Who connected, configured, disconnected, created, rotated or revoked what, and when.</p>
      <Link to="/integrations/developers/audit" className="mt-2 inline-block text-brand-700 underline">
        View the audit log
      </Link>
    </section>
  );
}
