import { json, type LoaderFunctionArgs, redirect } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { Modal } from "~/components/modal";
import { WarningIcon } from "~/components/modal-icons";
import { connectDeps, requireProvider } from "~/integration-routes.server";
import { clientIp } from "~/lib/http/client-ip";
import { ConnectError, callbackUrl, completeOAuth } from "~/lib/integrations/connect.server";
import { ProviderError, ProviderNotConfiguredError } from "~/lib/oauth/client.server";
import { OAuthStateError } from "~/lib/oauth/state.server";
import { requireAdmin } from "~/sessions.server";

export const handle = { access: "admin" };

/** The one OAuth callback per provider. Success → the success modal; every failure → one "try again" screen. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireAdmin(request, context);
  const provider = requireProvider(params.provider);
  const url = new URL(request.url);
  const fail = (status: number, message: string) => json({ provider: { id: provider.id, name: provider.name }, message }, { status });
  try {
    await completeOAuth(connectDeps(context), {
      provider,
      user,
      ip: clientIp(request),
      params: url.searchParams,
      redirectUri: callbackUrl(url.origin, provider),
    });
  } catch (e) {
    if (e instanceof OAuthStateError)
      return fail(400, "This authorization link has expired, was already used, or was not started here. Nothing was saved.");
    if (e instanceof ConnectError) return fail(400, `${e.message} Nothing was saved.`);
    if (e instanceof ProviderNotConfiguredError)
      return fail(503, `${provider.name} is not set up on this server (${e.envName} is missing).`);
    if (e instanceof ProviderError) return fail(502, `${provider.name} did not complete the connection: ${e.message}. Nothing was saved.`);
    throw e;
  }
  return redirect(`/integrations/${provider.id}/connected`);
}

export default function CallbackFailed() {
  const { provider, message } = useLoaderData<typeof loader>();
  return (
    <Modal
      title={`Could not connect ${provider.name}`}
      closeTo="/integrations"
      size="sm"
      footer={
        <>
          <Link to="/integrations" className="btn-secondary">
            Cancel
          </Link>
          <Link to={`/integrations/${provider.id}/connect`} className="btn-primary">
            Try again
          </Link>
        </>
      }
    >
      <div role="alert" className="flex gap-3">
        <WarningIcon className="size-6 shrink-0 text-amber-600" />
        <p className="text-slate-800">{message}</p>
      </div>
    </Modal>
  );
}
