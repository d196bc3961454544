import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { FormAlert, SubmitButton } from "~/components/forms";
import { LocalTime } from "~/components/local-time";
import { Modal } from "~/components/modal";
import { deliveryDeps, endpointDeps, userCaller } from "~/lib/deps.server";
import { clientIp } from "~/lib/http/client-ip";
import { notFound } from "~/lib/http/responses";
import { companyLimitResponse } from "~/lib/security/limits.server";
import { getEndpoint } from "~/lib/webhooks/endpoints.server";
import { type ReceiverCheckName, STALE_AGE_SECONDS } from "~/lib/webhooks/receiver-tools";
import { receiverCheckQueries, verifyReceiver } from "~/lib/webhooks/verify-receiver.server";
import { requireAdmin, requireAdminWith } from "~/sessions.server";
import { FIXES, RECIPES } from "./recipes";

export const handle = { access: "admin" };
export const meta: MetaFunction = () => [{ title: "Verify my receiver · Integrations" }];

const CHECK_TITLES: Record<ReceiverCheckName, string> = {
  signed: "A correctly signed delivery is accepted",
  bad_signature: "A delivery with a wrong signature is refused",
  stale_timestamp: `A delivery with a timestamp ${STALE_AGE_SECONDS / 60} minutes old is refused`,
};

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const {
    results: [endpoints, checks],
  } = await requireAdminWith(request, context, (db, companyId) => receiverCheckQueries(db, companyId, params.id!));
  const endpoint = endpoints[0];
  if (!endpoint) throw notFound();
  const last = checks[0] ?? null;
  return json(
    {
      endpoint: { id: endpoint.id, url: endpoint.url },
      last: last && {
        passed: last.passed,
        checks: last.checks as { name: ReceiverCheckName; passed: boolean; status: number | null; detail: string }[],
        url: last.url,
        createdBy: last.createdBy,
        createdAt: last.createdAt.toISOString(),
      },
    },
    { headers: { "Cache-Control": "no-store" } },
  );
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireAdmin(request, context);
  const env = context.cloudflare.env;
  const form = await request.formData();
  if (form.get("intent") !== "verify") return json({ error: "Unknown action." }, { status: 400 });
  const deps = await endpointDeps(env, userCaller(user, clientIp(request)));
  if (!(await getEndpoint(deps, params.id!))) throw notFound();
  // Three POSTs to a URL of the admin's choosing: budgeted like the Test button.
  const spent = await companyLimitResponse(env, "webhook.test", user.company.id);
  if (spent) return json({ error: spent.message }, { status: 429, headers: { "Retry-After": String(spent.retryAfter) } });
  const result = await verifyReceiver({ ...deps, send: await deliveryDeps(env) }, params.id!);
  if (!result.ok) {
    if (result.status === 404) throw notFound();
    return json({ error: Object.values(result.errors).flat()[0] ?? "The checks could not run." }, { status: 400 });
  }
  return redirect(`/integrations/developers/webhooks/${params.id}/verify`);
}

export default function VerifyReceiver() {
  const { endpoint, last } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const base = `/integrations/developers/webhooks/${endpoint.id}`;
  const failed = last ? last.checks.filter((c) => !c.passed).length : 0;
  return (
    <Modal title="Verify my receiver" closeTo={base} size="lg">
      <div className="space-y-5 text-sm">
        <FormAlert id="verify-error" errors={actionData && "error" in actionData ? [actionData.error] : null} />
        <p>
          Three test deliveries go to <span className="break-all font-mono">{endpoint.url}</span>: one correctly signed, one with a wrong
          signature, and one correctly signed with a timestamp {STALE_AGE_SECONDS / 60} minutes old (Standard Webhooks receivers allow 5
          minutes). A receiver that verifies what it gets accepts the first with a 2xx and refuses the other two. They are not recorded as
          deliveries and do not count as failures of this endpoint.
        </p>
        {last ? (
          <section aria-labelledby="verify-result" className="space-y-3">
            <div
              role="status"
              className={`rounded-md border p-3 ${last.passed ? "border-green-300 bg-green-50 text-green-900" : "border-red-300 bg-red-50 text-red-900"}`}
            >
              <h3 id="verify-result" className="font-semibold">
                {last.passed ? "Your receiver passed all three checks" : `Your receiver failed ${failed} of 3 checks`}
              </h3>
              <p className="mt-1">
                Checked <LocalTime value={last.createdAt} /> by {last.createdBy}
                {last.url !== endpoint.url ? (
                  <>
                    {" "}
                    against <span className="break-all font-mono">{last.url}</span> (the URL has changed since)
                  </>
                ) : null}
                .
              </p>
            </div>
            <ol className="space-y-3">
              {last.checks.map((check) => (
                <li key={check.name} className="rounded-md border border-slate-200 p-3">
                  <p className="font-medium">
                    <span className={check.passed ? "text-green-800" : "text-red-800"}>{check.passed ? "✓ Passed" : "✗ Failed"}</span>
                    {" · "}
                    {CHECK_TITLES[check.name]}
                    {" · "}
                    <span className="text-slate-600">HTTP {check.status ?? "none"}</span>
                  </p>
                  <p className="mt-1">{check.detail}</p>
                  {check.passed ? null : (
                    <div className="mt-2 space-y-2">
                      {RECIPES.map((recipe) => (
                        <div key={recipe.id}>
                          <h4 className="font-medium">{recipe.title}</h4>
                          <pre className="mt-1 overflow-x-auto rounded bg-slate-900 p-2 text-xs text-slate-100">
                            <code>{FIXES[check.name][recipe.id]}</code>
                          </pre>
                        </div>
                      ))}
                      <p>
                        The full recipes are in the{" "}
                        <a className="text-brand-700 underline" href="/docs/api#webhook-signatures">
                          API reference
                        </a>
                        .
                      </p>
                    </div>
                  )}
                </li>
              ))}
            </ol>
          </section>
        ) : (
          <p className="rounded-md bg-slate-100 px-3 py-2">This receiver has not been verified yet.</p>
        )}
        <div className="flex flex-wrap justify-end gap-2 border-t border-slate-200 pt-4">
          <Link to={base} className="btn-secondary">
            Back to the endpoint
          </Link>
          <Form method="post">
            <CsrfInput />
            <input type="hidden" name="intent" value="verify" />
            <SubmitButton busyText="Verifying…">{last ? "Verify again" : "Verify my receiver"}</SubmitButton>
          </Form>
        </div>
      </div>
    </Modal>
  );
}
