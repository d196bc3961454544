import { json, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { FeatureList } from "~/components/feature-list";
import { CheckIcon } from "~/components/icons";
import { Modal } from "~/components/modal";
import { requireAdmin } from "~/sessions.server";
import { adapterOf, hasConfigureScreen, requireConnection, requireProvider } from "../integrations._connected/shared.server";

export const handle = { access: "admin" };

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireAdmin(request, context);
  const provider = requireProvider(params.provider);
  const connection = await requireConnection(context, user, provider);
  return json({
    provider: { id: provider.id, name: provider.name, worksToday: provider.worksToday },
    accountLabel: connection.accountLabel,
    configurable: hasConfigureScreen(provider),
    features: [...adapterOf(provider).features],
  });
}

export default function ConnectedSuccess() {
  const { provider, accountLabel, configurable, features } = useLoaderData<typeof loader>();
  return (
    <Modal
      title="Connection Successful"
      closeTo="/integrations"
      size="sm"
      footer={
        <>
          {configurable ? (
            <Link to={`/integrations/${provider.id}/configure`} className="btn-secondary">
              Configure Settings
            </Link>
          ) : null}
          <Link to="/integrations" className="btn-primary">
            Done
          </Link>
        </>
      }
    >
      <div className="text-center">
        <span className="mx-auto flex size-12 items-center justify-center rounded-full bg-emerald-100 text-emerald-700">
          <CheckIcon className="size-7" />
        </span>
        <p className="mt-4 text-lg font-medium text-slate-900">Successfully connected to {provider.name}!</p>
        {accountLabel ? <p className="mt-1 break-all text-sm text-slate-700">Account: {accountLabel}</p> : null}
        <p className="mt-3 text-sm text-slate-700">{provider.worksToday}</p>
      </div>
      <FeatureList features={features} className="mt-3 text-left" />
    </Modal>
  );
}
