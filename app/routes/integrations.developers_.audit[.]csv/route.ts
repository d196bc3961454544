import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { auditCsv, auditExportQuery, parseAuditFilter } from "~/lib/audit-log.server";
import { requireAdminWith } from "~/sessions.server";

export const handle = { access: "admin" };

/** The Audit log page's CSV export: the same filter, every matching row (bounded), cells made formula-safe. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const parsed = parseAuditFilter(new URL(request.url).searchParams);
  const filter = parsed.ok ? parsed.filter : {};
  const {
    results: [rows],
  } = await requireAdminWith(request, context, (db, companyId) => [auditExportQuery(db, companyId, filter)] as const);
  if (!parsed.ok) {
    const message = Object.entries(parsed.errors).map(([field, list]) => `${field}: ${list.join(" ")}`);
    return new Response(`The filter is not valid.\n${message.join("\n")}\n`, {
      status: 400,
      headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
    });
  }
  return new Response(auditCsv(rows), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="audit-log-${new Date().toISOString().slice(0, 10)}.csv"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
