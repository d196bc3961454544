import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData, useLocation } from "@remix-run/react";
import { IntegrationLogo, SandboxBadge } from "~/components/integration-logo";
import { Modal } from "~/components/modal";
import { adapterOf, adminWithConnection, featuresOf } from "~/integration-routes.server";
import { categoryLabel, isSandboxed } from "~/lib/integrations/catalog";
import { ProviderFacts } from "./provider-facts";

export const handle = { access: "admin" };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.provider.name} · Integrations` : "Integrations" }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { provider, connection } = await adminWithConnection(request, context, params.provider);
  const env = context.cloudflare.env;
  return json({
    provider: {
      id: provider.id,
      name: provider.name,
      logo: provider.logo,
      category: categoryLabel(provider.category),
      longDescription: provider.longDescription,
      ...featuresOf(provider),
      permissions: [...provider.permissions],
      authKind: provider.authKind,
    },
    connected: Boolean(connection),
    // the consent modal nested under this tab, so the page behind stays on Available
    connectTo: adapterOf(provider).ownConnectScreen
      ? `/integrations/${provider.id}/connect`
      : `/integrations/available/${provider.id}/connect`,
    sandbox: isSandboxed(provider, env),
  });
}

export default function ProviderDetail() {
  const { provider, connected, sandbox, connectTo } = useLoaderData<typeof loader>();
  const location = useLocation();
  const back = `/integrations/available${location.search}`;
  return (
    <Modal
      title={`${provider.name} Integration`}
      closeTo={back}
      footer={
        <>
          <Link to={back} className="btn-secondary" preventScrollReset>
            Cancel
          </Link>
          {connected ? (
            <Link to="/integrations" className="btn-primary">
              View on Connected
            </Link>
          ) : (
            <Link to={`${connectTo}${location.search}`} className="btn-primary">
              Connect with {provider.name}
            </Link>
          )}
        </>
      }
    >
      <div className="flex items-center gap-3">
        <IntegrationLogo provider={provider} className="size-12" />
        <div>
          <p className="text-sm text-slate-600">{provider.category}</p>
          {sandbox ? <SandboxBadge /> : null}
        </div>
      </div>
      <p className="mt-4 text-slate-800">{provider.longDescription}</p>
      <ProviderFacts provider={provider} />
    </Modal>
  );
}
