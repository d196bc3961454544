import { json, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { availableListing } from "~/integration-routes.server";
import { connectedOverviewQueries, toConnectedOverview } from "~/lib/integrations/connections.server";
import { requireAdminWith } from "~/sessions.server";
import { shellData } from "~/shell.server";
import { connectedCards } from "./cards.server";

/**
 * The Connected tab's data: the cards and, under them, what is not connected yet (the spec's
 * layout). One module, so the browser bundle of /integrations carries one empty stub for it
 * instead of one per server module (the page's JS budget, docs/architecture.md §8).
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const env = context.cloudflare.env;
  const now = new Date();
  // The whole page in one D1 round trip: the admin check and the overview share one db.batch.
  const { user, results } = await requireAdminWith(request, context, (db, companyId) => connectedOverviewQueries(db, companyId, now));
  const overview = toConnectedOverview(results);
  const cards = connectedCards({ env, user, overview });
  // Connect from here opens the consent modal over this tab, so the page behind it stays put.
  const available = availableListing({
    url: new URL(request.url),
    env,
    connected: new Set(overview.connections.map((c) => c.provider)),
    hide: true,
    href: (id) => `/integrations/${id}/connect`,
  });
  return json({ cards, available, shell: shellData(user, env) });
}
