import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { Modal } from "~/components/modal";
import { WarningIcon } from "~/components/modal-icons";
import { redirectWithFlash } from "~/flash.server";
import { adminWithRequiredConnection, connectDeps, requireProvider } from "~/integration-routes.server";
import { clientIp } from "~/lib/http/client-ip";
import { notFound } from "~/lib/http/responses";
import { disconnectIntegration } from "~/lib/integrations/manage.server";
import { requireAdmin } from "~/sessions.server";

export const handle = { access: "admin" };

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Disconnect ${data.provider.name} · Integrations` : "Integrations" },
];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { provider } = await adminWithRequiredConnection(request, context, params.provider);
  // Opened from a Configure screen (?from=configure), Cancel goes back there, not to the list.
  const back = new URL(request.url).searchParams.get("from") === "configure" ? `/integrations/${provider.id}/configure` : "/integrations";
  return json({ provider: { id: provider.id, name: provider.name }, effects: [...provider.disconnectEffects], back });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireAdmin(request, context);
  const provider = requireProvider(params.provider);
  const form = await request.formData();
  if (form.get("intent") !== "disconnect") return json({ error: "Unknown action." }, { status: 400 });
  const result = await disconnectIntegration(connectDeps(context), { provider, user, ip: clientIp(request) });
  if (!result) throw notFound(`${provider.name} is not connected.`);
  return redirectWithFlash(context.cloudflare.env, "/integrations", `${provider.name} disconnected.`);
}

export default function DisconnectModal() {
  const { provider, effects, back } = useLoaderData<typeof loader>();
  const busy = useNavigation().state === "submitting";
  return (
    <Modal title={`Disconnect ${provider.name}`} closeTo={back} size="sm">
      <div className="flex gap-3">
        <WarningIcon className="size-6 shrink-0 text-amber-600" />
        <p className="text-slate-900">Are you sure you want to disconnect {provider.name}?</p>
      </div>
      <p className="mt-4 text-sm font-medium text-slate-900">This will:</p>
      <ul className="mt-1 list-disc space-y-0.5 pl-5 text-sm text-slate-700">
        {effects.map((e) => (
          <li key={e}>{e}</li>
        ))}
      </ul>
      <p className="mt-4 text-sm text-slate-700">You can reconnect at any time.</p>
      <Form method="post" className="mt-6 flex flex-wrap justify-end gap-2 border-t border-slate-200 pt-4">
        <CsrfInput />
        <Link to={back} className="btn-secondary">
          Cancel
        </Link>
        <button type="submit" name="intent" value="disconnect" className="btn-danger" disabled={busy}>
          {busy ? "Disconnecting…" : "Disconnect"}
        </button>
      </Form>
    </Modal>
  );
}
