import {
  type ActionFunctionArgs,
  type HeadersFunction,
  json,
  type LoaderFunctionArgs,
  type MetaFunction,
  redirect,
} from "@remix-run/cloudflare";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { IntegrationLogo } from "~/components/integration-logo";
import { Modal } from "~/components/modal";
import { RevealedKey } from "~/components/revealed-key";
import { adminWithConnection, connectDeps } from "~/integration-routes.server";
import { stashReveal, takeReveal } from "~/lib/api-keys/reveal.server";
import { apiBaseUrl } from "~/lib/env";
import { clientIp } from "~/lib/http/client-ip";
import { connectZapier, ZAPIER_KEY_SCOPES, zapierProvider } from "~/lib/integrations/zapier/account.server";
import { requireAdmin } from "~/sessions.server";

/**
 * Zapier's Connect: the steps to follow in Zapier, and a dedicated API key (kind "zapier") shown
 * once through the same one-time reveal as the API & Webhooks tab. Creating it connects Zapier.
 */
export const handle = { access: "admin" };

const SELF = "/integrations/zapier/connect";

export const meta: MetaFunction = () => [{ title: "Connect to Zapier · Integrations" }];

// The page may carry the freshly revealed key: never cache it anywhere.
export const headers: HeadersFunction = () => ({ "Cache-Control": "no-store" });

export async function loader({ request, context }: LoaderFunctionArgs) {
  // one D1 round trip: the admin and the connection in the request's batch; then the one-time reveal (KV)
  const { user, connection } = await adminWithConnection(request, context, zapierProvider.id);
  const env = context.cloudflare.env;
  const url = new URL(request.url);
  const revealId = url.searchParams.get("revealed");
  const reveal = await takeReveal(env.KV, revealId, { companyId: user.company.id, userId: user.id });
  return json(
    {
      provider: { id: zapierProvider.id, name: zapierProvider.name, logo: zapierProvider.logo },
      connected: Boolean(connection),
      reveal: reveal?.secret ?? null,
      revealGone: Boolean(revealId) && !reveal,
      apiBaseUrl: apiBaseUrl(env, url.origin),
      scopes: [...ZAPIER_KEY_SCOPES],
    },
    { headers: { "Cache-Control": "no-store" } },
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireAdmin(request, context);
  const form = await request.formData();
  if (form.get("intent") !== "create-key") return json({ error: "Unknown action." }, { status: 400 });
  const created = await connectZapier(connectDeps(context), { user, ip: clientIp(request) });
  const id = await stashReveal(context.cloudflare.env.KV, {
    companyId: user.company.id,
    userId: user.id,
    keyId: created.keyId,
    secret: created.secret,
  });
  return redirect(`${SELF}?revealed=${id}`, { headers: { "Cache-Control": "no-store" } });
}

export default function ZapierConnect() {
  const data = useLoaderData<typeof loader>();
  const busy = useNavigation().state === "submitting";
  const closeTo = data.connected ? "/integrations" : "/integrations/available/zapier";
  return (
    <Modal title={data.reveal ? "Zapier connected" : "Connect to Zapier"} closeTo={closeTo}>
      <div className="flex items-center gap-3">
        <IntegrationLogo provider={data.provider} className="size-12" />
        <p className="text-sm text-slate-700">
          Zaps start when conversations and messages happen here. Zapier subscribes with its own API key.
        </p>
      </div>
      {data.reveal ? <RevealedKey secret={data.reveal} name="Zapier" /> : null}
      {data.revealGone ? (
        <p role="status" className="mt-4 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          That key was already shown once and cannot be shown again. Create a new Zapier key below if you did not copy it.
        </p>
      ) : null}
      <ol className="mt-4 list-decimal space-y-2 pl-5 text-sm text-slate-800">
        <li>
          {data.reveal ? "Copy the key above." : "Create a dedicated API key for Zapier."} It may read conversations and manage its own
          event subscriptions ({data.scopes.join(", ")}), nothing else: it cannot see or change your webhook endpoints.
        </li>
        <li>
          In Zapier, create a Zap and pick the <strong>Integrations Hub</strong> app as its trigger, then choose an event such as “New
          Conversation”.
        </li>
        <li>
          When Zapier asks you to connect an account, paste the key. Zapier checks it against{" "}
          <code className="break-all">{data.apiBaseUrl}/me</code>.
        </li>
        <li>Turn the Zap on: Zapier subscribes to the event, and the Zapier card shows it as an active Zap.</li>
      </ol>
      {data.connected && !data.reveal ? (
        <p className="mt-4 text-sm text-slate-700">
          Zapier is already connected. A new key leaves the existing Zapier keys working until you revoke them on{" "}
          <Link to="/integrations/developers" className="underline">
            API &amp; Webhooks
          </Link>{" "}
          or disconnect Zapier.
        </p>
      ) : null}
      <div className="mt-6 flex flex-wrap justify-end gap-2 border-t border-slate-200 pt-4">
        {data.reveal ? (
          <Link to="/integrations" className="btn-primary">
            Done
          </Link>
        ) : (
          <Form method="post" className="flex flex-wrap justify-end gap-2">
            <CsrfInput />
            <Link to={closeTo} className="btn-secondary">
              Cancel
            </Link>
            <button type="submit" name="intent" value="create-key" className="btn-primary" disabled={busy}>
              {busy ? "Creating…" : data.connected ? "Create another Zapier key" : "Create Zapier API key"}
            </button>
          </Form>
        )}
      </div>
    </Modal>
  );
}
