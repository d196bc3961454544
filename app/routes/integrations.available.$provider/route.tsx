import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData, useLocation } from "@remix-run/react";
import { IntegrationLogo, SandboxBadge } from "~/components/integration-logo";
import { Modal } from "~/components/modal";
import { createDb } from "~/lib/db/client";
import { categoryLabel, isSandboxed } from "~/lib/integrations/catalog";
import { findConnection } from "~/lib/integrations/connections.server";
import { requireAdmin } from "~/sessions.server";
import { adapterOf, requireProvider } from "../integrations._connected/shared.server";
import { ProviderFacts } from "./provider-facts";

export const handle = { access: "admin" };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.provider.name} · Integrations` : "Integrations" }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireAdmin(request, context);
  const provider = requireProvider(params.provider);
  const env = context.cloudflare.env;
  const connection = await findConnection({ db: createDb(env.DB), companyId: user.company.id, provider: provider.id });
  return json({
    provider: {
      id: provider.id,
      name: provider.name,
      logo: provider.logo,
      category: categoryLabel(provider.category),
      longDescription: provider.longDescription,
      worksToday: provider.worksToday,
      // What works is what the adapter does (never the catalog's wish list).
      features: [...adapterOf(provider).features],
      comingSoon: [...provider.comingSoon],
      permissions: [...provider.permissions],
      authKind: provider.authKind,
    },
    connected: Boolean(connection),
    sandbox: isSandboxed(provider, env),
  });
}

export default function ProviderDetail() {
  const { provider, connected, sandbox } = useLoaderData<typeof loader>();
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
            <Link to={`/integrations/${provider.id}/connect`} className="btn-primary">
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
