import { Outlet, useLoaderData } from "@remix-run/react";
import { AvailableSection } from "~/components/available-list";
import { ConnectedCard } from "./connected-card";
import type { loader } from "./loader.server";

export { loader } from "./loader.server";

export const handle = { access: "admin" };

/** The Connected tab (the connected cards, then what is available), and the layout its modals render over. */
export default function ConnectedLayout() {
  const { cards, available } = useLoaderData<typeof loader>();
  return (
    <>
      <section aria-labelledby="connected-heading">
        <h2 id="connected-heading" className="mb-4 text-lg font-semibold">{`Connected Integrations (${cards.length})`}</h2>
        {cards.length === 0 ? (
          <p className="card p-5 text-sm text-slate-600">Nothing is connected yet: choose one below.</p>
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
      <div className="mt-10">
        <AvailableSection path="/integrations" {...available} />
      </div>
      <Outlet />
    </>
  );
}
