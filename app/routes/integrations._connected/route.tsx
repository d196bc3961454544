import { json, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Link, Outlet, useLoaderData } from "@remix-run/react";
import { connectedOverviewQueries, toConnectedOverview } from "~/lib/integrations/connections.server";
import { requireAdminWith } from "~/sessions.server";
import { shellData } from "~/shell.server";
import { connectedCards } from "./cards.server";
import { ConnectedCard } from "./connected-card";

export const handle = { access: "admin" };

/** The Connected tab, and the layout its modals (connect, configure, disconnect…) render over. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const env = context.cloudflare.env;
  const now = new Date();
  // The whole page in one D1 round trip: the admin check and the overview share one db.batch.
  const { user, results } = await requireAdminWith(request, context, (db, companyId) => connectedOverviewQueries(db, companyId, now));
  const cards = connectedCards({ env, user, overview: toConnectedOverview(results) });
  return json({ cards, shell: shellData(user, env) });
}

export default function ConnectedLayout() {
  const { cards } = useLoaderData<typeof loader>();
  return (
    <>
      <section aria-labelledby="connected-heading">
        <h2 id="connected-heading" className="mb-4 text-lg font-semibold">{`Connected Integrations (${cards.length})`}</h2>
        {cards.length === 0 ? (
          <div className="card p-8 text-center">
            <p className="mx-auto max-w-md text-sm text-slate-600">
              Nothing is connected yet. Browse the available integrations to connect Slack, your CRM, or email forwarding.
            </p>
            <Link to="/integrations/available" className="btn-primary mt-5">
              Browse available integrations
            </Link>
          </div>
        ) : (
          <ul className="space-y-4">
            {cards.map((card) => (
              <li key={card.id}>
                <ConnectedCard card={card} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <Outlet />
    </>
  );
}
