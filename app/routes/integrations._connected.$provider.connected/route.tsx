import { json, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { FeatureList } from "~/components/feature-list";
import { Modal } from "~/components/modal";
import { CheckIcon } from "~/components/modal-icons";
import { SetupValues } from "~/components/setup-values";
import { adapterOf, adminWithRequiredConnection, featuresOf, hasConfigureScreen } from "~/integration-routes.server";

export const handle = { access: "admin" };

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { provider, connection } = await adminWithRequiredConnection(request, context, params.provider);
  const adapter = adapterOf(provider);
  return json({
    // What to paste into the provider's dashboard now that the connection exists (WhatsApp's verify token).
    setup: adapter.setup ? adapter.setup({ connection, origin: new URL(request.url).origin }) : null,
    provider: { id: provider.id, name: provider.name, features: featuresOf(provider).features },
    accountLabel: connection.accountLabel,
    configurable: hasConfigureScreen(provider),
  });
}

export default function ConnectedSuccess() {
  const { provider, accountLabel, configurable, setup } = useLoaderData<typeof loader>();
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
      </div>
      <div className="mt-5">
        <FeatureList name={provider.name} features={provider.features} heading="What it does now:" />
      </div>
      {setup ? <SetupValues setup={setup} /> : null}
    </Modal>
  );
}
