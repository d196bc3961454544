import { type ActionFunctionArgs, type HeadersFunction, json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Outlet, useLoaderData } from "@remix-run/react";
import { listApiKeys } from "~/lib/api-keys/keys.server";
import { webhooksSection } from "~/lib/webhooks/section.server";
import { requireAdmin, requireAdminWith } from "~/sessions.server";
import { shellData } from "~/shell.server";
import { apiKeysSection, createKeyAction, regenerateKeyAction, revokeKeyAction } from "./api-keys.server";
import { ApiKeysSection } from "./api-keys-section";
import { AuditLogLink } from "./audit-log-link";
import { WebhooksSection } from "./webhooks-section";

export const handle = { access: "admin" };

export const meta: MetaFunction = () => [{ title: "API & Webhooks · Integrations" }];

// The page may carry a freshly revealed API key: never cache it anywhere.
export const headers: HeadersFunction = () => ({ "Cache-Control": "no-store" });

export async function loader({ request, context }: LoaderFunctionArgs) {
  const env = context.cloudflare.env;
  const now = new Date();
  // one D1 round trip: the admin check, the keys and the webhooks section in the request's batch
  const {
    user,
    results: [keys, webhooks],
  } = await requireAdminWith(
    request,
    context,
    (db, companyId) => [listApiKeys({ db, companyId, now }), webhooksSection({ db, companyId, now })] as const,
  );
  const apiKeys = await apiKeysSection({ env, user, request, keys });
  return json({ apiKeys, webhooks, shell: shellData(user, env) }, { headers: { "Cache-Control": "no-store" } });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireAdmin(request, context);
  const env = context.cloudflare.env;
  const formData = await request.formData();
  switch (formData.get("intent")) {
    case "create-key":
      return createKeyAction(env, user, request, formData);
    case "regenerate-key":
      return regenerateKeyAction(env, user, request, formData);
    case "revoke-key":
      return revokeKeyAction(env, user, request, formData);
    default:
      return json({ intent: null, result: null, error: "Unknown action." }, { status: 400 });
  }
}

export default function DevelopersTab() {
  const { apiKeys, webhooks } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-8">
      <ApiKeysSection data={apiKeys} />
      <WebhooksSection data={webhooks} />
      <AuditLogLink />
      <Outlet />
    </div>
  );
}
