import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { openAlertsQuery, openAlertViews } from "~/lib/alerts/alerts.server";
import { requireAdminWith } from "~/sessions.server";

// Every tab's loader checks the admin and returns `shell` (see shell.server.ts). This one reads the
// open health alerts (ADR 0110) for the banner: its statement joins the tab's in the request's one
// D1 batch (requireAdminWith), so the banner costs no round trip of its own.
// A module of its own so the browser bundle of every /integrations page carries one empty stub for it,
// not a shared chunk (one more request) for ~/sessions.server. Its name is unique on purpose: the Remix
// compiler's empty stubs are keyed by the import specifier, so two routes importing "./loader.server"
// share one stub chunk, again one more request (ADR 0150).
export async function loader({ request, context }: LoaderFunctionArgs) {
  const {
    results: [rows],
  } = await requireAdminWith(request, context, (db, companyId) => [openAlertsQuery(db, companyId)] as const);
  return { alerts: openAlertViews(rows) };
}
