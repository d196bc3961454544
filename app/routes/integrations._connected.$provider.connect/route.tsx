import { parseWithZod } from "@conform-to/zod/v4";
import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from "@remix-run/cloudflare";
import { useActionData, useLoaderData, useLocation } from "@remix-run/react";
import { Modal } from "~/components/modal";
import { adapterOf, adminWithConnection, connectDeps, featuresOf, requireProvider } from "~/integration-routes.server";
import { clientIp } from "~/lib/http/client-ip";
import { isSandboxed } from "~/lib/integrations/catalog";
import { apiKeySchema, callbackUrl, connectWithApiKey, enableBuiltIn, startOAuth } from "~/lib/integrations/connect.server";
import { clientCredentials, ProviderNotConfiguredError } from "~/lib/oauth/client.server";
import { requireAdmin } from "~/sessions.server";
import { ConnectBody } from "./connect-body";

export const handle = { access: "admin" };

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Connect to ${data.provider.name} · Integrations` : "Integrations" },
];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { user, provider, connection: existing } = await adminWithConnection(request, context, params.provider);
  const env = context.cloudflare.env;
  let notConfigured: string | null = null;
  if (provider.oauth) {
    try {
      clientCredentials(provider.oauth, env);
    } catch (e) {
      if (e instanceof ProviderNotConfiguredError) notConfigured = e.envName;
      else throw e;
    }
  }
  return json({
    provider: {
      id: provider.id,
      name: provider.name,
      logo: provider.logo,
      authKind: provider.authKind,
      permissions: [...provider.permissions],
      features: featuresOf(provider).features,
      apiKey: provider.apiKey ? { fields: provider.apiKey.fields.map((f) => ({ ...f })), help: provider.apiKey.help } : null,
    },
    reconnect: Boolean(existing),
    forwardingAddress: adapterOf(provider).connectHint?.({ env, company: user.company })?.copy ?? null,
    notConfigured,
    sandbox: isSandboxed(provider, env),
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireAdmin(request, context);
  const provider = requireProvider(params.provider);
  const deps = connectDeps(context);
  const formData = await request.formData();
  const intent = formData.get("intent");
  const ip = clientIp(request);
  const done = `/integrations/${provider.id}/connected`;

  if (intent === "oauth" && provider.oauth) {
    try {
      const url = await startOAuth(deps, { provider, user, redirectUri: callbackUrl(new URL(request.url).origin, provider) });
      return redirect(url.toString());
    } catch (e) {
      if (!(e instanceof ProviderNotConfiguredError)) throw e;
      return json(
        {
          result: null,
          formError: `${provider.name} is not set up on this server yet (${e.envName} is missing). Ask your operator to add the app's client id and secret.`,
        },
        { status: 503 },
      );
    }
  }
  if (intent === "api_key" && provider.apiKey) {
    const submission = parseWithZod(formData, { schema: apiKeySchema(provider.apiKey) });
    if (submission.status !== "success") {
      const secretFields = provider.apiKey.fields.filter((f) => f.secret).map((f) => f.name);
      return json({ result: submission.reply({ hideFields: secretFields }), formError: null }, { status: 400 });
    }
    const result = await connectWithApiKey(deps, { provider, user, ip, values: submission.value as Record<string, string> });
    if (!result.ok) {
      // The provider refused the key: say so next to the field, keep what was typed (not the secret), save nothing.
      const secretFields = provider.apiKey.fields.filter((f) => f.secret).map((f) => f.name);
      const { "": formErrors = [], ...fieldErrors } = result.fieldErrors;
      return json(
        { result: submission.reply({ fieldErrors, formErrors, hideFields: secretFields }), formError: formErrors.join(" ") || null },
        { status: 400 },
      );
    }
    return redirect(done);
  }
  if (intent === "enable" && provider.authKind === "built_in" && provider.capabilities.includes("connect")) {
    await enableBuiltIn(deps, { provider, user, ip });
    return redirect(done);
  }
  return json({ result: null, formError: "Unknown action." }, { status: 400 });
}

export default function ConnectModal() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { provider, reconnect } = data;
  // Opened from the Available tab's detail modal (its own URL under /integrations/available), it
  // goes back there; opened from the Connected tab, back to that.
  const { pathname, search } = useLocation();
  const closeTo = pathname.startsWith("/integrations/available/") ? `/integrations/available/${provider.id}${search}` : "/integrations";
  return (
    <Modal title={`${reconnect ? "Reconnect" : "Connect to"} ${provider.name}`} closeTo={closeTo} size="sm">
      <ConnectBody data={data} closeTo={closeTo} lastResult={actionData?.result ?? undefined} formError={actionData?.formError ?? null} />
    </Modal>
  );
}
